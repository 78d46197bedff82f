"""Units: conversion with pint (factors cached per unit pair), machine and human formats.

Catalog quantities arrive already parsed (`transforms.catalog.values` reads the
source locale's decimal comma before any unit library sees the text: pint reads
``"1,5 l"`` as 15 l). Conversions multiply `Decimal` values by a factor that
pint computes once per unit pair, with exact decimal unit definitions.

Markets use a unit system: ``metric`` (kg/g, cm, l/ml) or ``us`` (lb/oz, in, fl oz).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal

from schemas.product import Quantity

UnitSystem = Literal["metric", "us"]

_PINT_NAMES = {
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "oz": "ounce",
    "lb": "pound",
    "mm": "millimeter",
    "cm": "centimeter",
    "m": "meter",
    "in": "inch",
    "ft": "foot",
    "ml": "milliliter",
    "cl": "centiliter",
    "l": "liter",
    "floz": "fluid_ounce",
    "m2": "meter ** 2",
}
KIND = {
    **dict.fromkeys(("mg", "g", "kg", "oz", "lb"), "mass"),
    **dict.fromkeys(("mm", "cm", "m", "in", "ft"), "length"),
    **dict.fromkeys(("ml", "cl", "l", "floz"), "volume"),
    "m2": "area",
}
"""What each unit measures."""

_CLDR_UNITS = {
    "mg": "mass-milligram",
    "g": "mass-gram",
    "kg": "mass-kilogram",
    "oz": "mass-ounce",
    "lb": "mass-pound",
    "mm": "length-millimeter",
    "cm": "length-centimeter",
    "m": "length-meter",
    "in": "length-inch",
    "ft": "length-foot",
    "ml": "volume-milliliter",
    "cl": "volume-centiliter",
    "l": "volume-liter",
    "floz": "volume-fluid-ounce",
    "m2": "area-square-meter",
}
"""CLDR unit ids, for Babel's ``format_unit``."""

AMAZON_UNITS = {
    "g": "grams",
    "kg": "kilograms",
    "oz": "ounces",
    "lb": "pounds",
    "cm": "centimeters",
    "in": "inches",
}
EBAY_UNITS = {
    "g": "GRAM",
    "kg": "KILOGRAM",
    "oz": "OUNCE",
    "lb": "POUND",
    "cm": "CENTIMETER",
    "in": "INCH",
    "m": "METER",
    "ft": "FEET",
}
GOOGLE_UNITS = {"m2": "sqm"}
"""Where Google's unit spelling differs from the canonical one (support answer 6324490)."""


class UnitError(ValueError):
    """Two units that measure different things, or a unit the pipeline does not know."""


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    # Exact decimal definitions: 1 lb is 0.45359237 kg, not a float near it.
    return pint.UnitRegistry(non_int_type=Decimal)


@lru_cache(maxsize=256)
def factor(source: str, target: str) -> Decimal:
    """How many ``target`` units one ``source`` unit is (pint, once per pair).

    >>> factor("kg", "g"), factor("lb", "kg")
    (Decimal('1000'), Decimal('0.45359237'))
    """
    if KIND.get(source) != KIND.get(target) or source not in KIND:
        raise UnitError(f"cannot convert {source} to {target}")
    registry = _registry()
    magnitude = registry.Quantity(Decimal(1), _PINT_NAMES[source]).to(_PINT_NAMES[target]).magnitude
    exact = Decimal(magnitude)
    # Keep whole factors whole (pint says 1E+3), so converted values print plainly.
    return Decimal(int(exact)) if exact == exact.to_integral_value() else exact


def convert(quantity: Quantity, unit: str) -> Quantity:
    """The same quantity in ``unit``, exactly.

    >>> convert(Quantity(Decimal("1.5"), "kg"), "g")
    Quantity(value=Decimal('1500.0'), unit='g')
    """
    if quantity.unit == unit:
        return quantity
    return Quantity(quantity.value * factor(quantity.unit, unit), unit)


@lru_cache(maxsize=65536)  # weights and sizes repeat across products and markets
def for_market(quantity: Quantity, system: UnitSystem) -> Quantity:
    """The quantity in the unit buyers of a market expect.

    Metric: kg from 1 kg up, else g; cm; l from 1 l up, else ml. US: lb from
    1 lb up, else oz; in; fl oz.

    >>> [for_market(Quantity(Decimal(grams), "g"), "us").unit for grams in ("250", "500")]
    ['oz', 'lb']
    >>> for_market(Quantity(Decimal("2.5"), "lb"), "metric")
    Quantity(value=Decimal('1.133980925'), unit='kg')
    """
    kind = KIND.get(quantity.unit)
    if kind == "mass":
        large, small = ("kg", "g") if system == "metric" else ("lb", "oz")
        in_large = convert(quantity, large)
        return in_large if in_large.value >= 1 else convert(quantity, small)
    if kind == "length":
        return convert(quantity, "cm" if system == "metric" else "in")
    if kind == "volume":
        if system == "us":
            return convert(quantity, "floz")
        in_litres = convert(quantity, "l")
        return in_litres if in_litres.value >= 1 else convert(quantity, "ml")
    return quantity


def _plain(value: Decimal, places: int = 2) -> str:
    """At most ``places`` decimals, no trailing zeros, never exponent notation."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return f"{rounded:f}"


@lru_cache(maxsize=4096)  # a catalog has few distinct contents and weights
def google_measure(quantity: Quantity, places: int = 2) -> str:
    """Google's ``<number> <unit>`` text (``shipping_weight``, ``unit_pricing_measure``).

    >>> google_measure(Quantity(Decimal("1.2000"), "kg"))
    '1.2 kg'
    >>> google_measure(Quantity(Decimal("2"), "m2"))
    '2 sqm'
    """
    return f"{_plain(quantity.value, places)} {GOOGLE_UNITS.get(quantity.unit, quantity.unit)}"


def amazon_measure(quantity: Quantity) -> dict[str, object]:
    """Amazon's ``{value, unit}`` (grams, kilograms, ounces, pounds, centimeters, inches).

    >>> amazon_measure(Quantity(Decimal("430"), "g"))
    {'value': Decimal('430'), 'unit': 'grams'}
    """
    return _channel_measure(quantity, AMAZON_UNITS)


def ebay_measure(quantity: Quantity) -> dict[str, object]:
    """eBay's ``{value, unit}`` with its unit enums (GRAM, KILOGRAM, POUND, INCH, ...).

    >>> ebay_measure(Quantity(Decimal("14"), "in"))
    {'value': Decimal('14'), 'unit': 'INCH'}
    """
    return _channel_measure(quantity, EBAY_UNITS)


def _channel_measure(quantity: Quantity, names: dict[str, str]) -> dict[str, object]:
    """``{value, unit}`` in a channel's unit names; a unit it lacks becomes kg or cm first."""
    target = quantity
    if quantity.unit not in names:
        target = convert(quantity, "kg" if KIND.get(quantity.unit) == "mass" else "cm")
    return {"value": Decimal(_plain(target.value)), "unit": names[target.unit]}


def human(quantity: Quantity, locale: str, places: int = 2) -> str:
    """The quantity as a person of ``locale`` reads it (CLDR short unit).

    >>> human(Quantity(Decimal("1.5"), "kg"), "de_DE")
    '1,5 kg'
    >>> human(Quantity(Decimal("3.31"), "lb"), "en_US")
    '3.31 lb'
    """
    from babel.units import format_unit

    value = Decimal(_plain(quantity.value, places))
    return str(format_unit(value, _CLDR_UNITS[quantity.unit], length="short", locale=locale))
