"""Every marketplace writer: golden files from fixed listings, format checks, bad data.

Golden files live in ``tests/cases/feeds/``; after an intended change, regenerate
them with ``GRENZENLOS_UPDATE_GOLDEN=1 pytest tests/unit/feeds/test_channels.py`` and
read the diff before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from feeds.checks import SCHEMAS
from feeds.contract import FeedSpec, WriterContext
from pipeline.channels import channel_names, writer_class
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from schemas.config.market import Market
from schemas.listing import Listing
from schemas.product import Money, Quantity
from tests.conftest import CASES, ROOT
from transforms.pricing.money import unit_price

if TYPE_CHECKING:
    from schemas.findings import Finding

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
CATEGORIES = load_category_map(ROOT / "config" / "categories.toml", markets=CONFIG.markets)
EBAY_CATEGORIES = CATEGORIES.for_channel("ebay", "DE")
GOLDEN = CASES / "feeds"
REFERENCE = ROOT.parent / "shared" / "reference"
CHANNEL_MARKET = {
    "google": "DE",
    "amazon": "DE",
    "ebay": "DE",
    "idealo": "DE",
    "kaufland": "DE",
    "allegro": "PL",
    "mobile_cn": "CN",
    "bol": "NL",
}
UNCONFIGURED_MARKETS = {
    "NL": Market.model_validate(
        {
            "code": "NL",
            "country": "NL",
            "locale": "nl_NL",
            "currency": "EUR",
            "channels": ["bol"],
            "product_url": "https://shop.grenzenlos.example/nl-nl/p/{sku}",
        }
    ),
}
"""Markets a channel is tested in that config/markets.toml does not have (yet)."""


def market_for(channel: str) -> Market:
    """The market a channel is tested in: from the config, else `UNCONFIGURED_MARKETS`."""
    code = CHANNEL_MARKET[channel]
    return CONFIG.markets.get(code) or UNCONFIGURED_MARKETS[code]


def listing(market: Market, **changes: object) -> Listing:
    values: dict[str, object] = {
        "sku": "GZ-BOT-0001",
        "market": market.code,
        "locale": market.locale,
        "text_locale": market.locale,
        "title": "Nordquell Trail Bottle 750 ml schwarz",
        "description": "<p>Doppelwandige Flasche aus <b>Edelstahl</b>.</p><ul><li>750 ml</li></ul>",
        "link": market.link_for("GZ-BOT-0001"),
        "price": Money(Decimal("24.90"), market.currency),
        "availability": "in_stock",
        "image_links": ("https://cdn.example/1.jpg", "https://cdn.example/2.jpg"),
        "brand": "Nordquell",
        "gtin": "4260990000015",
        "mpn": "BO750-1",
        "categories": ("drinkware", "outdoor"),
        "weight": Quantity(Decimal("555"), "g"),
        "length": Quantity(Decimal("25"), "cm"),
        "width": Quantity(Decimal("8"), "cm"),
        "height": Quantity(Decimal("8"), "cm"),
        "bullet_points": ("24 Stunden kalt", "Deckel spülmaschinenfest"),
        # The manufacturer by attribute, not by brand: EU product law's check
        # (schemas/compliance.py) passes whatever a test makes of the brand.
        "attributes": {"color": "schwarz", "manufacturer_id": "nordquell"},
    }
    values.update(changes)
    return Listing(**values)  # type: ignore[arg-type]


def with_unit_price(item: Listing, content: Quantity) -> Listing:
    """``item`` with the unit price `transforms.localize` gives a product of that content."""
    per_unit = unit_price(item.price, content)
    assert per_unit is not None
    return replace(
        item,
        unit_pricing_measure=per_unit.measure,
        unit_pricing_base_measure=per_unit.base_measure,
        unit_price_text=per_unit.text(item.locale),
    )


def fixed_listings(market: Market) -> list[Listing]:
    tea = listing(market, sku="GZ-TEA-0049", title="Teegarten Sieben Grüntee 100 g",
                  brand="Teegarten Sieben", net_content=Quantity(Decimal("100"), "g"),
                  link=market.link_for("GZ-TEA-0049"),
                  description="<p>Loser Grüntee.</p>", gtin="4260990000497", mpn=None,
                  categories=("food", "tea"), weight=Quantity(Decimal("100"), "g"),
                  length=None, width=None, height=None, bullet_points=("Bio",), attributes={},
                  price=Money(Decimal("7.50"), market.currency))  # fmt: skip
    return [listing(market), with_unit_price(tea, Quantity(Decimal("100"), "g"))]


def write(
    channel: str, market: Market, listings: list[Listing], context: WriterContext | None = None
) -> tuple[bytes, list[list[Finding]]]:
    cls = writer_class(channel)
    context = context or WriterContext(
        channel=CONFIG.channels.get(channel),  # type: ignore[call-overload]
        categories=CATEGORIES.for_channel(channel, market.code),
    )
    buffer = io.BytesIO()
    writer = cls(buffer, market, context)
    writer.write_header()
    findings = [writer.write_item(item) for item in listings]
    writer.write_footer()
    writer.close()
    return buffer.getvalue(), findings


def check(channel: str, data: bytes, tmp_path: Path) -> list[str]:
    cls = writer_class(channel)
    path = tmp_path / f"feed.{cls.spec.extension}"
    path.write_bytes(data)
    return cls.check_file(path)


def test_every_channel_is_registered() -> None:
    assert set(channel_names()) == set(CHANNEL_MARKET)


@pytest.mark.parametrize("channel", sorted(CHANNEL_MARKET))
def test_golden_file(channel: str, tmp_path: Path) -> None:
    market = market_for(channel)
    data, findings = write(channel, market, fixed_listings(market))
    assert [[f for f in found if f.severity == "error"] for found in findings] == [[], []]
    assert check(channel, data, tmp_path) == []
    golden = GOLDEN / f"{channel}.{writer_class(channel).spec.extension}"
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()


@pytest.mark.parametrize("channel", sorted(CHANNEL_MARKET))
def test_bad_data_ends_up_safe_and_reported(channel: str, tmp_path: Path) -> None:
    market = market_for(channel)
    nasty = listing(
        market,
        title='=HYPERLINK("http://evil.example") ' + "Flasche " * 70 + "\x07Ende",
        description='<p onclick="steal()">Gut <a href="javascript:alert(1)">hier</a></p>'
        "<script>alert('x')</script><style>p{}</style>\x1b",
        brand="@Nordquell",
    )
    data, [found] = write(channel, market, [nasty])
    assert check(channel, data, tmp_path) == []
    text = data.decode()
    for unsafe in ("<script", "onclick", "javascript:", "alert(", "\x07", "\x1b", "<style"):
        assert unsafe not in text, (channel, unsafe)
    rules = {f.rule for f in found}
    assert "title_shortened" in rules, (channel, rules)
    if writer_class(channel).spec.extension == "csv":
        rows = list(csv.reader(io.StringIO(text), delimiter=writer_class(channel).delimiter))  # type: ignore[attr-defined]
        assert all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
        # The title leads with the brand the name lacks; both would start a formula.
        assert any(c.startswith("'@Nordquell =HYPERLINK") for row in rows for c in row)


@pytest.mark.parametrize(
    ("channel", "changes", "rule"),
    [
        ("amazon", {"categories": ("unmapped",)}, "missing_product_type"),
        ("amazon", {"gtin": "4260990000016"}, "invalid_gtin"),
        ("amazon", {"brand": None}, "missing_brand"),
        ("ebay", {"image_links": ()}, "missing_image_link"),
        ("idealo", {"categories": ()}, "missing_category"),
        ("kaufland", {"gtin": None}, "missing_gtin"),
        ("allegro", {"description": "<script>x()</script>"}, "empty_description"),
        ("mobile_cn", {"image_links": ()}, "missing_image_link"),
    ],
)
def test_an_item_the_channel_would_reject_is_left_out(
    channel: str, changes: dict[str, object], rule: str
) -> None:
    market = market_for(channel)
    data, [found] = write(channel, market, [listing(market, **changes)])
    assert rule in {f.rule for f in found if f.severity == "error"}
    assert b"GZ-BOT-0001" not in data


def test_amazon_limits_bullets_and_description_bytes() -> None:
    de = CONFIG.market("DE")
    many = tuple(f"Punkt {n} " + "ü" * 800 for n in range(12))
    long_text = "<p>" + "Größe " * 3000 + "</p>"
    data, [found] = write("amazon", de, [listing(de, bullet_points=many, description=long_text)])
    attributes = json.loads(data)["messages"][0]["attributes"]
    assert len(attributes["bullet_point"]) == 10
    assert all(len(b["value"]) <= 700 for b in attributes["bullet_point"])
    assert len(attributes["product_description"][0]["value"].encode()) <= 10_000
    assert {"too_many_bullet_points", "text_shortened"} <= {f.rule for f in found}


def test_ebay_groups_25_items_per_call_and_keeps_safe_html() -> None:
    de = CONFIG.market("DE")
    items = [listing(de, sku=f"SKU-{n}") for n in range(60)]
    data, _ = write("ebay", de, items)
    lines = [json.loads(line) for line in data.splitlines()]
    calls = [line for line in lines if "body" in line]
    assert [len(c["body"]["requests"]) for c in calls] == [25, 25, 10]
    # Then their offers, 25 to a bulkCreateOffer call, in the same order.
    offers = [line["offers"] for line in lines[len(calls) :]]
    assert [len(o) for o in offers] == [25, 25, 10]
    assert [o["sku"] for batch in offers for o in batch] == [i.sku for i in items]
    assert {c["contentLanguage"] for c in calls} == {"de-DE"} and calls[0][
        "marketplaceId"
    ] == "EBAY_DE"
    description = calls[0]["body"]["requests"][0]["product"]["description"]
    assert (
        description == "<p>Doppelwandige Flasche aus <b>Edelstahl</b>.</p><ul><li>750 ml</li></ul>"
    )


def test_kaufland_prices_are_cents_and_pictures_repeat() -> None:
    de = CONFIG.market("DE")
    data, _ = write("kaufland", de, [listing(de, price=Money(Decimal("1234.5"), "EUR"))])
    header, row = list(csv.reader(io.StringIO(data.decode()), delimiter=";"))
    assert header.count("picture") == 5
    assert row[header.index("price_cent")] == "123450"
    assert row[header.index("locale")] == "de-DE"


def test_file_checks_catch_what_the_writers_never_write(tmp_path: Path) -> None:
    broken_amazon = tmp_path / "a.json"
    broken_amazon.write_text('{"header": {"sellerId": "X", "version": "1.0"}, "messages": []}')
    assert writer_class("amazon").check_file(broken_amazon)
    broken_csv = tmp_path / "k.csv"
    de = CONFIG.market("DE")
    data, _ = write("kaufland", de, [listing(de)])
    broken_csv.write_bytes(data.replace(b"Nordquell;", b"=cmd|' /C calc'!A0;", 1))
    assert any("formula" in p for p in writer_class("kaufland").check_file(broken_csv))


def test_google_files_are_checked_against_the_projects_relaxng(tmp_path: Path) -> None:
    golden = (GOLDEN / "google.xml").read_bytes()
    broken = tmp_path / "google.xml"
    broken.write_bytes(golden.replace(b"<g:price>24.90 EUR", b"<g:price>24,90 EUR", 1))
    assert any("price" in p for p in writer_class("google").check_file(broken))
    broken.write_bytes(golden.replace(b"<g:availability>in_stock", b"<g:availability>soon", 1))
    assert writer_class("google").check_file(broken)


def test_schemas_are_valid_json_schemas() -> None:
    from jsonschema import Draft7Validator

    for path in SCHEMAS.glob("*.schema.json"):
        Draft7Validator.check_schema(json.loads(path.read_text()))


def test_a_full_file_starts_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import ExitStack

    from feeds.amazon.writer import AmazonListingsFeed
    from feeds.scratch import ScratchStore
    from pipeline.channel_files import ChannelFiles

    spec = AmazonListingsFeed.spec
    small = FeedSpec(spec.name, spec.extension, spec.media_type, spec.description, 3, True)
    monkeypatch.setattr(AmazonListingsFeed, "spec", small)
    de = CONFIG.market("DE")
    with ExitStack() as stack:
        store = stack.enter_context(ScratchStore())
        previous = store.mapping("previous")
        previous["GONE-1"] = "x"
        files = ChannelFiles(AmazonListingsFeed, de, tmp_path, stack,
                              WriterContext(channel=CONFIG.channels["amazon"],
                                            categories=CATEGORIES.for_channel("amazon", "DE")),
                              store, previous_state=previous, delta=False)  # fmt: skip
        for n in range(7):
            files.write(listing(de, sku=f"SKU-{n}"))
        files.finish(7, {})
    # Seven items and one deletion (a product the last feed had): 3 + 3 + 2 messages.
    assert [p["items"] for p in files.parts] == [3, 3, 2]
    names = [Path(p["path"]).name for p in files.parts]
    assert names[:3] == ["amazon-0001.json", "amazon-0002.json", "amazon-0003.json"]
    last = json.loads(Path(files.parts[-1]["path"]).read_text())
    assert last["messages"][-1] == {"messageId": len(last["messages"]), "sku": "GONE-1",
                                    "operationType": "DELETE"}  # fmt: skip
    assert all(p["valid"] for p in files.parts)


def test_amazon_file_check_trusts_only_messages_the_writer_checked(tmp_path: Path) -> None:
    de = CONFIG.market("DE")
    context = WriterContext(
        channel=CONFIG.channels["amazon"], categories=CATEGORIES.for_channel("amazon", "DE")
    )
    data, _ = write("amazon", de, [listing(de, sku=f"SKU-{n}") for n in range(3)], context)
    path = tmp_path / "amazon-0001.json"
    path.write_bytes(data)
    cls = writer_class("amazon")
    assert len(context.checked) == 3
    assert cls.check_file(path, context.checked) == []
    # A message changed after the writer checked it is checked in full, and caught.
    path.write_bytes(data.replace(b'"currency":"EUR"', b'"currency":"EURO"', 1))
    assert any("EURO" in p for p in cls.check_file(path, context.checked))
    path.write_bytes(data.replace(b'"messageId":2', b'"messageId":7', 1))
    assert any("messageId" in p for p in cls.check_file(path, context.checked))


def test_ebay_file_check_trusts_only_items_the_writer_checked(tmp_path: Path) -> None:
    de = CONFIG.market("DE")
    context = WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    data, _ = write("ebay", de, [listing(de, sku=f"SKU-{n}") for n in range(30)], context)
    path = tmp_path / "ebay.jsonl"
    path.write_bytes(data)
    cls = writer_class("ebay")
    assert cls.check_file(path, context.checked) == []
    path.write_bytes(data.replace(b'"condition":"NEW"', b'"condition":"USED"', 1))
    assert any("USED" in p for p in cls.check_file(path, context.checked))


def test_allegro_file_check_trusts_only_offers_the_writer_checked(tmp_path: Path) -> None:
    pl = CONFIG.market("PL")
    context = WriterContext(categories=CATEGORIES.for_channel("allegro", "PL"))
    data, _ = write("allegro", pl, [listing(pl, sku=f"SKU-{n}") for n in range(3)], context)
    path = tmp_path / "allegro.jsonl"
    path.write_bytes(data)
    cls = writer_class("allegro")
    assert len(context.checked) == 3 and cls.check_file(path, context.checked) == []
    path.write_bytes(data.replace(b'"currency":"PLN"', b'"currency":"EUR"', 1))
    assert cls.check_file(path, context.checked)


@pytest.mark.parametrize("channel", sorted(CHANNEL_MARKET))
def test_markup_after_decoding_and_invisible_characters_are_reported(
    channel: str, tmp_path: Path
) -> None:
    market = market_for(channel)
    sneaky = listing(
        market,
        title="Nordquell Trail\u202e Bottle 750 ml",
        description="<p>Gut &lt;script&gt;alert(1)&lt;/script&gt; und dicht.</p>",
        brand="Nord\u2066quell",
        bullet_points=("Bio &lt;b&gt;frisch", "24 Stunden kalt"),
    )
    data, [found] = write(channel, market, [sneaky])
    assert check(channel, data, tmp_path) == []
    text = data.decode()
    for unsafe in ("\u202e", "\u2066", "<script", "&lt;script", "\\u003cscript"):
        assert unsafe not in text, unsafe
    reported = {(f.rule, f.message.split(":")[0]) for f in found if f.severity == "warning"}
    if channel == "mobile_cn":  # no description; selling points from the bullet points
        assert "Bio frisch" in text and ("markup_removed", "selling_points") in reported
    elif channel != "bol":  # a bol.com offer carries no description
        assert "Gut alert(1) und dicht." in text
        description_field = {"amazon": "product_description", "ebay": "product.description"}
        field = description_field.get(channel, "description")
        assert ("markup_removed", field) in reported, reported
    if channel != "allegro":  # the title is Allegro's "name"
        title_field = {
            "amazon": "item_name",
            "ebay": "product.title",
            "bol": "unknownProductTitle",
        }.get(channel, "title")
        assert ("invisible_characters_removed", title_field) in reported, reported
    if channel not in {"allegro", "mobile_cn", "bol"}:  # none sends a brand
        assert {r for r, field in reported if "brand" in field or field == "manufacturer"} == {
            "invisible_characters_removed"
        }
