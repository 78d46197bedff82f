"""What a WooCommerce export's header holds, worked out once per file: the column of
each value the reader maps, the weight and dimension columns with their units, the
``Attribute N`` pairs, and the columns kept as attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from transforms.catalog.files import CatalogFileError
from transforms.catalog.values import (
    RowContext,
    parse_unit,
)

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding

_MEASURE = re.compile(
    r"^(?P<field>weight|length|width|height)\s*(?:\((?P<unit>[^)]*)\))?$", re.IGNORECASE
)
_ATTRIBUTE = re.compile(
    r"^attribute (?P<n>\d+) (?P<part>name|value\(s\)|visible|global|default)$", re.IGNORECASE
)
_DOWNLOAD = re.compile(r"^download(?: \d+)? (?:id|name|url|limit|expiry days)$", re.IGNORECASE)
_COLUMNS = {
    "id": "id",
    "type": "type",
    "sku": "sku",
    "gtin, upc, ean, or isbn": "gtin",
    "name": "name",
    "published": "published",
    "short description": "short_description",
    "description": "description",
    "date sale price starts": "sale_start",
    "date sale price ends": "sale_end",
    "tax status": "tax_status",
    "tax class": "tax_class",
    "in stock?": "in_stock",
    "stock": "stock",
    "sale price": "sale_price",
    "regular price": "regular_price",
    "categories": "categories",
    "images": "images",
    "parent": "parent",
    "external url": "external_url",
    "button text": "button_text",
    "brands": "brands",
}
"""Exported column names (case-folded) -> what the reader takes them for."""
_NOT_READ = frozenset({"grouped products", "upsells", "cross-sells", "position"})

_MISSING = "\x00"
"""The column of a role the header lacks: no header is named so, ``row.get`` gives ""."""


@dataclass(frozen=True, slots=True)
class Cells:
    """The column holding each value the reader maps (`_COLUMNS`)."""

    id: str = _MISSING
    type: str = _MISSING
    sku: str = _MISSING
    gtin: str = _MISSING
    name: str = _MISSING
    published: str = _MISSING
    short_description: str = _MISSING
    description: str = _MISSING
    sale_start: str = _MISSING
    sale_end: str = _MISSING
    tax_status: str = _MISSING
    tax_class: str = _MISSING
    in_stock: str = _MISSING
    stock: str = _MISSING
    sale_price: str = _MISSING
    regular_price: str = _MISSING
    categories: str = _MISSING
    images: str = _MISSING
    parent: str = _MISSING
    external_url: str = _MISSING
    button_text: str = _MISSING
    brands: str = _MISSING


@dataclass(slots=True)
class ColumnPlan:
    """What the reader takes each column of the header for, worked out once."""

    cells: Cells
    measures: list[tuple[str, str, str | None]]
    """(product field, column, unit) of the weight and dimension columns."""
    axes: list[tuple[str, str]]
    """(name column, value column) of ``Attribute N``, in N's order."""
    others: list[str]
    """Columns kept as attributes under their own names."""


def plan_columns(
    header: list[str], source: CatalogSource, path: Path
) -> tuple[ColumnPlan, list[Finding]]:
    context = RowContext(0, None)
    roles: dict[str, str] = {}
    measures: list[tuple[str, str, str | None]] = []
    names: dict[int, dict[str, str]] = {}
    others: list[str] = []
    for column in header:
        folded = column.strip().casefold()
        role = _COLUMNS.get(folded)
        if role is not None:
            roles.setdefault(role, column)
            continue
        if folded in _NOT_READ or _DOWNLOAD.match(folded):
            continue
        measure = _MEASURE.match(folded)
        if measure:
            quantity = measure["field"]
            written = measure["unit"]
            if written is None:
                unit = source.weight_unit if quantity == "weight" else source.dimension_unit
            else:  # an unknown unit is reported once, and the column kept as an attribute
                unit = context.take(column, parse_unit, written)
            if written is None or unit is not None:
                measures.append((quantity, column, unit))
                continue
        attribute = _ATTRIBUTE.match(folded)
        if attribute:
            names.setdefault(int(attribute["n"]), {})[attribute["part"]] = column
            continue
        others.append(column)
    if "type" not in roles:
        raise CatalogFileError(
            f"{path.name}: no 'Type' column (columns: {', '.join(header[:12])}): WooCommerce's "
            "product export always has one; is this another shop system's file?"
        )
    axes = [
        (parts["name"], parts["value(s)"])
        for _, parts in sorted(names.items())
        if "name" in parts and "value(s)" in parts
    ]
    return ColumnPlan(Cells(**roles), measures, axes, others), context.findings
