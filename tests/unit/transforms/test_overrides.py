"""Overrides files as the data team saves them, and what they do to one listing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import Money, Quantity
from tests.conftest import ROOT
from transforms.overrides import apply_overrides, market_price, read_overrides, unknown_skus

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})


def listing(market: str = "PL") -> Listing:
    return Listing(
        sku="A-1",
        market=market,
        locale="pl_PL",
        text_locale="pl_PL",
        title="Butelka",
        description="<p>Stal</p>",
        link="https://x.example/A-1",
        price=Money(Decimal("99.99"), "PLN"),
        availability="in_stock",
        net_content=Quantity(Decimal("500"), "ml"),
        unit_price_text="199,98 zł/l",
    )


def test_a_comma_separated_file_applies_each_filled_cell_with_a_finding() -> None:
    table = read_overrides(
        'sku,title,price,custom_label_3\nA-1,Butelka Lato,"49,5",\nB-2,,,x\n',
        "pl.csv",
        "PL",
        "google",
    )
    applied = apply_overrides(
        listing(), table.by_sku["A-1"], CONFIG.market("PL"), "google", "pl.csv"
    )
    assert applied.listing is not None
    # PL rounds to .99 endings: 49,5 -> 49.50 -> 49.99
    assert applied.listing.price == Money(Decimal("49.99"), "PLN")
    assert applied.listing.title == "Butelka Lato"
    assert applied.listing.unit_price_text == "99,98\xa0zł/l"  # follows the new price
    assert [(f.rule, f.field, f.severity) for f in applied.findings] == [
        ("override_applied", "title", "info"),
        ("override_applied", "price", "info"),
    ]
    assert "'99.99 PLN' -> '49.99 PLN'" in applied.findings[1].message
    assert applied.price_row is not None and applied.price_row[2] == "49.99"
    assert table.problems == []


def test_values_a_field_cannot_take_change_nothing() -> None:
    table = read_overrides(
        f"sku;price;availability;exclude;promotion_id\nA-1;gratis;soon;maybe;{'P' * 51}\n",
        "pl.csv",
        "PL",
        "google",
    )
    original = listing()
    applied = apply_overrides(original, table.by_sku["A-1"], CONFIG.market("PL"), "google", "f")
    assert applied.listing == original
    assert [(f.rule, f.field) for f in applied.findings] == [
        ("override_invalid_value", "price"),
        ("override_invalid_value", "availability"),
        ("override_invalid_value", "exclude"),
        ("override_invalid_value", "promotion_id"),
    ]


def test_exclude_sets_the_listing_aside_with_an_error() -> None:
    table = read_overrides("sku,exclude\nA-1,yes\n", "f.csv", "PL", "google")
    applied = apply_overrides(listing(), table.by_sku["A-1"], CONFIG.market("PL"), "google", "f")
    assert applied.listing is None
    assert [(f.rule, f.severity) for f in applied.findings] == [
        ("override_applied", "info"),
        ("excluded_by_override", "error"),
    ]


def test_a_file_without_sku_column_and_unknown_skus_are_findings() -> None:
    no_sku = read_overrides("id;title\nA-1;x\n", "f.csv", "PL", "google")
    assert [f.rule for f in no_sku.problems] == ["override_file_unreadable"]
    table = read_overrides("sku;title\nA-1;x\nZ-9;y\n", "f.csv", "PL", "google")
    found = unknown_skus(table, ["A-1"], "PL", "google")
    assert [(f.sku, f.rule) for f in found] == [("Z-9", "override_unknown_sku")]
    assert "f.csv row 3" in found[0].message


@pytest.mark.parametrize(
    ("market", "amount", "expected"),
    [("CH", "24.92", "24.90"), ("DE", "19.994", "19.99"), ("PL", "10", "10.99")],
)
def test_a_price_goes_through_the_markets_rounding(market: str, amount: str, expected: str) -> None:
    price, _ = market_price(Decimal(amount), CONFIG.market(market))
    assert price.amount == Decimal(expected)


def test_an_overrides_file_for_a_channel_the_market_lacks_is_a_config_error(
    tmp_path: Path,
) -> None:
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = tmp_path / "markets.toml"
    config.write_text(text + '\n[overrides.CH]\namazon = "ch.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[overrides.CH\] amazon: market CH does not"):
        load_config(config, env={})
