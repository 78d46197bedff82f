"""Parsing of single catalog values, shared by every catalog reader.

Each parser either returns a typed value or raises `ValueProblem` with a rule
code and a sentence; the reader turns that into a `Finding` that names the
product and the field, and keeps going.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal, TypeVar

from schemas.characters import describe_invisible, remove_invisible
from schemas.findings import Finding, count, shorten
from schemas.product import ANY_LOCALE, AVAILABILITY_VALUES, TAX_CLASSES, UNIT_CODES, Quantity

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from schemas.findings import Severity
    from schemas.product import Product

T = TypeVar("T")

_SIMPLE_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")
"""One mark after one to three digits (not a lone 0) and before exactly three: 1,250."""
_GROUPED_DOT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?$|^[+-]?\.\d+$")
_GROUPED_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d*)?$|^[+-]?,\d+$")
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
    # as merchants and shop systems spell them (WooCommerce "lbs", Magento "kgs")
    "LBS": "lb",
    "POUNDS": "lb",
    "KGS": "kg",
    "KILOGRAMS": "kg",
    "KILO": "kg",
    "KILOS": "kg",
    "GRAMS": "g",
    "GR": "g",
    "GRAMM": "g",
    "OUNCES": "oz",
    "INCHES": "in",
    "FEET": "ft",
    "MILLIMETERS": "mm",
    "MILLIMETRE": "mm",
    "MILLIMETRES": "mm",
    "CENTIMETERS": "cm",
    "CENTIMETRE": "cm",
    "CENTIMETRES": "cm",
    "METERS": "m",
    "METRE": "m",
    "METRES": "m",
    "MILLILITERS": "ml",
    "MILLILITRE": "ml",
    "MILLILITRES": "ml",
    "LITERS": "l",
    "LITRE": "l",
    "LITRES": "l",
    "FL OZ": "floz",
    "FL_OZ": "floz",
    "FL. OZ": "floz",
}
"""Akeneo metric unit codes, the spellings shop systems and merchants use, and the unit
symbols the canonical model uses (upper case here; `parse_unit` matches any case)."""


class ValueProblem(ValueError):
    """A catalog value that cannot be used, with the rule it breaks."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


DecimalMark = Literal[".", ","]


def parse_decimal(text: str, decimal_mark: DecimalMark | None = None) -> Decimal:
    """Parse a catalog number.

    Without ``decimal_mark`` (the default), a dot or a comma is the decimal mark and
    grouping is refused; a number whose one mark is followed by exactly three digits
    (``1,250``, ``1.250``) could be either, so it is refused as ambiguous rather than
    read 1000 times too small or too large. With ``decimal_mark`` (``[catalog]
    decimal_mark``), that mark is the decimal mark and the other one may group
    thousands (``1.250,50`` with ``","``).

    >>> parse_decimal("1,5"), parse_decimal("999"), parse_decimal("12.50"), parse_decimal("0,250")
    (Decimal('1.5'), Decimal('999'), Decimal('12.50'), Decimal('0.250'))
    >>> parse_decimal("1,250")
    Traceback (most recent call last):
    ...
    transforms.catalog.values.ValueProblem: '1,250' could be 1.250 or 1250: the comma may ...
    >>> parse_decimal("1,250", "."), parse_decimal("1.250,5", ","), parse_decimal("1,250", ",")
    (Decimal('1250'), Decimal('1250.5'), Decimal('1.250'))
    """
    cleaned = text.strip()
    if decimal_mark is None:
        if not _SIMPLE_NUMBER.match(cleaned):
            raise ValueProblem("not_a_number", f"{text!r} is not a plain number")
        if _AMBIGUOUS.match(cleaned):
            mark = "comma" if "," in cleaned else "dot"
            raise ValueProblem(
                "ambiguous_number",
                f"{text!r} could be {cleaned.replace(',', '.')} or "
                f"{cleaned.replace(',', '').replace('.', '')}: the {mark} may separate "
                "thousands; [catalog] decimal_mark says which",
            )
        number = cleaned.replace(",", ".")
    else:
        grouping = "," if decimal_mark == "." else "."
        pattern = _GROUPED_DOT if decimal_mark == "." else _GROUPED_COMMA
        if not pattern.match(cleaned):
            raise ValueProblem(
                "not_a_number",
                f"{text!r} is not a number with {decimal_mark!r} as decimal mark "
                f"(and {grouping!r} grouping thousands)",
            )
        number = cleaned.replace(grouping, "").replace(decimal_mark, ".")
    try:
        return Decimal(number)
    except InvalidOperation:  # pragma: no cover - the patterns admit only valid numbers
        raise ValueProblem("not_a_number", f"{text!r} is not a plain number") from None


def parse_amount(text: str, decimal_mark: DecimalMark | None = None) -> Decimal:
    """Parse a price amount; it must not be negative.

    >>> parse_amount("19.99")
    Decimal('19.99')
    """
    amount = parse_decimal(text, decimal_mark)
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


def parse_quantity(value: str, unit: str, decimal_mark: DecimalMark | None = None) -> Quantity:
    """Build a quantity from a number and a unit code.

    >>> parse_quantity("1,5", "LITER")
    Quantity(value=Decimal('1.5'), unit='l')
    """
    number = parse_decimal(value, decimal_mark)
    if number < 0:
        raise ValueProblem("negative_quantity", f"{value!r} is negative")
    return Quantity(number, parse_unit(unit))


def parse_quantity_text(text: str, decimal_mark: DecimalMark | None = None) -> Quantity:
    """Parse ``"1.5 kg"`` (the project's CSV format).

    >>> parse_quantity_text("250 g")
    Quantity(value=Decimal('250'), unit='g')
    """
    match = _QUANTITY.match(text)
    if not match:
        raise ValueProblem("not_a_quantity", f"{text!r} is not a number followed by a unit")
    return parse_quantity(match["value"], match["unit"], decimal_mark)


def parse_bare_quantity(
    text: str, unit: str | None, decimal_mark: DecimalMark | None = None
) -> Quantity:
    """Parse a quantity a shop system writes as a bare number whose unit is a setting or
    a header (WooCommerce ``Weight (lbs)``, Magento's store weight unit); a number that
    carries its own unit (``1.5 kg``) keeps it.

    >>> parse_bare_quantity(".5", "lbs"), parse_bare_quantity("1", "kgs")
    (Quantity(value=Decimal('0.5'), unit='lb'), Quantity(value=Decimal('1'), unit='kg'))
    >>> parse_bare_quantity("250 g", "lbs")
    Quantity(value=Decimal('250'), unit='g')
    """
    if _QUANTITY.match(text):
        return parse_quantity_text(text, decimal_mark)
    if unit is None:
        raise ValueProblem(
            "unit_unknown_for_number",
            f"{text!r} has no unit and none is configured ([catalog] weight_unit or "
            "dimension_unit)",
        )
    return parse_quantity(text, unit, decimal_mark)


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


def parse_shop_tax_class(text: str, names: Mapping[str, str]) -> str:
    """A shop system's tax class name as a VAT class: through ``[catalog] tax_classes``
    (``names``, matched whatever the case), else the VAT class of the same name; empty is
    ``standard`` (WooCommerce writes nothing for its standard rate).

    >>> parse_shop_tax_class("Reduced rate", {"reduced-rate": "food"})
    'food'
    >>> parse_shop_tax_class("", {}), parse_shop_tax_class("books", {})
    ('standard', 'books')
    """
    value = text.strip()
    if not value:
        return "standard"
    folded = {key.strip().lower().replace(" ", "-"): cls for key, cls in names.items()}
    mapped = folded.get(value.lower().replace(" ", "-"))
    if mapped is not None:
        return parse_tax_class(mapped)
    if value.lower() in TAX_CLASSES:
        return value.lower()
    raise ValueProblem(
        "unknown_tax_class",
        f"tax class {text!r} is not mapped: add it to [catalog] tax_classes "
        f"(one of {sorted(TAX_CLASSES)}), or the product is taxed as standard",
    )


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


HOLDING_RULES = frozenset({"ambiguous_number"})
"""Value problems that keep the product out of every market (quarantined) instead of
only dropping the value: a price read 1000 times off is worse than no listing."""


class RowContext:
    """Collects the findings of one source row while its values are parsed.

    `take` runs a parser on one field; on `ValueProblem` it records a warning
    (the value is ignored, the product goes on) and returns None, or, for a rule in
    `HOLDING_RULES`, an ``error`` finding: the product is still read but held back
    from every market (`stage_catalog` quarantines it). Problems that make the whole
    row unusable are recorded with `reject`.
    """

    __slots__ = ("decimal_mark", "findings", "rejected", "row", "sku")

    def __init__(self, row: int, sku: str | None, decimal_mark: DecimalMark | None = None) -> None:
        self.row = row
        self.sku = sku
        self.decimal_mark = decimal_mark
        self.findings: list[Finding] = []
        self.rejected = False

    def take(self, field: str, parse: Callable[..., T], *args: str | None) -> T | None:
        try:
            return parse(*args)
        except ValueProblem as problem:
            held = problem.rule in HOLDING_RULES
            self._record(
                "error" if held else "warning",
                field,
                problem.rule,
                f"{problem.message}; the product is set aside in every market"
                if held
                else f"{problem.message}; the value was ignored",
                " ".join(a for a in args if a),
            )
            return None

    def number(self, field: str, parse: Callable[..., T], *args: str | None) -> T | None:
        """`take` for a parser of numbers, with the catalog's decimal mark."""
        return self.take(field, lambda *a: parse(*a, self.decimal_mark), *args)

    def warn(self, field: str, rule: str, message: str, value: str | None = None) -> None:
        """Record a warning about a value that was changed or dropped."""
        self._record("warning", field, rule, message, value)

    def reject(self, field: str, rule: str, message: str, value: str | None = None) -> None:
        self.rejected = True
        self._record("error", field, rule, f"{message}; the row was skipped", value)

    def _record(
        self, severity: Severity, field: str, rule: str, message: str, value: str | None
    ) -> None:
        self.findings.append(
            Finding(
                stage="ingest",
                severity=severity,
                sku=self.sku,
                field=field,
                rule=rule,
                message=message,
                value=None if value is None else shorten(value),
                row=self.row,
            )
        )


def clean_text(context: RowContext, field: str, text: str) -> str:
    """``text`` without invisible characters; their removal is reported as a warning."""
    cleaned, removed = remove_invisible(text)
    if removed:
        context.warn(
            field,
            "invisible_characters_removed",
            f"{field} held {count(removed, 'invisible or control character')} "
            f"({describe_invisible(text)}); they were removed",
            text,
        )
    return cleaned


def _localized(name: str, locale: str) -> str:
    return name if locale == ANY_LOCALE else f"{name} ({locale})"


def clean_texts(product: Product, context: RowContext) -> bool:
    """Remove control, bidirectional-control and noncharacter code points from every text
    of ``product``, with a warning naming each field (`schemas.characters`).

    Returns False when the sku itself holds one: an identifier with hidden characters
    cannot be matched at the marketplace, so the row is rejected.
    """
    if remove_invisible(product.sku)[1]:
        context.reject(
            "sku",
            "invalid_sku",
            f"the sku holds invisible or control characters ({describe_invisible(product.sku)})",
            product.sku,
        )
        return False
    for name in ("gtin", "brand", "mpn", "size"):
        value = getattr(product, name)
        if value:
            setattr(product, name, clean_text(context, name, value))
    for name in ("title", "description"):
        texts: dict[str, str] = getattr(product, name)
        for locale, text in texts.items():
            texts[locale] = clean_text(context, _localized(name, locale), text)
    for locale, points in product.bullet_points.items():
        field = _localized("bullet_points", locale)
        product.bullet_points[locale] = [clean_text(context, field, p) for p in points]
    product.categories = [clean_text(context, "categories", c) for c in product.categories]
    product.image_links = [clean_text(context, "image_links", link) for link in product.image_links]
    for key, value in product.attributes.items():
        product.attributes[key] = clean_text(context, key, value)
    return True


CONDITIONS = ("new", "used", "refurbished")


def take_condition(product: Product, context: RowContext) -> None:
    """Read the catalog's ``condition`` attribute (new unless it says otherwise); a value
    outside Google's three is a warning and the product stays ``new``."""
    value = product.attributes.pop("condition", "").strip().lower()
    if not value:
        return
    if value in CONDITIONS:
        product.condition = value  # type: ignore[assignment]
    else:
        context.warn(
            "condition",
            "invalid_condition",
            f"condition must be one of {', '.join(CONDITIONS)}; the product is listed as new",
            value,
        )


SALE_PRICE = "sale_price"
"""The price attribute of a catalog's sale price: one per currency like the price (native
CSV ``sale_price_EUR``, Akeneo ``sale_price-EUR``)."""
SALE_START = "sale_price_start"
"""The sale's first moment: an ISO 8601 date (``2026-11-27``) or date and time
(``2026-11-27T08:00:00``, with an offset or in ``[catalog] time_zone``); empty: already on."""
SALE_END = "sale_price_end"
"""The sale's last moment, written like the start; a date alone lasts to the day's end;
empty: until further notice."""


def parse_sale_moment(text: str) -> str:
    """A sale's start or end as ISO 8601: a date stays a date, a date and time keeps its
    offset when it has one (``Z`` for UTC); a space may stand for the ``T``.

    >>> parse_sale_moment("2026-11-27"), parse_sale_moment("2026-11-27 08:00")
    ('2026-11-27', '2026-11-27T08:00:00')
    >>> parse_sale_moment("2026-11-27T08:00:00Z")
    '2026-11-27T08:00:00+00:00'
    """
    from datetime import date, datetime

    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            return date.fromisoformat(cleaned).isoformat()
        return datetime.fromisoformat(cleaned).isoformat()
    except ValueError:
        raise ValueProblem(
            "not_a_date", f"{text!r} is not a date like 2026-11-27 or 2026-11-27T08:00:00+01:00"
        ) from None


def take_sale_prices(
    product: Product,
    context: RowContext,
    amounts: Mapping[str, tuple[str, str]],
    start: str,
    end: str,
) -> None:
    """Read a catalog's sale prices into ``product.sale_prices``, one per currency, with
    the period they share. ``amounts`` is currency -> (column, text); ``start`` and
    ``end`` the `SALE_START` and `SALE_END` texts (empty: open).

    A sale whose period cannot be read, that ends before it starts, or whose amount is not
    below the price in its currency is dropped with a warning: a sale of unknown period, or
    a "reduction" that is none, is not one to announce.
    """
    from schemas.product import SalePrice

    if not amounts:
        return
    moments: list[str | None] = []
    for name, text in ((SALE_START, start), (SALE_END, end)):
        if not text.strip():
            moments.append(None)
            continue
        moment = context.take(name, parse_sale_moment, text)
        if moment is None:
            return  # the warning says the value was ignored; the sale goes with it
        moments.append(moment)
    first, last = moments
    if first is not None and last is not None and last[:10] < first[:10]:
        context.warn(
            SALE_END,
            "sale_period_invalid",
            f"the sale ends ({last}) before it starts ({first}); the sale price was ignored",
            last,
        )
        return
    for currency, (column, text) in amounts.items():
        amount = context.number(column, parse_amount, text)
        if amount is None:
            continue
        regular = product.prices.get(currency)
        if regular is not None and amount >= regular.amount:
            context.warn(
                column,
                "sale_price_not_lower",
                f"sale price {text} is not below the regular price {regular.amount}: "
                "the sale price was ignored",
                text,
            )
            continue
        product.sale_prices[currency] = SalePrice(amount, currency, first, last)
