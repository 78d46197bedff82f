"""The values inside BMEcat's elements: numbers as XML Schema decimals, quantities in
UN/ECE Recommendation 20 units, ``DATETIME`` elements, and values kept as attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.product import Product, Quantity
from transforms.catalog.bmecat.frame import (
    LOCAL_NAMES,
    element_text,
)
from transforms.catalog.values import (
    ValueProblem,
    parse_decimal,
    parse_unit,
)

if TYPE_CHECKING:
    from transforms.catalog.values import DecimalMark

REC20_UNITS: dict[str, str] = {
    "KGM": "kg",
    "GRM": "g",
    "MGM": "mg",
    "LBR": "lb",
    "ONZ": "oz",
    "MTR": "m",
    "CMT": "cm",
    "MMT": "mm",
    "INH": "in",
    "FOT": "ft",
    "LTR": "l",
    "MLT": "ml",
    "CLT": "cl",
    "MTK": "m2",
}
"""UN/ECE Recommendation 20 unit codes (BMEcat's ``FUNIT``, ``CONTENT_UNIT``) -> the model's
unit symbols (https://unece.org/trade/uncefact/cl-recommendations)."""
MAX_ATTRIBUTE_CHARS = 1000
"""Longer values (a remark that is a whole text) are not kept as attributes."""
_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True, slots=True)
class Numbers:
    """BMEcat's numbers: XML Schema decimals (a dot is a decimal mark), or with the
    catalog's ``decimal_mark`` when set; a comma (BMEcat 1.01's ``17,23``) is read with
    the rules of `parse_decimal`."""

    mark: DecimalMark | None

    def number(self, text: str) -> Decimal:
        if self.mark is None and _PLAIN_DECIMAL.match(text):
            return Decimal(text)
        # BMEcat types numbers as XML Schema decimals: a dot is a decimal mark.
        mark = self.mark if self.mark is not None or "," in text else "."
        return parse_decimal(text, mark)

    def amount(self, text: str) -> Decimal:
        amount = self.number(text)
        if amount < 0:
            raise ValueProblem("negative_price", f"price {text!r} is negative")
        return amount

    def quantity(self, text: str, unit: str) -> Quantity:
        number = self.number(text)
        if number < 0:
            raise ValueProblem("negative_quantity", f"{text!r} is negative")
        return Quantity(number, parse_unit(REC20_UNITS.get(unit.strip().upper(), unit)))


def put_attribute(product: Product, name: str, value: str) -> None:
    """Keep a value as an attribute; a repeated element's values are joined."""
    if not value or len(value) > MAX_ATTRIBUTE_CHARS:
        return
    attributes = product.attributes
    existing = attributes.get(name)
    attributes[name] = f"{existing}, {value}" if existing else value


def element_datetime(element: Any) -> str | None:
    """A BMEcat ``DATETIME`` (``DATE``, ``TIME``, ``TIMEZONE``) as ISO 8601."""
    parts = {LOCAL_NAMES[child.tag]: element_text(child) for child in element}
    day = parts.get("DATE")
    if not day:
        return None
    time = parts.get("TIME")
    return f"{day}T{time}{parts.get('TIMEZONE', '')}" if time else day


def plain_number(number: Decimal) -> str:
    """``19``, ``7``, ``5.5``: a rate as a merchant writes it.

    >>> plain_number(Decimal("0.19") * 100), plain_number(Decimal("5.50"))
    ('19', '5.5')
    """
    return format(number.normalize(), "f")
