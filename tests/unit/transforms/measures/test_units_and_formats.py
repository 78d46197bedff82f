"""Unit prices, conversions and local formats against golden files computed by hand."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.product import Money, Quantity
from tests.conftest import CASES
from transforms.measures.units import (
    amazon_measure,
    convert,
    ebay_measure,
    factor,
    for_market,
    human,
)
from transforms.pricing.money import format_price, unit_price

PRICES = CASES / "prices"
SPACES = {"{nbsp}": "\u00a0", "{nnbsp}": "\u202f"}


def _read(name: str) -> list[dict[str, str]]:
    with (PRICES / name).open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        for key, value in row.items():
            for placeholder, char in SPACES.items():
                value = value.replace(placeholder, char)
            row[key] = value
    return rows


UNIT_PRICES = _read("golden_unit_prices.csv")
FORMATS = _read("golden_formats.csv")


def _money(text: str) -> Money:
    currency, amount = text.split()
    return Money(Decimal(amount), currency)


def _quantity(text: str) -> Quantity:
    value, unit = text.split()
    return Quantity(Decimal(value), unit)


def test_golden_tables_together_hold_over_sixty_cases() -> None:
    with (PRICES / "golden_prices.csv").open(encoding="utf-8") as stream:
        prices = sum(1 for _ in stream) - 1
    assert prices + len(UNIT_PRICES) + len(FORMATS) >= 60


@pytest.mark.parametrize("case", UNIT_PRICES, ids=[c["case"] for c in UNIT_PRICES])
def test_golden_unit_price(case: dict[str, str]) -> None:
    result = unit_price(_money(case["price"]), _quantity(case["net_content"]))
    assert result is not None
    assert (result.measure, result.base_measure, result.text(case["locale"])) == (
        case["measure"],
        case["base_measure"],
        case["text"],
    )


@pytest.mark.parametrize("case", FORMATS, ids=[c["case"] for c in FORMATS])
def test_golden_format(case: dict[str, str]) -> None:
    value = Decimal(case["value"])
    if case["kind"] == "price":
        text = format_price(Money(value, case["unit_or_currency"]), case["locale"])
    else:
        text = human(Quantity(value, case["unit_or_currency"]), case["locale"])
    assert text == case["expected"]


def test_swiss_grouping_survives_a_million() -> None:
    # Babel 2.19 drops the apostrophes from one million up (CLDR 49); 2.18 is pinned for this.
    assert format_price(Money(Decimal("1234567.50"), "CHF"), "de_CH").count("’") == 2


def test_conversion_factors_are_exact_and_cached() -> None:
    factor.cache_clear()
    assert factor("lb", "kg") == Decimal("0.45359237")
    assert factor("oz", "g") == Decimal("28.349523125")
    assert factor("in", "cm") == Decimal("2.54")
    factor("lb", "kg")
    assert factor.cache_info().hits >= 1


def test_market_units_and_channel_formats() -> None:
    grams = Quantity(Decimal("430"), "g")
    assert for_market(grams, "us") == Quantity(Decimal("430") / Decimal("28.349523125"), "oz")
    assert for_market(Quantity(Decimal("14"), "in"), "metric") == Quantity(Decimal("35.56"), "cm")
    assert amazon_measure(Quantity(Decimal("1.5"), "kg")) == {
        "value": Decimal("1.5"),
        "unit": "kilograms",
    }
    assert amazon_measure(Quantity(Decimal("250"), "mm")) == {
        "value": Decimal("25"),
        "unit": "centimeters",
    }
    assert ebay_measure(Quantity(Decimal("3.31"), "lb")) == {
        "value": Decimal("3.31"),
        "unit": "POUND",
    }


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
    pair=st.sampled_from(
        [("g", "oz"), ("kg", "lb"), ("cm", "in"), ("ml", "floz"), ("l", "ml"), ("m", "ft")]
    ),
)
def test_conversions_round_trip(value: Decimal, pair: tuple[str, str]) -> None:
    # Tolerance: one part in 10^20 of the value (28-digit decimal context, two multiplications).
    source, target = pair
    back = convert(convert(Quantity(value, source), target), source)
    assert back.unit == source
    assert abs(back.value - value) <= value * Decimal("1e-20")
