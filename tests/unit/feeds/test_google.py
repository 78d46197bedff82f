from __future__ import annotations

import io
from decimal import Decimal

from lxml import etree

from feeds.google import G_NS, GoogleMerchantFeed
from pipeline.channels import writer_class
from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import Money, Quantity
from tests.conftest import ROOT

MARKET = load_config(ROOT / "config" / "markets.toml", env={}).market("DE")
G = f"{{{G_NS}}}"


def listing(**changes: object) -> Listing:
    values: dict[str, object] = {
        "sku": "GZ-1",
        "market": "DE",
        "locale": "de_DE",
        "text_locale": "de_DE",
        "title": "Trinkflasche 750 ml",
        "description": "<p>Doppelwandig &amp; dicht.</p><ul><li>750 ml</li></ul>",
        "link": "https://shop.example/p/GZ-1",
        "price": Money(Decimal("24.9"), "EUR"),
        "availability": "in_stock",
        "image_links": ("https://cdn.example/1.jpg", "https://cdn.example/2.jpg"),
        "brand": "Nordquell",
        "gtin": "4006381333931",
        "weight": Quantity(Decimal("0.430"), "kg"),
        "bullet_points": ("24 Stunden kalt",),
    }
    values.update(changes)
    return Listing(**values)  # type: ignore[arg-type]


def write(*listings: Listing) -> tuple[etree._Element, list[list[object]], bytes]:
    buffer = io.BytesIO()
    writer = GoogleMerchantFeed(buffer, MARKET)
    writer.write_header()
    findings = [writer.write_item(item) for item in listings]
    writer.write_footer()
    writer.close()
    data = buffer.getvalue()
    return etree.fromstring(data), findings, data  # type: ignore[return-value]


def test_registry_returns_the_google_writer() -> None:
    assert writer_class("google") is GoogleMerchantFeed


def test_feed_is_rss2_with_g_namespace_and_required_attributes() -> None:
    root, findings, _ = write(listing())
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap["g"] == G_NS
    [item] = root.findall("channel/item")
    text = {child.tag.removeprefix(G): child.text for child in item}
    assert text["id"] == "GZ-1"
    assert text["price"] == "24.90 EUR"
    assert text["availability"] == "in_stock"
    assert text["description"] == "Doppelwandig & dicht.\n750 ml"
    assert text["gtin"] == "4006381333931"
    assert text["image_link"] == "https://cdn.example/1.jpg"
    assert item.findtext(f"{G}additional_image_link") == "https://cdn.example/2.jpg"
    assert text["shipping_weight"] == "0.43 kg"
    assert text["product_highlight"] == "24 Stunden kalt"
    assert "identifier_exists" not in text
    assert findings == [[]]


def test_identifier_rules() -> None:
    root, _, _ = write(listing(gtin=None, mpn="NQ-750"), listing(sku="GZ-2", gtin=None, mpn=None))
    first, second = root.findall("channel/item")
    assert first.findtext(f"{G}mpn") == "NQ-750"
    assert first.find(f"{G}identifier_exists") is None
    assert second.findtext(f"{G}identifier_exists") == "no"


def test_items_breaking_google_rules_are_left_out_or_lose_a_wrong_gtin_with_findings() -> None:
    root, findings, _ = write(
        listing(sku="BAD-GTIN", gtin="4006381333932", title="Thermosflasche"),
        listing(sku="NO-BRAND", brand=None),
        listing(sku="NO-IMAGE", image_links=()),
        listing(sku="OK"),
    )
    items = root.findall("channel/item")
    assert [i.findtext(f"{G}id") for i in items] == ["BAD-GTIN", "OK"]
    # A wrong GTIN is left out, not sent, and the item does not claim to have none.
    assert items[0].find(f"{G}gtin") is None
    assert items[0].find(f"{G}identifier_exists") is None
    rules = [[(f.field, f.rule, f.severity) for f in found] for found in findings]  # type: ignore[attr-defined]
    assert rules == [
        [("gtin", "invalid_gtin_left_out", "warning")],
        [("brand", "missing_brand", "error")],
        [("image_link", "missing_image_link", "error")],
        [],
    ]


def test_long_texts_are_cut_at_words_and_reported() -> None:
    title = "Trinkflasche " + "sehr " * 40 + "lang"
    root, findings, _ = write(listing(title=title, description="Wort " * 1200))
    item = root.find("channel/item")
    assert item is not None
    cut_title = item.findtext(f"{G}title")
    assert cut_title is not None and len(cut_title) <= 150 and cut_title.endswith("sehr")
    cut_description = item.findtext(f"{G}description")
    assert (
        cut_description is not None
        and len(cut_description) <= 5000
        and cut_description.endswith("Wort")
    )
    assert [(f.field, f.rule, f.severity) for f in findings[0]] == [  # type: ignore[attr-defined]
        ("title", "title_shortened", "warning"),
        ("description", "text_shortened", "warning"),
    ]


def test_characters_illegal_in_xml_are_removed() -> None:
    root, findings, data = write(listing(title="Lamp\x07 \x1b[1mBright"))
    title = root.find("channel/item").findtext(f"{G}title")  # type: ignore[union-attr]
    assert title == "Nordquell Lamp [1mBright"  # the brand leads (the channel's title rule)
    [warning] = findings[0]
    assert (warning.field, warning.rule) == ("title", "invisible_characters_removed")  # type: ignore[attr-defined]
    assert "U+0007" in warning.message and "U+001B" in warning.message  # type: ignore[attr-defined]
    assert b"\x07" not in data


def test_price_rounds_half_up_to_minor_units() -> None:
    root, _, _ = write(listing(price=Money(Decimal("8.325"), "EUR")))
    assert root.find("channel/item").findtext(f"{G}price") == "8.33 EUR"  # type: ignore[union-attr]


def test_same_input_gives_identical_bytes() -> None:
    assert write(listing(), listing(sku="GZ-2"))[2] == write(listing(), listing(sku="GZ-2"))[2]


def test_size_unit_pricing_and_weight_attributes() -> None:
    root, _, _ = write(
        listing(
            size="7",
            size_system="UK",
            unit_pricing_measure="750 ml",
            unit_pricing_base_measure="1 l",
            weight=Quantity(Decimal("1.10231"), "lb"),
        )
    )
    item = root.find("channel/item")
    assert item is not None
    assert item.findtext(f"{G}size") == "7"
    assert item.findtext(f"{G}size_system") == "UK"
    assert item.findtext(f"{G}unit_pricing_measure") == "750 ml"
    assert item.findtext(f"{G}unit_pricing_base_measure") == "1 l"
    assert item.findtext(f"{G}shipping_weight") == "1.1 lb"


def test_condition_goes_on_every_item() -> None:
    root, _, _ = write(listing(), listing(sku="GZ-2", condition="refurbished"))
    assert [i.findtext(f"{G}condition") for i in root.iter("item")] == ["new", "refurbished"]


def test_variant_attributes_in_googles_names_and_values() -> None:
    shirt = listing(
        sku="TS-M",
        group="tshirt-basic",
        varies_by=("color", "size"),
        size="M",
        attributes={
            "color": "navy",
            "material-de_DE": "Baumwolle",
            "pattern": "gestreift",
            "gender": "Damen",
            "age_group": "adult",
        },
    )
    odd = listing(sku="TS-X", attributes={"gender": "dogs", "age_group": "teens"})
    root, findings, _ = write(shirt, odd)
    first, second = root.iter("item")
    values = {child.tag.removeprefix(G): child.text for child in first}
    assert {k: values.get(k) for k in ("item_group_id", "color", "material", "pattern")} == {
        "item_group_id": "tshirt-basic",
        "color": "navy",
        "material": "Baumwolle",
        "pattern": "gestreift",
    }
    assert (values["gender"], values["age_group"], values["size"]) == ("female", "adult", "M")
    assert "size_system" not in values  # M needs none; the market's default applies
    tags = [child.tag.removeprefix(G) for child in first]
    order = ["item_group_id", "color", "material", "pattern", "gender", "age_group", "size"]
    assert [t for t in tags if t in order] == order
    assert {child.tag.removeprefix(G) for child in second}.isdisjoint(
        {"item_group_id", "gender", "age_group", "size"}
    )
    assert findings == [[], []]


def test_a_listing_without_a_group_keeps_its_volume_out_of_size() -> None:
    root, _, _ = write(listing(volume=Quantity(Decimal("750"), "ml")))
    assert root.find(f"channel/item/{G}size") is None


def test_shipping_is_left_out_where_the_account_holds_it() -> None:
    us = load_config(ROOT / "config" / "markets.toml", env={}).market("US")
    buffer = io.BytesIO()
    writer = GoogleMerchantFeed(buffer, us)
    writer.write_header()
    assert writer.write_item(listing(price=Money(Decimal("24.90"), "USD"))) == []
    writer.write_footer()
    assert b"g:shipping>" not in buffer.getvalue()
