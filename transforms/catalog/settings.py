"""The catalog's own settings, applied to every product whatever reader produced it.

A shop system's export lacks what the shop never held (WooCommerce and Magento have no
brand field), names a field its own way (Shopify's ``Vendor``), spells the same attribute
in several ways (``Color`` in the variant axes, ``color`` in the attributes) and carries
what a spreadsheet made of a value (``3.65275E+11`` for a GTIN). `apply_catalog_settings`
sits between the reader and the snapshot and, for each product, in this order:

1. names every attribute and variant axis by one code (`schemas.axes.canonical_name`),
   so a group's axes and its variants' attributes agree, and EU product law's attributes
   as `schemas.product` names them, however the shop system's export wrote them
   (`transforms.catalog.product_law`: Shopify metafield columns, WooCommerce ``Meta:``
   columns, Shopware custom fields, the spellings merchants use);
2. fills a field from the source column ``[catalog.columns]`` names for it (the product
   fields, and EU product law's attributes: ``manufacturer_id = "Hersteller-ID"``);
3. fills what is still empty from ``[catalog.defaults]``;
4. makes relative image paths absolute with ``asset_base_url`` and drops (with a warning)
   a link that still is not an absolute http(s) URL;
5. drops a GTIN a spreadsheet wrote in scientific notation, naming the cause, and a zero
   weight or dimension (shop systems write ``0`` for "not set"), each with a warning.

Nothing here sets a product aside: what a channel needs and lacks is that channel's
completeness, judged per market after localization.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from schemas.findings import Finding, shorten
from schemas.product import (
    ANY_LOCALE,
    QUANTITY_FIELDS,
    SAFETY_PICTOGRAMS,
    SAFETY_WARNING,
    TAX_CLASSES,
    Product,
)
from transforms.catalog.product_law import PRODUCT_LAW_FIELDS, attribute_code

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from schemas.config.catalog import CatalogSource

_CODES_KEPT = 4096
"""Attribute names whose code is kept (a catalog has a few hundred)."""
_LIST_SEPARATORS = re.compile(r"[;|]")
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?[eE][+]?\d+\s*$")
_ABSOLUTE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:/\S*)?$")
_CONDITIONS = {"new": "new", "used": "used", "refurbished": "refurbished"}
_AVAILABILITY = {
    "in_stock": "in_stock",
    "instock": "in_stock",
    "in stock": "in_stock",
    "out_of_stock": "out_of_stock",
    "outofstock": "out_of_stock",
    "out of stock": "out_of_stock",
    "preorder": "preorder",
    "backorder": "backorder",
    "onbackorder": "backorder",
}


def apply_catalog_settings(
    items: Iterable[Product | Finding], source: CatalogSource
) -> Iterator[Product | Finding]:
    """Apply the catalog section's settings to each product of ``items`` (see the module
    docstring); findings pass through, new ones follow the product they are about."""
    settings = _Settings(source)
    for item in items:
        if isinstance(item, Product):
            findings = settings.apply(item)
            if findings:
                yield from findings
        yield item


class _Settings:
    __slots__ = ("base_url", "codes", "columns", "defaults", "locale")

    def __init__(self, source: CatalogSource) -> None:
        # A shop export holds one language: a warning without one is [catalog] locale's
        # (unset, the export's texts apply to every locale, and so does the warning).
        self.locale = source.locale or ANY_LOCALE
        self.codes: dict[str, str] = {}
        """Attribute name -> its code; a catalog has a few hundred names, read per product."""
        self.columns = {name: self.code(column) for name, column in source.columns.items()}
        self.defaults = source.defaults
        self.base_url = source.asset_base_url

    def code(self, name: str) -> str:
        code = self.codes.get(name)
        if code is None:
            code = attribute_code(name, self.locale)
            if len(self.codes) < _CODES_KEPT:  # bounded, whatever a hostile file names
                self.codes[name] = code
        return code

    def apply(self, product: Product) -> list[Finding]:
        found: list[Finding] = []
        if product.attributes:
            product.attributes = self._canonical_attributes(product.attributes)
        if product.varies_by:
            product.varies_by = list(dict.fromkeys(self.code(a) for a in product.varies_by))
        for name, column in self.columns.items():
            value = product.attributes.get(column, "").strip()
            if value:
                if name in PRODUCT_LAW_FIELDS:
                    key = f"{SAFETY_WARNING}-{self.locale}" if name == SAFETY_WARNING else name
                    product.attributes[key] = value
                else:
                    _set_field(product, name, value, found)
        self._defaults(product, found)
        if product.image_links:
            self._images(product, found)
        if product.gtin:
            _gtin(product, found)
        for measure in QUANTITY_FIELDS:
            quantity = getattr(product, measure)
            if quantity is not None and quantity.value == 0:
                setattr(product, measure, None)
                found.append(
                    _warning(
                        product,
                        measure,
                        "quantity_zero_dropped",
                        f"{measure} is 0 {quantity.unit}, which shop systems write for "
                        "'not set': it was dropped",
                        str(quantity),
                    )
                )
        return found

    def _defaults(self, product: Product, found: list[Finding]) -> None:
        defaults = self.defaults
        if defaults.brand and not product.brand:
            product.brand = defaults.brand
        if defaults.condition and product.condition == "new":
            product.condition = defaults.condition
        if defaults.tax_class and product.tax_class == "standard":
            _set_field(product, "tax_class", defaults.tax_class, found)
        if defaults.country_of_origin and not product.attributes.get("country_of_origin"):
            product.attributes["country_of_origin"] = defaults.country_of_origin
        for key, value in defaults.attributes.items():
            product.attributes.setdefault(self.code(key), value)

    def _images(self, product: Product, found: list[Finding]) -> None:
        if all(_ABSOLUTE.match(link) for link in product.image_links):
            return  # the common case: nothing to change
        links: list[str] = []
        for link in product.image_links:
            cleaned = link.strip()
            if not cleaned:
                continue
            if cleaned.startswith("//"):  # protocol-relative, as Shopify's CDN links
                cleaned = "https:" + cleaned
            elif "://" not in cleaned and self.base_url:
                cleaned = self.base_url.rstrip("/") + "/" + cleaned.lstrip("/")
            if _ABSOLUTE.match(cleaned):
                links.append(cleaned)
                continue
            found.append(
                _warning(
                    product,
                    "image_links",
                    "relative_image_link" if "://" not in cleaned else "image_link_dropped",
                    f"image path {cleaned!r} is relative and no asset_base_url is configured; "
                    "the image was dropped ([catalog] asset_base_url)"
                    if "://" not in cleaned
                    else f"image link {cleaned!r} is not an absolute http(s) URL; it was dropped",
                    cleaned,
                )
            )
        product.image_links = links

    def _canonical_attributes(self, attributes: dict[str, str]) -> dict[str, str]:
        canonical: dict[str, str] = {}
        codes = self.codes
        for key, value in attributes.items():
            code = codes.get(key) or self.code(key)
            if code not in canonical or (not canonical[code] and value):
                canonical[code] = value
        pictograms = canonical.get(SAFETY_PICTOGRAMS)
        if pictograms and _LIST_SEPARATORS.search(pictograms):
            # Shopify writes a list metafield's values joined by "; ", Magento a
            # multi-select's by "|": the codes' own separators are spaces and commas.
            canonical[SAFETY_PICTOGRAMS] = ", ".join(
                code for part in _LIST_SEPARATORS.split(pictograms) if (code := part.strip())
            )
        return canonical


def _set_field(product: Product, name: str, value: str, found: list[Finding]) -> None:
    if name in ("brand", "gtin", "mpn"):
        setattr(product, name, value)
    elif name == "country_of_origin":
        product.attributes["country_of_origin"] = value
    elif name == "condition":
        condition = _CONDITIONS.get(value.strip().lower())
        if condition is None:
            found.append(
                _warning(
                    product,
                    "condition",
                    "invalid_condition",
                    "condition must be one of new, used, refurbished; the product is listed as new",
                    value,
                )
            )
        else:
            product.condition = condition  # type: ignore[assignment]
    elif name == "availability":
        availability = _AVAILABILITY.get(value.strip().lower())
        if availability is not None:
            product.availability = availability  # type: ignore[assignment]
    elif name == "tax_class":
        tax_class = value.strip().lower()
        if tax_class in TAX_CLASSES:
            product.tax_class = tax_class  # type: ignore[assignment]
        else:
            found.append(
                _warning(
                    product,
                    "tax_class",
                    "unknown_tax_class",
                    f"{value!r} is not one of {sorted(TAX_CLASSES)}; the value was ignored",
                    value,
                )
            )


def _gtin(product: Product, found: list[Finding]) -> None:
    gtin = product.gtin or ""
    if gtin.isdigit():
        return  # the common case: whatever is wrong with it, validation says
    if _SCIENTIFIC.match(gtin):
        product.gtin = None
        found.append(
            _warning(
                product,
                "gtin",
                "gtin_scientific_notation",
                f"the GTIN {gtin.strip()!r} is a number in scientific notation: a spreadsheet "
                "read the column as a number and dropped its last digits. Export the GTIN "
                "column as text (or format it as text before saving); the GTIN was dropped",
                gtin,
            )
        )
        return
    compact = gtin.strip()
    if compact.endswith(".0") and compact[:-2].isdigit():  # a spreadsheet's float: 4006381333931.0
        product.gtin = compact[:-2]
    elif compact != gtin:
        product.gtin = compact


def _warning(product: Product, field: str, rule: str, message: str, value: str) -> Finding:
    return Finding(
        stage="ingest",
        severity="warning",
        sku=product.sku,
        field=field,
        rule=rule,
        message=message,
        value=shorten(value),
    )
