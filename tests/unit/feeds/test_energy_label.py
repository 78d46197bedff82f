"""The EU energy label before publishing (Regulation (EU) 2017/1369 Art. 5 and 6(a)): in an
EU market a product of a ``[compliance.energy_label]`` category without its energy class or
EPREL registration number is set aside in every channel, with a finding naming the sku,
what is missing and where to add it; GB, CH and US list it (GB's own labels are not checked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from feeds.contract import WriterContext
from schemas.config.compliance import Compliance, EnergyLabelScope
from tests.unit.feeds.test_channels import CATEGORIES, CONFIG, listing, market_for, write

if TYPE_CHECKING:
    from schemas.config.market import Market

EU_CHANNELS = ["google", "amazon", "ebay", "idealo", "kaufland", "allegro", "bol"]
LAMP = {
    "sku": "GZ-LAM-0046",
    "title": "Lichtform Schreibtischleuchte 22 weiß",
    "categories": ("home", "lighting"),
    "attributes": {"color": "weiß", "manufacturer_id": "nordquell", "energy_class": "F"},
}


def _with_config_compliance(market: Market, **energy: object) -> Market:
    """``market`` with the sample configuration's ``[compliance]`` (a market the config does
    not have gets none), or with ``energy`` as its energy-label scope."""
    copy = market.model_copy()
    copy._compliance = (
        Compliance(energy_label=EnergyLabelScope.model_validate(energy))
        if energy
        else CONFIG.compliance
    )
    return copy


def _context(channel: str, market: Market) -> WriterContext:
    return WriterContext(
        channel=CONFIG.channels.get(channel),
        categories=CATEGORIES.for_channel(channel, market.code),
    )


def test_the_sample_configuration_puts_lighting_in_scope() -> None:
    assert CONFIG.compliance.energy_label.categories == ["lighting"]
    assert CONFIG.compliance.energy_label.channels is None


@pytest.mark.parametrize("channel", EU_CHANNELS)
def test_an_eu_listing_without_eprel_number_is_set_aside(channel: str) -> None:
    market = _with_config_compliance(market_for(channel))
    assert market.country in {"DE", "PL", "NL"}
    data, [found] = write(channel, market, [listing(market, **LAMP)], _context(channel, market))
    errors = [f for f in found if f.rule.startswith(("energy_", "eprel_"))]
    assert [(f.rule, f.field, f.severity, f.channel) for f in errors] == [
        ("eprel_number_missing", "eprel_registration_number", "error", channel)
    ]
    assert errors[0].message.startswith("GZ-LAM-0046 is in category 'lighting'")
    assert "set the product's eprel_registration_number attribute" in errors[0].message
    assert b"GZ-LAM-0046" not in data


def test_without_class_and_number_both_are_named() -> None:
    market = _with_config_compliance(market_for("google"))
    lamp = listing(market, **{**LAMP, "attributes": {"manufacturer_id": "nordquell"}})
    _, [found] = write("google", market, [lamp], _context("google", market))
    assert [f.rule for f in found if f.severity == "error"] == [
        "energy_label_missing",
        "eprel_number_missing",
    ]


@pytest.mark.parametrize("code", ["GB", "CH", "US"])
def test_markets_outside_the_eu_list_it(code: str) -> None:
    market = CONFIG.market(code)
    data, [found] = write("google", market, [listing(market, **LAMP)], _context("google", market))
    assert not [f for f in found if f.rule.startswith(("energy_", "eprel_"))]
    assert b"GZ-LAM-0046" in data


def test_a_labelled_lamp_and_a_product_out_of_scope_are_listed() -> None:
    market = _with_config_compliance(market_for("google"))
    lamp = listing(
        market,
        **{**LAMP, "attributes": {**LAMP["attributes"], "eprel_registration_number": "1500046"}},  # type: ignore[dict-item]
    )
    bottle = listing(market)
    data, found = write("google", market, [lamp, bottle], _context("google", market))
    assert not [f for item in found for f in item if f.severity == "error"]
    assert b"GZ-LAM-0046" in data and b"GZ-BOT-0001" in data
    assert b"<g:certification_code>1500046</g:certification_code>" in data


def test_the_channels_setting_narrows_the_gate() -> None:
    market = _with_config_compliance(
        market_for("idealo"), categories=["lighting"], channels=["ebay"]
    )
    data, [found] = write("idealo", market, [listing(market, **LAMP)], _context("idealo", market))
    assert not [f for f in found if f.rule.startswith(("energy_", "eprel_"))]
    assert b"GZ-LAM-0046" in data


def test_a_shop_category_path_is_in_scope_through_its_ancestor() -> None:
    """A WooCommerce or Shopify export writes the path; the scope may name a parent."""
    market = _with_config_compliance(market_for("google"), categories=["Home > Lighting"])
    lamp = listing(market, **{**LAMP, "categories": ("Home > Lighting > Desk lamps",)})
    data, [found] = write("google", market, [lamp], _context("google", market))
    [error] = [f for f in found if f.severity == "error"]
    assert (error.rule, error.value) == ("eprel_number_missing", "Home > Lighting")
    assert b"GZ-LAM-0046" not in data
