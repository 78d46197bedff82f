"""The values in a WooCommerce export's cells, as its exporter writes them: lists joined
with ``", "``, sale dates, stock, ``In stock?``, ``Published``, and the formula guard
before ``=+-@`` (the columns: `transforms.catalog.woocommerce`)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from transforms.catalog.values import (
    ValueProblem,
    parse_decimal,
)

if TYPE_CHECKING:
    from transforms.catalog.values import DecimalMark

FORMULA_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")
AVAILABILITY = {
    "1": "in_stock",
    "instock": "in_stock",
    "0": "out_of_stock",
    "outofstock": "out_of_stock",
    "backorder": "backorder",
    "onbackorder": "backorder",
}
PUBLISHED = {"1": True, "": True, "0": False, "-1": False}

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
CACHED = 8192
"""Distinct prices, quantities and dates whose reading is remembered: catalogs repeat them,
and the values are immutable."""


def brand_of(text: str) -> str | None:
    """The brand of a ``Brands`` cell (WooCommerce 9.6+ core brands): the first brand of
    the list, the last step of its path (``Parent > Child``), as a product has one brand.

    >>> brand_of("Outdoor > Nordquell, Acme"), brand_of(" ")
    ('Nordquell', None)
    """
    brands = split_values(text)
    return brands[0].rsplit(">", 1)[-1].strip() or None if brands else None


def split_values(text: str) -> list[str]:
    """A list as WooCommerce writes it: values joined with ``", "``, a comma inside a
    value escaped as ``\\,`` (the exporter's ``implode_values``).

    >>> split_values("Clothing > Tshirts, Music\\\\, Film, ")
    ['Clothing > Tshirts', 'Music, Film']
    """
    if "\\," not in text:
        return [value for part in text.split(",") if (value := part.strip())]
    return [
        value.strip().replace("\x00", ",")
        for value in text.replace("\\,", "\x00").split(",")
        if value.strip()
    ]


@lru_cache(maxsize=CACHED)
def parse_sale_date(text: str) -> str:
    """A ``Date sale price starts`` / ``ends`` value as ISO 8601: a date stays a date,
    a date and time (``2024-01-01 0:00:00``) becomes ``2024-01-01T00:00:00`` in the
    shop's time zone, as WooCommerce keeps it.

    >>> parse_sale_date("2024-01-01 0:00:00"), parse_sale_date("2024-03-31")
    ('2024-01-01T00:00:00', '2024-03-31')
    """
    cleaned = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            moment = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 - the shop's local time
        except ValueError:
            continue
        return moment.date().isoformat() if pattern == "%Y-%m-%d" else moment.isoformat()
    raise ValueProblem(
        "not_a_date", f"{text!r} is not a date like 2024-01-31 or 2024-01-31 23:59:59"
    )


def parse_stock(text: str, decimal_mark: DecimalMark | None = None) -> str:
    """A ``Stock`` quantity as a whole number's text (WooCommerce allows negative stock
    for backorders).

    >>> parse_stock("12"), parse_stock("-3")
    ('12', '-3')
    """
    number = parse_decimal(text, decimal_mark)
    if number != number.to_integral_value():
        raise ValueProblem("not_a_number", f"stock {text!r} is not a whole number")
    return str(int(number))


def parse_availability(text: str) -> str:
    """``In stock?`` as an availability: 1, 0, ``backorder`` (and the stock status slugs).

    >>> parse_availability("1"), parse_availability("backorder")
    ('in_stock', 'backorder')
    """
    availability = AVAILABILITY.get(text.strip().lower())
    if availability is None:
        raise ValueProblem("unknown_availability", f"{text!r} is not 1, 0 or backorder")
    return availability


def parse_published(text: str) -> bool:
    """``Published``: 1 published, 0 private, -1 draft; only published is enabled."""
    published = PUBLISHED.get(text.strip())
    if published is None:
        raise ValueProblem("not_a_boolean", f"{text!r} is not 1, 0 or -1")
    return published


def cell_text(text: str) -> str:
    """A cell, stripped, without the formula guard the exporter puts before ``=+-@``."""
    text = text.strip()
    return text[1:] if text.startswith(FORMULA_GUARD) else text
