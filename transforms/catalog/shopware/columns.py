"""What each column of a Shopware export's header holds: the "Default product" profile's
names and Shopware's own keys, prices in named currencies, translations, options and
properties, and the inheritance block of every column a variant may inherit."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from transforms.catalog.files import (
    CatalogFileError,
    open_text,
)

if TYPE_CHECKING:
    from pathlib import Path


DELIMITER = ";"

_ROLES: dict[str, str] = {
    # the "Default product" profile's column names
    "id": "id",
    "parent_id": "parent_id",
    "product_number": "sku",
    "active": "active",
    "stock": "stock",
    "name": "name",
    "description": "description",
    "price_gross": "price",
    "tax_name": "tax_name",
    "cover_media_url": "cover",
    "manufacturer_name": "brand",
    "categories": "categories",
    # fields merchants add, as Shopware's own fixtures name them
    "list_price_gross": "list_price",
    "ean": "gtin",
    "manufacturer_number": "mpn",
    "weight": "weight",
    "width": "width",
    "height": "height",
    "length": "length",
    "media": "media",
    "category_paths": "category_paths",
    "is_closeout": "closeout",
    # Shopware's id of the manufacturer entity: not an [operators] id, so never kept as the
    # manufacturer_id attribute (`schemas.product`), which the GPSR check reads
    "manufacturer_id": "manufacturer_entity_id",
    "custom_fields": "custom_fields",
    # Shopware's own keys, for a profile whose column names repeat them
    "parentId": "parent_id",
    "productNumber": "sku",
    "translations.DEFAULT.name": "name",
    "translations.DEFAULT.description": "description",
    "price.DEFAULT.gross": "price",
    "price.DEFAULT.listPrice.gross": "list_price",
    "tax.name": "tax_name",
    "cover.media.url": "cover",
    "manufacturer.translations.DEFAULT.name": "brand",
    "manufacturerNumber": "mpn",
    "isCloseout": "closeout",
    "manufacturerId": "manufacturer_entity_id",
    "manufacturer.id": "manufacturer_entity_id",
    "customFields": "custom_fields",
    "translations.DEFAULT.customFields": "custom_fields",
}
"""Column name -> what it holds."""
_OPTION_COLUMNS = ("optionIds", "options")
_PROPERTY_COLUMNS = ("propertyIds", "properties")
_CURRENCY_PRICE = re.compile(
    r"^(?:price_gross_(?P<snake>[a-z]{3})|price\.(?P<key>[A-Z]{3})\.gross)$", re.IGNORECASE
)
_CURRENCY_LIST_PRICE = re.compile(
    r"^(?:list_price_gross_(?P<snake>[a-z]{3})|price\.(?P<key>[A-Z]{3})\.listPrice\.gross)$",
    re.IGNORECASE,
)
_TRANSLATION = re.compile(r"^translations\.(?P<code>[^.]+)\.(?P<field>name|description)$")

_NOT_INHERITED = frozenset({"id", "parent_id", "sku", "stock", "gtin", "mpn"})
"""Roles a variant never takes from its parent: identity, stock, identifiers."""
_CONSUMED = frozenset(
    {
        "id",
        "parent_id",
        "sku",
        "active",
        "stock",
        "name",
        "description",
        "price",
        "list_price",
        "tax_name",
        "cover",
        "brand",
        "categories",
        "category_paths",
        "gtin",
        "mpn",
        "weight",
        "width",
        "height",
        "length",
        "media",
        "closeout",
        "manufacturer_entity_id",
        "custom_fields",
    }
)
"""Roles mapped onto a `Product` field, not kept as attributes."""


def _block(column: str) -> str:
    """The group of columns a variant inherits as a whole (Shopware inherits the price,
    the tax, the cover and the manufacturer as one value each)."""
    name = column.lower()
    if name.startswith(("price", "list_price")):
        return "price"
    for prefix, block in (
        ("purchase_prices", "purchase_prices"),
        ("purchaseprices", "purchase_prices"),
        ("tax", "tax"),
        ("cover", "cover"),
    ):
        if name.startswith(prefix):
            return block
    if name.startswith("manufacturer") and "number" not in name:
        return "manufacturer"
    return column


@dataclass(slots=True)
class Columns:
    """What each column of one file's header holds."""

    role: dict[str, str] = field(default_factory=dict)
    """Role -> column."""
    prices: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(currency, price column, list price column) of the prices in named currencies."""
    texts: list[tuple[str, str, str]] = field(default_factory=list)
    """(column, ``name`` or ``description``, language code) of ``translations.<code>.*``."""
    options: str | None = None
    properties: str | None = None
    block: dict[str, str] = field(default_factory=dict)
    """Inheritable column -> its inheritance block."""
    plain: list[str] = field(default_factory=list)
    """Columns kept as attributes under their own names."""

    @classmethod
    def of(cls, header: list[str]) -> Columns:
        columns = cls()
        list_prices: dict[str, str] = {}
        consumed: set[str] = {""}  # a trailing ";" gives a column without a name
        for column in header:
            role = _ROLES.get(column)
            if role is not None and role not in columns.role:
                columns.role[role] = column
                if role in _CONSUMED:
                    consumed.add(column)
            if role is None or role not in _NOT_INHERITED:
                columns.block[column] = _block(column)
            if column in _OPTION_COLUMNS and columns.options is None:
                columns.options = column
            if column in _PROPERTY_COLUMNS and columns.properties is None:
                columns.properties = column
            if (price := _CURRENCY_PRICE.match(column)) is not None:
                currency = (price["snake"] or price["key"]).upper()
                columns.prices.append((currency, column, None))
                consumed.add(column)
            elif (listed := _CURRENCY_LIST_PRICE.match(column)) is not None:
                list_prices[(listed["snake"] or listed["key"]).upper()] = column
                consumed.add(column)
            elif (text := _TRANSLATION.match(column)) is not None and text["code"] != "DEFAULT":
                columns.texts.append((column, text["field"], text["code"]))
                consumed.add(column)
        columns.prices = [(cur, col, list_prices.get(cur)) for cur, col, _ in columns.prices]
        if columns.options is not None:  # a variant's options are its own
            columns.block.pop(columns.options, None)
        columns.block.pop("", None)
        columns.plain = [c for c in header if c not in consumed]
        return columns


def read_header(path: Path, encoding: str) -> list[str]:
    """The header row, as `csv_records` reads it."""
    with open_text(path, encoding) as stream:
        try:
            header = next(csv.reader(stream, delimiter=DELIMITER), None)
        except csv.Error as exc:
            raise CatalogFileError(f"{path.name}: the header row is not CSV: {exc}") from None
    if header is None:
        raise CatalogFileError(f"{path.name} is empty: no header row")
    return header
