"""Parsing of single catalog values, shared by every catalog reader.

Each parser either returns a typed value or raises `ValueProblem` with a rule
code and a sentence; the reader turns that into a `Finding` that names the
product and the field, and keeps going.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

from schemas.findings import Finding, shorten
from schemas.product import AVAILABILITY_VALUES, TAX_CLASSES, UNIT_CODES, Quantity

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

_SIMPLE_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_QUANTITY = re.compile(r"^\s*(?P<value>[-+]?[\d.,]+)\s*(?P<unit>[A-Za-z][A-Za-z0-9]*)\s*$")

UNIT_ALIASES: dict[str, str] = {
    "MILLIGRAM": "mg",
    "GRAM": "g",
    "KILOGRAM": "kg",
    "OUNCE": "oz",
    "POUND": "lb",
    "MILLIMETER": "mm",
    "CENTIMETER": "cm",
    "METER": "m",
    "INCH": "in",
    "FOOT": "ft",
    "MILLILITER": "ml",
    "CENTILITER": "cl",
    "LITER": "l",
    "FLUID_OUNCE": "floz",
    "SQUARE_METER": "m2",
}
"""Akeneo metric unit codes and the unit symbols the canonical model uses."""


class ValueProblem(ValueError):
    """A catalog value that cannot be used, with the rule it breaks."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def parse_decimal(text: str) -> Decimal:
    """Parse a catalog number: a dot or a comma as decimal mark, no grouping.

    PIM exports write plain numbers (``1234.5`` or ``1234,5``); a string with
    grouping or two marks is refused rather than guessed.

    >>> parse_decimal("1,5"), parse_decimal("999"), parse_decimal("12.50")
    (Decimal('1.5'), Decimal('999'), Decimal('12.50'))
    """
    cleaned = text.strip()
    if not _SIMPLE_NUMBER.match(cleaned):
        raise ValueProblem("not_a_number", f"{text!r} is not a plain number")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueProblem("not_a_number", f"{text!r} is not a plain number") from None


def parse_amount(text: str) -> Decimal:
    """Parse a price amount; it must not be negative.

    >>> parse_amount("19.99")
    Decimal('19.99')
    """
    amount = parse_decimal(text)
    if amount < 0:
        raise ValueProblem("negative_price", f"price {text!r} is negative")
    return amount


def parse_unit(text: str) -> str:
    """Map a unit code (``KILOGRAM``, ``kg``) to the canonical symbol.

    >>> parse_unit("KILOGRAM"), parse_unit("cm")
    ('kg', 'cm')
    """
    cleaned = text.strip()
    unit = UNIT_ALIASES.get(cleaned.upper(), cleaned.lower())
    if unit not in UNIT_CODES:
        raise ValueProblem("unknown_unit", f"unit {text!r} is not one of {sorted(UNIT_CODES)}")
    return unit


def parse_quantity(value: str, unit: str) -> Quantity:
    """Build a quantity from a number and a unit code.

    >>> parse_quantity("1,5", "LITER")
    Quantity(value=Decimal('1.5'), unit='l')
    """
    number = parse_decimal(value)
    if number < 0:
        raise ValueProblem("negative_quantity", f"{value!r} is negative")
    return Quantity(number, parse_unit(unit))


def parse_quantity_text(text: str) -> Quantity:
    """Parse ``"1.5 kg"`` (the project's CSV format).

    >>> parse_quantity_text("250 g")
    Quantity(value=Decimal('250'), unit='g')
    """
    match = _QUANTITY.match(text)
    if not match:
        raise ValueProblem("not_a_quantity", f"{text!r} is not a number followed by a unit")
    return parse_quantity(match["value"], match["unit"])


def parse_currency(code: str) -> str:
    """Check an ISO 4217 code's shape and return it upper-cased."""
    upper = code.strip().upper()
    if not _CURRENCY.match(upper):
        raise ValueProblem("unknown_currency", f"{code!r} is not an ISO 4217 currency code")
    return upper


def parse_availability(text: str) -> str:
    value = text.strip().lower()
    if value not in AVAILABILITY_VALUES:
        raise ValueProblem(
            "unknown_availability", f"{text!r} is not one of {sorted(AVAILABILITY_VALUES)}"
        )
    return value


def parse_tax_class(text: str) -> str:
    value = text.strip().lower()
    if value not in TAX_CLASSES:
        raise ValueProblem("unknown_tax_class", f"{text!r} is not one of {sorted(TAX_CLASSES)}")
    return value


def parse_enabled(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", ""):
        return True
    if value in ("0", "false", "no"):
        return False
    raise ValueProblem("not_a_boolean", f"{text!r} is not 1/0, true/false or yes/no")


def absolute_link(path: str, base_url: str | None) -> str:
    """Return an absolute URL for an image path, using ``base_url`` for relative ones.

    >>> absolute_link("files/1/a.jpg", "https://cdn.example/")
    'https://cdn.example/files/1/a.jpg'
    """
    cleaned = path.strip()
    if cleaned.startswith(("https://", "http://")):
        return cleaned
    if base_url is None:
        raise ValueProblem(
            "relative_image_link",
            f"image path {cleaned!r} is relative and no asset_base_url is configured",
        )
    return base_url.rstrip("/") + "/" + cleaned.lstrip("/")


class RowContext:
    """Collects the findings of one source row while its values are parsed.

    `take` runs a parser on one field; on `ValueProblem` it records a warning
    (the value is ignored, the product goes on) and returns None. Problems that
    make the whole row unusable are recorded with `reject`.
    """

    __slots__ = ("findings", "rejected", "row", "sku")

    def __init__(self, row: int, sku: str | None) -> None:
        self.row = row
        self.sku = sku
        self.findings: list[Finding] = []
        self.rejected = False

    def take(self, field: str, parse: Callable[..., T], *args: str | None) -> T | None:
        try:
            return parse(*args)
        except ValueProblem as problem:
            self.findings.append(
                Finding(
                    stage="ingest",
                    severity="warning",
                    sku=self.sku,
                    field=field,
                    rule=problem.rule,
                    message=f"{problem.message}; the value was ignored",
                    value=shorten(" ".join(a for a in args if a)),
                    row=self.row,
                )
            )
            return None

    def reject(self, field: str, rule: str, message: str, value: str | None = None) -> None:
        self.rejected = True
        self.findings.append(
            Finding(
                stage="ingest",
                severity="error",
                sku=self.sku,
                field=field,
                rule=rule,
                message=f"{message}; the row was skipped",
                value=None if value is None else shorten(value),
                row=self.row,
            )
        )
