"""EU product law before publishing: in an EU market, a channel that enforces the GPSR
(Amazon, eBay, Allegro, Kaufland, bol.com) sets a listing aside without its manufacturer or
EU responsible person, with a ``gpsr_*`` finding; Google and markets outside the EU list it."""

from __future__ import annotations

import pytest

from schemas.compliance import GPSR_CHANNELS
from tests.unit.feeds.test_channels import CONFIG, listing, market_for, write

UNMAPPED = {"brand": "Unbekannt", "attributes": {"color": "schwarz"}}


@pytest.mark.parametrize("channel", sorted(GPSR_CHANNELS))
def test_an_eu_listing_without_manufacturer_is_set_aside(channel: str) -> None:
    market = market_for(channel)
    assert market.country in {"DE", "PL", "NL"}
    data, [missing, known] = write(
        channel, market, [listing(market, sku="GZ-NOOP", **UNMAPPED), listing(market)]
    )
    [finding] = [f for f in missing if f.severity == "error"]
    assert (finding.rule, finding.field, finding.channel) == (
        "gpsr_manufacturer_missing",
        "manufacturer_id",
        channel,
    )
    assert "GZ-NOOP names no manufacturer" in finding.message
    assert '[operators.brands] (Unbekannt = "<id>")' in finding.message
    assert b"GZ-NOOP" not in data
    assert not [f for f in known if f.severity == "error"]


@pytest.mark.parametrize(
    ("channel", "code"), [("google", "DE"), ("amazon", "US"), ("google", "GB")]
)
def test_google_and_markets_outside_the_eu_list_it(channel: str, code: str) -> None:
    market = CONFIG.market(code)
    data, [found] = write(channel, market, [listing(market, sku="GZ-NOOP", **UNMAPPED)])
    assert not [f for f in found if f.rule.startswith("gpsr_")]
    assert b"GZ-NOOP" in data
