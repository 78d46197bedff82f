"""Sale prices in every channel (#27 item 2): what each feed shows of `schemas.listing.Sale`.

Golden files (``tests/cases/feeds/sales/<channel>-<market>.<ext>``) hold, per channel and
market, four listings on the night of 7 December 2026: a sale running with its dates, one
that starts on 10 December, one sent without a strike price and one announced against a
prior price below the regular one (the EU rule). The markets are DE, FR, PL (PLN) and CH
(CHF, whose prices end on 0.05 steps: the pricing step rounds them, the feeds must keep
them), plus NL for bol and CN for the mobile storefront. Regenerate with
``GRENZENLOS_UPDATE_GOLDEN=1`` and read the diff. Every file passes its channel's format
check; Google's XML is parsed with lxml and checked against the feed's RelaxNG, Amazon's
offers against Amazon's own PRODUCT definition (``../shared/reference``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest
from lxml import etree

from feeds.checks import MaxUtf8ByteLength
from feeds.contract import WriterContext
from feeds.google import G_NS
from pipeline.channels import writer_class
from schemas.listing import Listing, Sale
from schemas.product import Money
from tests.unit.feeds.test_amazon_offers import needs_reference, sample_schema, update_messages
from tests.unit.feeds.test_channels import CATEGORIES, CONFIG, GOLDEN, check, listing, write

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.findings import Finding

G = f"{{{G_NS}}}"
ZONES = {
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "PL": "Europe/Warsaw",
    "CH": "Europe/Zurich",
    "NL": "Europe/Amsterdam",
    "CN": "Asia/Shanghai",
}
PRICES = {
    # regular, sale, prior lowest price of the 30 days before the sale
    "EUR": ("24.90", "19.90", "22.90"),
    "PLN": ("106.99", "89.99", "99.99"),
    "CHF": ("27.95", "22.35", "25.40"),
    "CNY": ("199.00", "159.00", "179.00"),
}
CASES = [
    ("google", "DE"), ("google", "FR"), ("google", "PL"), ("google", "CH"),
    ("amazon", "DE"), ("amazon", "FR"),
    ("idealo", "DE"), ("kaufland", "DE"), ("kaufland", "PL"), ("allegro", "PL"),
    ("ebay", "DE"), ("ebay", "FR"), ("bol", "NL"), ("mobile_cn", "CN"),
]  # fmt: skip
"""Each channel in the markets that configure it among DE, FR, PL, CH (bol: NL,
mobile_cn: CN)."""


def night(code: str, day: int = 7) -> datetime:
    """The nightly run's moment: 02:00 in the market's time zone."""
    return datetime(2026, 12, day, 2, 0, tzinfo=ZoneInfo(ZONES[code]))


def money(market: Market, amount: str) -> Money:
    return Money(Decimal(amount), market.currency)


def on_sale(market: Market, sku: str, sale: Sale, **changes: object) -> Listing:
    regular, _, _ = PRICES[market.currency]
    return listing(
        market, sku=sku, link=market.link_for(sku), price=money(market, regular), sale=sale,
        **changes,
    )  # fmt: skip


def sales(market: Market) -> list[Listing]:
    """The four sales of the golden files (distinct GTINs: bol and Kaufland list by EAN)."""
    regular, price, prior = PRICES[market.currency]
    zone = ZoneInfo(ZONES[market.code])
    start = datetime(2026, 12, 1, tzinfo=zone)
    end = datetime(2026, 12, 24, 23, 59, 59, tzinfo=zone)
    later = datetime(2026, 12, 10, tzinfo=zone)
    sale = money(market, price)
    return [
        on_sale(market, "GZ-SALE-1", Sale(sale, start, end, money(market, regular))),
        on_sale(market, "GZ-SALE-2", Sale(sale, later, end, money(market, regular)),
                title="Nordquell Trail Bottle 500 ml", gtin="4260990000022"),
        on_sale(market, "GZ-SALE-3", Sale(sale, start, end, None),
                title="Nordquell Trail Bottle 1 l", gtin="4260990000039"),
        on_sale(market, "GZ-SALE-4", Sale(sale, start, end, money(market, prior)),
                title="Nordquell Trail Mug 350 ml", gtin="4260990000046"),
    ]  # fmt: skip


def context(channel: str, market: Market, run_at: datetime | None) -> WriterContext:
    return WriterContext(
        channel=CONFIG.channels.get(channel),
        categories=CATEGORIES.for_channel(channel, market.code),
        run_at=run_at,
    )


def write_on(
    channel: str, code: str, listings: list[Listing], run_at: datetime | None
) -> tuple[bytes, list[list[Finding]]]:
    market = CONFIG.market(code)
    return write(channel, market, listings, context(channel, market, run_at))


def google_items(data: bytes) -> dict[str, dict[str, str]]:
    """Each item's g: children by sku, from the XML as lxml parses it."""
    root = etree.fromstring(data)
    return {
        item.findtext(f"{G}id", ""): {child.tag.removeprefix(G): child.text or "" for child in item}
        for item in root.iterfind("channel/item")
    }


def rows(channel: str, data: bytes) -> dict[str, dict[str, str]]:
    delimiter = writer_class(channel).delimiter  # type: ignore[attr-defined]
    table = csv.DictReader(io.StringIO(data.decode()), delimiter=delimiter)
    key = "sku" if channel == "idealo" else "id_offer"
    return {row[key]: row for row in table}


def errors(found: list[list[Finding]]) -> list[list[str]]:
    return [[f.rule for f in item if f.severity == "error"] for item in found]


@pytest.mark.parametrize(("channel", "code"), CASES)
def test_golden_sale_feed(channel: str, code: str, tmp_path: Path) -> None:
    market = CONFIG.market(code)
    data, found = write_on(channel, code, sales(market), night(code))
    assert errors(found) == [[], [], [], []]
    assert check(channel, data, tmp_path) == []
    golden = GOLDEN / "sales" / f"{channel}-{code}.{writer_class(channel).spec.extension}"
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert data == golden.read_bytes()


@pytest.mark.parametrize(
    ("code", "price", "sale", "period"),
    [
        ("DE", "24.90 EUR", "19.90 EUR", "2026-12-01T00:00+0100/2026-12-24T23:59+0100"),
        ("FR", "24.90 EUR", "19.90 EUR", "2026-12-01T00:00+0100/2026-12-24T23:59+0100"),
        ("PL", "106.99 PLN", "89.99 PLN", "2026-12-01T00:00+0100/2026-12-24T23:59+0100"),
        ("CH", "27.95 CHF", "22.35 CHF", "2026-12-01T00:00+0100/2026-12-24T23:59+0100"),
    ],
)
def test_google_sale_price_with_its_period_beside_the_struck_price(
    code: str, price: str, sale: str, period: str
) -> None:
    market = CONFIG.market(code)
    data, found = write_on("google", code, sales(market)[:1], night(code))
    item = google_items(data)["GZ-SALE-1"]
    assert (item["price"], item["sale_price"]) == (price, sale)
    assert item["sale_price_effective_date"] == period
    assert len(period) <= 51
    assert found == [[]]


def test_google_period_keeps_the_markets_offset_in_summer() -> None:
    market = CONFIG.market("DE")
    zone = ZoneInfo("Europe/Berlin")
    summer = Sale(
        money(market, "19.90"),
        datetime(2026, 7, 1, 9, 30, 20, tzinfo=zone),
        datetime(2026, 7, 14, 18, 0, tzinfo=zone),
        money(market, "24.90"),
    )
    data, _ = write_on(
        "google", "DE", [on_sale(market, "GZ-S", summer)], night("DE", 1) - timedelta(days=160)
    )
    # The start moves up to the next whole minute: the sale never shows before it starts.
    assert google_items(data)["GZ-S"]["sale_price_effective_date"] == (
        "2026-07-01T09:31+0200/2026-07-14T18:00+0200"
    )


def test_google_publishes_a_future_sale_ahead_with_its_dates() -> None:
    market = CONFIG.market("DE")
    data, _ = write_on("google", "DE", sales(market)[1:2], night("DE"))
    item = google_items(data)["GZ-SALE-2"]
    assert item["price"] == "24.90 EUR"
    assert item["sale_price"] == "19.90 EUR"
    assert item["sale_price_effective_date"] == "2026-12-10T00:00+0100/2026-12-24T23:59+0100"


def test_google_sale_without_a_strike_price_is_the_price_alone() -> None:
    market = CONFIG.market("FR")
    data, found = write_on("google", "FR", sales(market)[2:3], night("FR"))
    item = google_items(data)["GZ-SALE-3"]
    assert item["price"] == "19.90 EUR"
    assert "sale_price" not in item and "sale_price_effective_date" not in item
    assert found == [[]]


def test_google_strikes_the_prior_price_not_the_regular_one() -> None:
    market = CONFIG.market("DE")
    data, _ = write_on("google", "DE", sales(market)[3:], night("DE"))
    item = google_items(data)["GZ-SALE-4"]
    assert (item["price"], item["sale_price"]) == ("22.90 EUR", "19.90 EUR")


@pytest.mark.parametrize("channel", ["google", "amazon"])
def test_a_reference_above_the_regular_price_is_never_struck(channel: str) -> None:
    """The contract gives a reference at most the regular price; a catalog "was" price
    that slipped through would announce a reduction from a price never charged."""
    market = CONFIG.market("DE")
    sale = Sale(money(market, "19.90"), None, night("DE", 24), money(market, "39.90"))
    data, _ = write_on(channel, "DE", [on_sale(market, "GZ-S", sale)], night("DE"))
    assert b"39.90" not in data
    if channel == "google":
        assert google_items(data)["GZ-S"]["price"] == "24.90 EUR"
    else:
        offer = amazon_offers(data)["GZ-S"]
        assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == Decimal("24.90")


def test_a_prior_price_strike_waits_for_the_night_the_sale_starts() -> None:
    """A sale ahead whose strike is below the regular price would show the regular price
    struck until it starts: Google gets it from its first night, not before."""
    market = CONFIG.market("DE")
    zone = ZoneInfo("Europe/Berlin")
    sale = Sale(
        money(market, "19.90"),
        datetime(2026, 12, 10, tzinfo=zone),
        datetime(2026, 12, 24, 23, 59, 59, tzinfo=zone),
        money(market, "22.90"),
    )
    before, _ = write_on("google", "DE", [on_sale(market, "GZ-S", sale)], night("DE"))
    assert google_items(before)["GZ-S"]["price"] == "24.90 EUR"
    assert "sale_price" not in google_items(before)["GZ-S"]
    first, _ = write_on("google", "DE", [on_sale(market, "GZ-S", sale)], night("DE", 10))
    item = google_items(first)["GZ-S"]
    assert (item["price"], item["sale_price"]) == ("22.90 EUR", "19.90 EUR")


@pytest.mark.parametrize(("channel", "code"), CASES)
def test_a_sale_whose_end_has_passed_is_never_sent(channel: str, code: str) -> None:
    market = CONFIG.market(code)
    _, price, _ = PRICES[market.currency]
    items = sales(market)
    after, found = write_on(channel, code, items, night(code, 27))
    regular, _ = write_on(channel, code, [listing_without_sale(item) for item in items], None)
    assert after == regular
    assert errors(found) == [[], [], [], []]
    assert price.encode() not in after


def listing_without_sale(item: Listing) -> Listing:
    from dataclasses import replace

    return replace(item, sale=None)


@pytest.mark.parametrize(
    ("sale", "warned"),
    [("24.00", True), ("23.66", True), ("23.65", False), ("12.45", False), ("2.50", False),
     ("2.49", True), ("1.00", True)],
)  # fmt: skip
def test_google_warns_when_its_sale_annotation_will_not_show(sale: str, warned: bool) -> None:
    """Google shows the annotation for a discount above 5 % and below 90 % (answer 9017019):
    from 24.90, 23.65 is 5.02 % off and 2.49 is 90.0 % off."""
    market = CONFIG.market("DE")
    item = on_sale(
        market,
        "GZ-S",
        Sale(money(market, sale), None, night("DE", 24), money(market, "24.90")),
    )
    data, [found] = write_on("google", "DE", [item], night("DE"))
    rules = [f.rule for f in found]
    assert rules == (["sale_annotation_not_shown"] if warned else [])
    assert google_items(data)["GZ-S"]["sale_price"] == f"{sale} EUR"  # sent all the same
    if warned:
        [finding] = found
        assert (finding.sku, finding.field, finding.severity) == ("GZ-S", "sale_price", "warning")


def test_google_sends_a_sale_not_below_its_strike_as_the_price() -> None:
    market = CONFIG.market("DE")
    item = on_sale(market, "GZ-S", Sale(money(market, "24.90"), reference=money(market, "24.90")))
    data, [found] = write_on("google", "DE", [item], night("DE"))
    assert [f.rule for f in found] == ["sale_not_below_reference"]
    assert "sale_price" not in google_items(data)["GZ-S"]


def test_google_running_sale_without_an_end_goes_without_dates() -> None:
    market = CONFIG.market("PL")
    item = on_sale(market, "GZ-S", Sale(money(market, "89.99"), reference=money(market, "106.99")))
    data, _ = write_on("google", "PL", [item], night("PL"))
    offer = google_items(data)["GZ-S"]
    assert (offer["price"], offer["sale_price"]) == ("106.99 PLN", "89.99 PLN")
    assert "sale_price_effective_date" not in offer


def with_formats(path: Path) -> jsonschema_rs.Validator:
    """Amazon's definition with ``format`` asserted: ``start_at`` and ``end_at`` are one of a
    date or a date-time (``oneOf``), which only formats tell apart (`validator_for` takes
    them as annotations, and then every string matches both)."""
    return jsonschema_rs.Draft201909Validator(
        json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal),
        keywords={"maxUtf8ByteLength": MaxUtf8ByteLength},
        validate_formats=True,
        offline=True,
    )


def amazon_offers(data: bytes) -> dict[str, dict[str, Any]]:
    return {m["sku"]: m["attributes"]["purchasable_offer"][0] for m in update_messages(data)}


@needs_reference
@pytest.mark.parametrize("code", ["DE", "FR"])
def test_amazon_discounted_price_meets_amazons_product_definition(
    code: str, tmp_path: Path
) -> None:
    market = CONFIG.market(code)
    data, found = write_on("amazon", code, sales(market), night(code))
    assert errors(found) == [[], [], [], []]
    product = with_formats(sample_schema(market, tmp_path))
    for message in update_messages(data):
        problems = [
            f"{'/'.join(map(str, e.instance_path))}: {e.message}"
            for e in product.iter_errors(message["attributes"])
        ]
        assert problems == [], message["sku"]
    offers = amazon_offers(data)
    assert offers["GZ-SALE-1"]["our_price"] == [
        {"schedule": [{"value_with_tax": Decimal("24.90")}]}
    ]
    assert offers["GZ-SALE-1"]["discounted_price"] == [
        {
            "schedule": [
                {
                    "value_with_tax": Decimal("19.90"),
                    "start_at": "2026-12-01T00:00:00+01:00",
                    "end_at": "2026-12-24T23:59:59+01:00",
                }
            ]
        }
    ]
    # Ahead: scheduled from its start.
    [ahead] = offers["GZ-SALE-2"]["discounted_price"][0]["schedule"]
    assert ahead["start_at"] == "2026-12-10T00:00:00+01:00"
    # No strike price: the sale price is the price.
    assert "discounted_price" not in offers["GZ-SALE-3"]
    assert offers["GZ-SALE-3"]["our_price"][0]["schedule"][0]["value_with_tax"] == Decimal("19.90")
    # The prior price is struck, not the regular one.
    assert offers["GZ-SALE-4"]["our_price"][0]["schedule"][0]["value_with_tax"] == Decimal("22.90")


@needs_reference
def test_amazon_schema_sees_a_schedule_without_its_end(tmp_path: Path) -> None:
    """The check above would catch a writer that left out end_at or wrote a start Amazon
    cannot read."""
    market = CONFIG.market("DE")
    data, _ = write_on("amazon", "DE", sales(market)[:1], night("DE"))
    [message] = update_messages(data)
    [schedule] = message["attributes"]["purchasable_offer"][0]["discounted_price"][0]["schedule"]
    product = with_formats(sample_schema(market, tmp_path))
    schedule["start_at"] = "01.12.2026 00:00"
    assert any("start_at" in "/".join(map(str, e.instance_path))
               for e in product.iter_errors(message["attributes"]))  # fmt: skip
    del schedule["end_at"]
    assert any("end_at" in e.message for e in product.iter_errors(message["attributes"]))


def test_amazon_sale_without_an_end_is_the_price_with_a_warning() -> None:
    market = CONFIG.market("DE")
    item = on_sale(market, "GZ-S", Sale(money(market, "19.90"), reference=money(market, "24.90")))
    data, [found] = write_on("amazon", "DE", [item], night("DE"))
    offer = amazon_offers(data)["GZ-S"]
    assert "discounted_price" not in offer
    assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == Decimal("19.90")
    [warning] = found
    assert (warning.rule, warning.field, warning.sku) == (
        "sale_without_end",
        "discounted_price",
        "GZ-S",
    )


def test_amazon_sale_without_a_start_starts_at_the_run() -> None:
    market = CONFIG.market("FR")
    item = on_sale(
        market,
        "GZ-S",
        Sale(money(market, "19.90"), end=night("FR", 24), reference=money(market, "24.90")),
    )
    data, _ = write_on("amazon", "FR", [item], night("FR"))
    [schedule] = amazon_offers(data)["GZ-S"]["discounted_price"][0]["schedule"]
    assert (schedule["start_at"], schedule["end_at"]) == (
        "2026-12-07T02:00:00+01:00",
        "2026-12-24T02:00:00+01:00",
    )


def published_prices(channel: str, data: bytes) -> dict[str, str]:
    """The price each channel without a sale field publishes, by sku."""
    if channel in ("idealo", "kaufland"):
        column = "price" if channel == "idealo" else "price_cent"
        return {sku: row[column] for sku, row in rows(channel, data).items()}
    if channel == "mobile_cn":
        return {i["id"]: i["price"] for i in json.loads(data)["items"]}
    lines = [json.loads(line, parse_float=Decimal) for line in data.decode().splitlines()]
    if channel == "bol":
        return {o["reference"]: str(o["pricing"]["bundlePrices"][0]["unitPrice"]) for o in lines}
    if channel == "ebay":
        offers = [o for line in lines for o in line.get("offers", ())]
        return {o["sku"]: o["pricingSummary"]["price"]["value"] for o in offers}
    return {o["external"]["id"]: o["sellingMode"]["price"]["amount"] for o in lines}


@pytest.mark.parametrize(
    ("channel", "code", "regular", "sale"),
    [
        ("idealo", "DE", "24.90", "19.90"),
        ("kaufland", "DE", "2490", "1990"),
        ("kaufland", "PL", "10699", "8999"),
        ("allegro", "PL", "106.99", "89.99"),
        ("bol", "NL", "24.90", "19.90"),
        ("ebay", "DE", "24.90", "19.90"),
        ("ebay", "FR", "24.90", "19.90"),
        ("mobile_cn", "CN", "199.00", "159.00"),
    ],
)
def test_channels_without_a_sale_field_publish_the_price_paid_from_the_night_it_starts(
    channel: str, code: str, regular: str, sale: str
) -> None:
    market = CONFIG.market(code)
    data, _ = write_on(channel, code, sales(market), night(code))
    prices = published_prices(channel, data)
    # Running sales (with or without a strike price) are the price; the one starting on
    # the 10th is not yet, and no old price is written anywhere.
    assert prices == {
        "GZ-SALE-1": sale,
        "GZ-SALE-2": regular,
        "GZ-SALE-3": sale,
        "GZ-SALE-4": sale,
    }
    prior = PRICES[market.currency][2]
    assert prior.encode() not in data and prior.replace(".", "").encode() not in data
    started, _ = write_on(channel, code, sales(market)[1:2], night(code, 10))
    assert published_prices(channel, started) == {"GZ-SALE-2": sale}


def test_ebay_strikes_no_price() -> None:
    # Strike-through pricing is restricted to a few existing sellers (feeds.ebay): the
    # offer states the price paid, never originalRetailPrice.
    market = CONFIG.market("DE")
    data, _ = write_on("ebay", "DE", sales(market), night("DE"))
    assert b"originalRetailPrice" not in data and b"originallySoldForRetailPriceOn" not in data
    with_sale = published_prices("ebay", data)
    without, _ = write_on("ebay", "DE", [listing_without_sale(i) for i in sales(market)], None)
    assert set(published_prices("ebay", without).values()) == {"24.90"} != set(with_sale.values())


def test_without_a_run_moment_every_sale_counts_as_running() -> None:
    market = CONFIG.market("DE")
    data, _ = write_on("idealo", "DE", sales(market), None)
    assert set(published_prices("idealo", data).values()) == {"19.90"}
