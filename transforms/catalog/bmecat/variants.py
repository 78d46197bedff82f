"""A BMEcat product's ``VARIANTS``: the axes its features vary by, multiplied out into
one product per combination, each with the sku supplements of its values."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from schemas.characters import describe_invisible, remove_invisible
from transforms.catalog.bmecat.frame import (
    LOCAL_NAMES,
    element_text,
)
from transforms.catalog.values import (
    RowContext,
    clean_text,
)

if TYPE_CHECKING:
    from schemas.findings import Finding
    from schemas.product import Product
    from transforms.catalog.bmecat.frame import Frame
    from transforms.catalog.values import DecimalMark

MAX_VARIANTS = 1000
"""Most variants one product's ``VARIANTS`` may multiply out to."""
_SUPPLEMENT_TAGS = ("SUPPLIER_AID_SUPPLEMENT", "SUPPLIER_PID_SUPPLEMENT")


@dataclass(slots=True)
class Axis:
    name: str
    order: int
    options: list[tuple[str, str]]
    """(value, sku supplement) per variant."""


def read_axis(name: str, variants: Any, frame: Frame) -> Axis:
    """A ``FEATURE``'s ``VARIANTS``: its order, and each variant's value and sku supplement."""
    order = 0
    options: list[tuple[str, str]] = []
    for child in variants:
        tag = LOCAL_NAMES[child.tag]
        if tag == "VORDER":
            text = element_text(child)
            order = int(text) if text.isdigit() else 0
        elif tag == "VARIANT":
            value = supplement = ""
            for part in child:
                part_tag = LOCAL_NAMES[part.tag]
                if part_tag == "FVALUE" and not value and frame.in_language(part):
                    value = element_text(part)
                elif part_tag in _SUPPLEMENT_TAGS:
                    supplement = element_text(part)
            options.append((value, supplement))
    return Axis(name, order, options)


def variant_products(
    base: Product, axes: list[Axis], context: RowContext, mark: DecimalMark | None
) -> list[Product | Finding]:
    """The products a product with ``VARIANTS`` stands for: one per combination of its
    axes' values, its sku the base sku with the supplements, grouped under the base."""
    axes = sorted(axes, key=lambda axis: axis.order)
    total = math.prod(len(axis.options) for axis in axes)
    if total > MAX_VARIANTS:
        context.reject(
            "VARIANTS",
            "too_many_variants",
            f"its VARIANTS multiply out to {total} variants, more than {MAX_VARIANTS}",
        )
        return list(context.findings[-1:])
    items: list[Product | Finding] = []
    for combination in itertools.product(*(axis.options for axis in axes)):
        variant_context = RowContext(context.row, None, mark)
        described = ", ".join(
            f"{axis.name}={value or '(any)'}"
            for axis, (value, _) in zip(axes, combination, strict=True)
        )
        missing = [
            axis.name
            for axis, (_, supplement) in zip(axes, combination, strict=True)
            if not supplement
        ]
        sku = base.sku + "".join(supplement for _, supplement in combination)
        if missing:
            variant_context.reject(
                "SUPPLIER_AID_SUPPLEMENT",
                "missing_sku",
                f"the variant {described} of {base.sku} has no SUPPLIER_AID_SUPPLEMENT "
                f"for {', '.join(missing)}, so no sku of its own",
            )
            items.extend(variant_context.findings)
            continue
        variant_context.sku = sku
        if remove_invisible(sku)[1]:
            variant_context.reject(
                "sku",
                "invalid_sku",
                f"the sku holds invisible or control characters ({describe_invisible(sku)})",
                sku,
            )
            items.extend(variant_context.findings)
            continue
        variant = _copy(base)
        variant.sku = sku
        variant.group = base.sku
        for axis, (value, _) in zip(axes, combination, strict=True):
            if value:  # empty: "any", so this variant does not vary by it
                variant.varies_by.append(axis.name)
                variant.attributes[axis.name] = clean_text(variant_context, axis.name, value)
        items.extend(variant_context.findings)
        items.append(variant)
    return items


def _copy(product: Product) -> Product:
    return replace(
        product,
        title=dict(product.title),
        description=dict(product.description),
        bullet_points={k: list(v) for k, v in product.bullet_points.items()},
        prices=dict(product.prices),
        sale_prices=dict(product.sale_prices),
        categories=list(product.categories),
        image_links=list(product.image_links),
        attributes=dict(product.attributes),
        varies_by=[],
    )
