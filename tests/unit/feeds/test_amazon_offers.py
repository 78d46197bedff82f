"""Amazon offers: buyable, and valid by Amazon's own PRODUCT definition, required list included.

The reference schemas are Amazon's (``../shared/reference``, see its README); the
tests that need them skip when that folder is absent. The PRODUCT sample is the US
definition: its ``list_price`` currency enumerates USD only, so for a European
market the check widens that one enum to the market's currency (the DE and FR
definitions enumerate EUR there) and changes nothing else.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from feeds.checks import validator_for
from feeds.contract import WriterContext
from pipeline.channels import writer_class
from schemas.product import Money, Quantity
from tests.unit.feeds.test_channels import CATEGORIES, CONFIG, GOLDEN, REFERENCE, listing, write

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.listing import Listing

SAMPLE = REFERENCE / "amazon-product-type-PRODUCT-sample-schema.json"
ENVELOPE = REFERENCE / "amazon-listings-feed-schema-v2.json"
needs_reference = pytest.mark.skipif(
    not SAMPLE.exists(), reason=f"Amazon's reference schemas are not at {REFERENCE}"
)
AMAZON_MARKETS = sorted(code for code, m in CONFIG.markets.items() if "amazon" in m.channels)
IMAGES = tuple(f"https://cdn.example/bottle-{n}.jpg" for n in range(1, 11))


def offers(market: Market) -> list[Listing]:
    """A bottle with stock, an RRP and ten images; a tea with neither; sold-out headphones."""
    price = {"US": Decimal("27.14")}.get(market.code, Decimal("24.90"))
    return [
        listing(market, price=Money(price, market.currency), quantity=37, image_links=IMAGES,
                list_price=Money(price + 5, market.currency),
                title="Nordquell Trail Bottle 750 ml black", attributes={"color": "black"},
                description="<p>Double-walled <b>stainless steel</b> bottle.</p>",
                bullet_points=("Keeps cold 24 h", "Dishwasher-safe lid")),
        listing(market, sku="GZ-TEA-0049", title="Teegarten Sieben Green Tea 100 g",
                description="<p>Loose green tea.</p>", bullet_points=("Organic",),
                gtin="4260990000497", mpn=None, categories=("food", "tea"),
                weight=Quantity(Decimal("100"), "g"), length=None, width=None, height=None,
                attributes={"color": "green", "country_of_origin": "cn"},
                price=Money(Decimal("7.50"), market.currency), image_links=()),
        listing(market, sku="GZ-AUD-0003", title="Klangwerk KW-300 Wireless Headphones white",
                description="<p>Closed over-ear headphones.</p>", bullet_points=("30 h",),
                gtin="012345678905", categories=("audio",), availability="out_of_stock",
                attributes={"color": "white"}, price=Money(Decimal("89.00"), market.currency)),
    ]  # fmt: skip


def sample_schema(market: Market, folder: Path) -> Path:
    """Amazon's PRODUCT definition as a file, ``list_price`` taking the market's currency."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    currency = sample["properties"]["list_price"]["items"]["properties"]["currency"]
    currency["enum"] = sorted({*currency["enum"], market.currency})
    path = folder / f"product-{market.code}.schema.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    return path


def update_messages(data: bytes) -> list[dict[str, Any]]:
    document = json.loads(data, parse_float=Decimal)
    return [m for m in document["messages"] if m["operationType"] == "UPDATE"]


def errors(found: list[list[Any]]) -> list[list[str]]:
    return [[f.rule for f in item if f.severity == "error"] for item in found]


@needs_reference
@pytest.mark.parametrize("code", AMAZON_MARKETS)
def test_every_message_meets_amazons_product_definition(code: str, tmp_path: Path) -> None:
    market = CONFIG.market(code)
    data, found = write("amazon", market, offers(market))
    assert errors(found) == [[], [], []]
    envelope = validator_for(ENVELOPE)
    assert [e.message for e in envelope.iter_errors(json.loads(data, parse_float=Decimal))] == []
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    required = set(sample["required"])
    assert {"color", "country_of_origin", "supplier_declared_dg_hz_regulation"} <= required
    product = validator_for(sample_schema(market, tmp_path))
    messages = update_messages(data)
    assert len(messages) == 3
    for message in messages:
        attributes = message["attributes"]
        assert required - set(attributes) == set(), message["sku"]
        problems = [
            f"{'/'.join(map(str, e.instance_path))}: {e.message}"
            for e in product.iter_errors(attributes)
        ]
        assert problems == [], message["sku"]
    path = tmp_path / "amazon-0001.json"
    path.write_bytes(data)
    assert writer_class("amazon").check_file(path) == []


@needs_reference
def test_the_schema_check_sees_a_message_without_an_offer(tmp_path: Path) -> None:
    """The test above would catch a writer that stopped sending the offer."""
    market = CONFIG.market("DE")
    data, _ = write("amazon", market, offers(market)[:1])
    [message] = update_messages(data)
    del message["attributes"]["condition_type"]
    product = validator_for(sample_schema(market, tmp_path))
    assert any("condition_type" in e.message for e in product.iter_errors(message["attributes"]))


@pytest.mark.parametrize(("code", "amount"), [("DE", "24.90"), ("US", "27.14")])
def test_the_offer_carries_the_market_price_as_amazon_takes_it(code: str, amount: str) -> None:
    """Amazon names its one amount ``value_with_tax`` everywhere: DE's price includes
    VAT, the US price is before sales tax, as each market's price was made."""
    market = CONFIG.market(code)
    data, _ = write("amazon", market, offers(market)[:1])
    attributes = update_messages(data)[0]["attributes"]
    marketplace = {"DE": "A1PA6795UKMFR9", "US": "ATVPDKIKX0DER"}[code]
    assert attributes["purchasable_offer"] == [
        {
            "currency": market.currency,
            "our_price": [{"schedule": [{"value_with_tax": Decimal(amount)}]}],
            "marketplace_id": marketplace,
        }
    ]
    assert attributes["condition_type"] == [{"value": "new_new", "marketplace_id": marketplace}]
    assert attributes["list_price"] == [
        {"value": Decimal(amount) + 5, "currency": market.currency, "marketplace_id": marketplace}
    ]


def test_a_market_whose_prices_amazon_would_misread_is_refused() -> None:
    us_gross = CONFIG.market("US").model_copy(update={"prices_include_vat": True})
    with pytest.raises(ValueError, match="before sales tax"):
        write("amazon", us_gross, [])


def test_quantity_comes_from_stock_else_the_configured_default() -> None:
    market = CONFIG.market("DE")
    items = [
        listing(market, sku="COUNTED", quantity=37),
        listing(market, sku="UNCOUNTED"),
        listing(market, sku="SOLD-OUT", availability="out_of_stock", quantity=4),
        listing(market, sku="BACKORDER", availability="backorder"),
    ]
    data, _ = write("amazon", market, items)
    default = CONFIG.channels["amazon"].default_quantity
    assert default > 0
    sent = {m["sku"]: m["attributes"] for m in update_messages(data)}
    assert {
        sku: (attributes["fulfillment_availability"], attributes.get("merchant_shipping_group"))
        for sku, attributes in sent.items()
    } == {
        sku: ([{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
              [{"value": "legacy-template-id", "marketplace_id": "A1PA6795UKMFR9"}])
        for sku, quantity in (("COUNTED", 37), ("UNCOUNTED", default), ("SOLD-OUT", 0),
                              ("BACKORDER", 0))
    }  # fmt: skip


def test_fulfilment_by_amazon_sends_no_quantity_and_needs_the_parcel_facts() -> None:
    market = CONFIG.market("DE")
    channel = CONFIG.channels["amazon"].model_copy(update={"fulfillment_channel_code": "AMAZON_EU"})
    context = WriterContext(channel=channel, categories=CATEGORIES.for_channel("amazon", "DE"))
    declared = {"color": "schwarz", "batteries_required": "no"}
    data, found = write(
        "amazon",
        market,
        [
            listing(market, quantity=5, attributes=declared),
            listing(market, sku="NO-BATTERY-FACT"),
            listing(market, sku="NO-SIZE", attributes=declared, length=None),
        ],
        context,
    )
    [message] = update_messages(data)
    assert message["attributes"]["fulfillment_availability"] == [
        {"fulfillment_channel_code": "AMAZON_EU"}
    ]
    assert "merchant_shipping_group" not in message["attributes"]
    assert errors(found) == [[], ["missing_batteries_required"], ["missing_package_size"]]


def test_list_price_only_from_the_catalogs_rrp() -> None:
    market = CONFIG.market("DE")
    items = [
        listing(market, sku="NO-RRP"),
        listing(market, sku="LOW-RRP", list_price=Money(Decimal("19.90"), "EUR")),
    ]
    data, found = write("amazon", market, items)
    assert all("list_price" not in m["attributes"] for m in update_messages(data))
    assert "list_price_below_price" in {f.rule for f in found[1]}


def test_images_main_and_eight_others() -> None:
    market = CONFIG.market("DE")
    data, [found] = write("amazon", market, [listing(market, image_links=IMAGES)])
    attributes = update_messages(data)[0]["attributes"]
    locators = {k: v[0]["media_location"] for k, v in attributes.items() if "image_locator" in k}
    assert locators == {
        "main_product_image_locator": IMAGES[0],
        **{f"other_product_image_locator_{n}": IMAGES[n] for n in range(1, 9)},
    }
    assert [f.rule for f in found] == ["too_many_images"]


def test_type_keyword_and_gtin_type() -> None:
    market = CONFIG.market("US")
    data, _ = write("amazon", market, offers(market))
    messages = {m["sku"]: m for m in update_messages(data)}
    audio = messages["GZ-AUD-0003"]
    assert audio["productType"] == "HEADPHONES"
    assert audio["attributes"]["item_type_keyword"][0]["value"] == "headphones"
    identifier = audio["attributes"]["externally_assigned_product_identifier"][0]
    assert (identifier["type"], identifier["value"]) == ("upc", "012345678905")
    assert messages["GZ-TEA-0049"]["attributes"]["country_of_origin"][0]["value"] == "CN"


@pytest.mark.parametrize(
    ("changes", "channel_changes", "rule"),
    [
        ({"attributes": {}}, {"color_when_none": None}, "missing_color"),
        ({"bullet_points": ()}, {}, "missing_bullet_point"),
        ({"gtin": None}, {}, "missing_gtin"),
        ({}, {"country_of_origin": None}, "missing_country_of_origin"),
        ({"attributes": {"color": "rot", "country_of_origin": "Germany"}}, {},
         "missing_country_of_origin"),
        ({}, {"supplier_declared_dg_hz_regulation": None}, "missing_dangerous_goods_declaration"),
        ({"attributes": {"color": "rot", "supplier_declared_dg_hz_regulation": "transportation"}},
         {}, "dangerous_goods_details_missing"),
    ],
)  # fmt: skip
def test_what_amazon_requires_and_the_catalog_lacks_keeps_the_item_out(
    changes: dict[str, object], channel_changes: dict[str, object], rule: str
) -> None:
    market = CONFIG.market("DE")
    channel = CONFIG.channels["amazon"].model_copy(update=channel_changes)
    context = WriterContext(channel=channel, categories=CATEGORIES.for_channel("amazon", "DE"))
    data, [found] = write("amazon", market, [listing(market, **changes)], context)
    assert rule in {f.rule for f in found if f.severity == "error"}
    assert b"GZ-BOT-0001" not in data
    named = next(f for f in found if f.rule == rule)
    assert named.field in named.message


def test_golden_us_offers(tmp_path: Path) -> None:
    """A US feed of complete offers: net price, RRP, stock, nine images, declarations."""
    market = CONFIG.market("US")
    data, _ = write("amazon", market, offers(market))
    golden = GOLDEN / "amazon-us-offers.json"
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_a_product_without_a_colour_takes_the_configured_one() -> None:
    market = CONFIG.market("DE")
    data, [found] = write("amazon", market, [listing(market, attributes={})])
    fallback = CONFIG.channels["amazon"].color_when_none
    assert fallback
    assert update_messages(data)[0]["attributes"]["color"] == [
        {"value": fallback, "language_tag": "de_DE", "marketplace_id": "A1PA6795UKMFR9"}
    ]
    assert not [f for f in found if f.severity == "error"]
