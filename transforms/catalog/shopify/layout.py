"""Where each field sits in a Shopify export's header: the classic (``Variant SKU``) and
today's (``SKU``) column names, the options, the price columns of Shopify Markets with
their countries' currencies, and the columns kept as attributes (product- or
variant-level)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.product import ANY_LOCALE
from transforms.catalog.files import CatalogFileError, open_text

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from schemas.config.catalog import CatalogSource

DELIMITER = ","

COLUMNS: dict[str, tuple[str, ...]] = {
    "handle": ("handle", "url handle"),
    "title": ("title",),
    "description": ("body (html)", "description"),
    "vendor": ("vendor",),
    "category": ("product category",),
    "published": ("published", "published on online store"),
    "status": ("status",),
    "sku": ("variant sku", "sku"),
    "grams": ("variant grams", "weight value (grams)"),
    "tracker": ("variant inventory tracker", "inventory tracker"),
    "quantity": ("variant inventory qty", "inventory quantity"),
    "policy": ("variant inventory policy", "continue selling when out of stock"),
    "price": ("variant price", "price"),
    "compare_at": ("variant compare at price", "compare-at price"),
    "taxable": ("variant taxable", "charge tax"),
    "tax_code": ("variant tax code", "tax code"),
    "barcode": ("variant barcode", "barcode"),
    "image": ("image src", "product image url"),
    "image_position": ("image position",),
    "image_alt": ("image alt text",),
    "variant_image": ("variant image", "variant image url"),
    "mpn": ("google shopping / mpn", "google shopping / manufacturer part number (mpn)"),
    "condition": ("google shopping / condition",),
}
"""Each field's column in the classic and in today's header, folded (lower case)."""

_VARIANT_FIELDS = ("sku", "grams", "quantity", "price", "compare_at", "barcode")
"""Fields whose value makes a row a variant's row (with the option values)."""
_VARIANT_COLUMN_STARTS = ("variant ", "unit price ")
_VARIANT_COLUMNS = frozenset(
    {"cost per item", "requires shipping", "fulfillment service", "weight unit for display"}
)
"""Variant-level columns kept as attributes; a variant never inherits them from the
product's first row (the first variant's cost is not the second's)."""
_MARKET = re.compile(
    r"^(?P<kind>price|compare at price|compare-at price|included) / (?P<market>.+)$",
    re.IGNORECASE,
)
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
"""Babel territories that are no country (the EU, the eurozone, the UN ...)."""


@dataclass(frozen=True, slots=True)
class Market:
    """One Shopify market's price columns."""

    name: str
    currency: str | None
    price: str | None = None
    compare_at: str | None = None


@dataclass(slots=True)
class Layout:
    """Where each field sits in this file's header."""

    columns: dict[str, str]
    options: list[tuple[str, str]]
    markets: list[Market]
    attributes: list[tuple[str, str, bool]]
    """(column, attribute name, variant-level) of every column kept as an attribute."""
    variant_columns: list[str]
    """Columns whose value makes a row a variant's row."""


ABSENT = "\x00absent"
"""Key of a column the file does not have: no header cell is ever named so."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Each field's column in this file's header (`ABSENT` where it has none)."""

    handle: str
    title: str
    description: str
    vendor: str
    category: str
    published: str
    status: str
    sku: str
    grams: str
    tracker: str
    quantity: str
    policy: str
    price: str
    compare_at: str
    taxable: str
    tax_code: str
    barcode: str
    image: str
    image_position: str
    image_alt: str
    variant_image: str
    mpn: str
    condition: str


def folded_names(header: Iterable[str]) -> list[str]:
    return [name.strip().lower() for name in header]


def read_header(path: Path, encoding: str) -> list[str]:
    """The file's header row, or [] when there is none (`csv_records` then says why)."""
    with open_text(path, encoding) as stream:
        try:
            return next(csv.reader(stream, delimiter=DELIMITER))
        except (StopIteration, csv.Error):
            return []


def layout_of(path: Path, header: list[str], languages: tuple[str, ...]) -> Layout:
    folded = dict(zip(folded_names(header), header, strict=False))
    if header and "title" not in folded:
        raise CatalogFileError(
            f"{path.name}: no Title column; is this a Shopify product export? columns: "
            + ", ".join(repr(c) for c in header[:12])
        )
    columns = {
        name: folded[spelling]
        for name, spellings in COLUMNS.items()
        for spelling in spellings
        if spelling in folded
    }
    options = [
        (folded[f"option{n} name"], folded[f"option{n} value"])
        for n in (1, 2, 3)
        if f"option{n} name" in folded and f"option{n} value" in folded
    ]
    used = set(columns.values()) | {c for pair in options for c in pair}
    used |= {folded[f"option{n} linked to"] for n in (1, 2, 3) if f"option{n} linked to" in folded}
    markets: dict[str, dict[str, str]] = {}
    for column in header:
        match = _MARKET.match(column.strip())
        if match and match["kind"].lower() != "included":
            kind = "price" if match["kind"].lower() == "price" else "compare_at"
            markets.setdefault(match["market"].strip(), {})[kind] = column
            used.add(column)
    currencies = _country_currencies(languages)
    attributes = [
        (column, column.strip(), _variant_level(column.strip().lower()))
        for column in header
        if column not in used and column.strip()
    ]
    variant_columns = [columns[name] for name in _VARIANT_FIELDS if name in columns]
    return Layout(
        columns=columns,
        options=options,
        markets=[
            Market(name, currencies.get(name.casefold()), cols.get("price"), cols.get("compare_at"))
            for name, cols in markets.items()
        ],
        attributes=attributes,
        variant_columns=variant_columns + [value for _, value in options],
    )


def _variant_level(name: str) -> bool:
    return (
        name.startswith(_VARIANT_COLUMN_STARTS)
        or name in _VARIANT_COLUMNS
        or "(variant.metafields." in name
    )


def market_languages(source: CatalogSource) -> tuple[str, ...]:
    """Languages a market may be named in: English, the catalog's locale and locales."""
    found = ["en"]
    for locale in (source.locale, *source.locales.values()):
        if locale and locale != ANY_LOCALE and locale not in found:
            found.append(locale)
    return tuple(found)


def _country_currencies(languages: tuple[str, ...]) -> dict[str, str]:
    """Country names (folded) in ``languages`` -> the country's currency, from Babel's
    CLDR data; regions, unions and countries without a currency are left out."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_territory_currencies

    names: dict[str, str] = {}
    for language in languages:
        try:
            territories = Locale.parse(language).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names.setdefault(name.casefold(), code)
    currencies: dict[str, str] = {}
    for name, code in names.items():
        current = get_territory_currencies(code)
        if current:
            currencies[name] = current[0]
    return currencies
