"""Switzerland in French (`tests/cases/config/switzerland_in_french_and_italian.toml`):
the ``CH_FR`` market's Google feed is written in French, priced in CHF, and filed under
the feed label ``CH`` in French beside the German ``CH`` market's."""

from __future__ import annotations

import io
from decimal import Decimal

from lxml import etree

from feeds.google import G_NS, GoogleMerchantFeed
from schemas.config.channels.google import FeedTarget, GoogleChannel
from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import Money, Product
from tests.conftest import CASES, ROOT
from transforms.localize import localize
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer

CONFIG = load_config(CASES / "config" / "switzerland_in_french_and_italian.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
G = f"{{{G_NS}}}"

BOTTLE = Product(
    sku="P-1",
    brand="Nordquell",
    title={"de_DE": "Trinkflasche", "fr_FR": "Gourde isotherme", "it_IT": "Borraccia"},
    description={
        "de_DE": "<p>Doppelwandig.</p>",
        "fr_FR": "<p>Double paroi.</p>",
        "it_IT": "<p>Doppia parete.</p>",
    },
    prices={"CHF": Money(Decimal("29.90"), "CHF")},
    image_links=["https://cdn.example/1.jpg"],
)


def _google_item(code: str) -> dict[str, str | None]:
    market = CONFIG.market(code)
    listing = localize(BOTTLE, market, Pricer(market, CONFIG.pricing, RATES))
    assert isinstance(listing, Listing)
    buffer = io.BytesIO()
    writer = GoogleMerchantFeed(buffer, market)
    writer.write_header()
    writer.write_item(listing)
    writer.write_footer()
    writer.close()
    [item] = etree.fromstring(buffer.getvalue()).findall("channel/item")
    return {child.tag.removeprefix(G): child.text for child in item}


def test_the_french_swiss_feed_is_in_french_priced_in_chf_under_its_own_label() -> None:
    french, german, italian = _google_item("CH_FR"), _google_item("CH"), _google_item("CH_IT")
    assert (french["title"], french["price"]) == ("Nordquell Gourde isotherme", "29.90 CHF")
    assert french["link"] == "https://shop.example/fr-ch/p/P-1"
    assert (german["title"], german["price"]) == ("Nordquell Trinkflasche", "29.90 CHF")
    assert (italian["title"], italian["price"]) == ("Nordquell Borraccia", "29.90 CHF")
    google = CONFIG.channels["google"]
    assert isinstance(google, GoogleChannel)
    assert google.feed_target(CONFIG.market("CH_FR")) == FeedTarget("CH", "fr")
    assert google.feed_target(CONFIG.market("CH")) == FeedTarget("CH", "de")
    assert google.feed_target(CONFIG.market("CH_IT")) == FeedTarget("CH-IT", "it")
