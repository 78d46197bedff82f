"""Texts cleaned and titles composed once per market (`feeds.prepared`), for every channel.

Every channel's writer is given the same listings twice, once as they are and once with
the texts and titles the market's ``localize_shard`` task prepares for them; the files and
the findings must be the same. The listings are made to take every way a title goes: one
that fits, one too long for the channel, one another product of the feed has already (told
apart by its colour, or by nothing), a variant, markup and invisible characters to clean
away, an empty title.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from feeds.prepared import prepare_texts
from schemas.config.channel import TitleRule
from schemas.text import CleanText
from tests.unit.feeds.test_channels import CHANNEL_MARKET, CONFIG, listing, market_for, write
from transforms.overrides import Override, apply_overrides

if TYPE_CHECKING:
    from schemas.listing import Listing


def listings(channel: str) -> list[Listing]:
    market = market_for(channel)
    base = listing(market)
    long_name = "Doppelwandige Edelstahl Trinkflasche mit Bambusdeckel und Trageschlaufe " * 3
    return [
        base,
        listing(market, sku="GZ-BOT-0002", attributes={**base.attributes, "color": "weiß"}),
        listing(market, sku="GZ-BOT-0003"),  # nothing tells it from the first: a duplicate
        listing(market, sku="GZ-BOT-0004", title=long_name.strip()),
        listing(
            market,
            sku="GZ-BOT-0005",
            title="Nordquell Flasche &lt;script&gt;x()&lt;/script&gt; \u202e750 ml",
            description="<p>Kalt <b>und</b> dicht</p>\u202e&lt;b onclick=x()&gt;",
        ),
        listing(
            market,
            sku="GZ-BOT-0006",
            group="GZ-BOT",
            varies_by=("color",),
            attributes={**base.attributes, "color": "blau"},
        ),
        listing(market, sku="GZ-BOT-0007", title="   "),
    ]


def rules(channel: str) -> list[TitleRule]:
    """The channel's title rule for its market, and the default one."""
    settings = CONFIG.channels.get(channel)
    if settings is None:
        return [TitleRule()]
    return [settings.title_by_market.get(market_for(channel).code, settings.title), TitleRule()]


@pytest.mark.parametrize("channel", sorted(CHANNEL_MARKET))
def test_prepared_texts_give_every_channel_the_same_file(channel: str) -> None:
    market = market_for(channel)
    items = listings(channel)
    prepared = [replace(item, prepared=prepare_texts(item, rules(channel))) for item in items]

    as_written, findings = write(channel, market, items)
    from_prepared, prepared_findings = write(channel, market, prepared)

    assert from_prepared == as_written
    assert prepared_findings == findings


@pytest.mark.parametrize("channel", ["google", "amazon", "idealo", "kaufland"])
def test_a_channel_takes_the_description_its_market_cleaned(channel: str) -> None:
    market = market_for(channel)
    item = listing(market)
    prepared = prepare_texts(item, rules(channel))
    marked = replace(prepared, description=CleanText("Vom Markt gereinigt"))

    data, _ = write(channel, market, [replace(item, prepared=marked)])

    assert "Vom Markt gereinigt" in data.decode()


def test_an_override_of_the_title_is_not_hidden_by_the_prepared_title() -> None:
    market = CONFIG.market("DE")
    item = listing(market)
    item = replace(item, prepared=prepare_texts(item, rules("google")))
    override = Override(sku=item.sku, field="title", value="Neuer Titel Flasche", row=2)

    applied = apply_overrides(item, [override], market, "google", "overrides.csv")
    assert applied.listing is not None
    data, _ = write("google", market, [applied.listing])

    assert "Nordquell Neuer Titel Flasche" in data.decode()
    assert "Trail Bottle" not in data.decode()
