"""The JSON Schema checks (`feeds.checks`): compiled schemas, exact decimals, Amazon's
byte limit, and a failing item left out with its reason in ``path: message`` form."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feeds.checks import SCHEMAS, schema_problems, validator_for
from tests.unit.feeds.test_channels import GOLDEN, listing, market_for, write

ITEM_DEFINITIONS = [
    ("amazon_listings_feed", "message"),
    ("ebay_inventory", "inventory_item"),
    ("mobile_cn", "item"),
]
"""The per-item checks the writers run on a definition of a file's schema."""


def golden_lines(name: str) -> list[Any]:
    text = (GOLDEN / name).read_text(encoding="utf-8")
    return [json.loads(line, parse_float=Decimal) for line in text.splitlines()]


def bol_offer() -> dict[str, Any]:
    offer: dict[str, Any] = golden_lines("bol.jsonl")[0]
    return offer


def amazon_message() -> dict[str, Any]:
    feed = json.loads((GOLDEN / "amazon.json").read_text(encoding="utf-8"), parse_float=Decimal)
    message: dict[str, Any] = copy.deepcopy(feed["messages"][0])
    return message


@pytest.mark.parametrize(
    ("schema", "definition"),
    [(p.name.removesuffix(".schema.json"), None) for p in sorted(SCHEMAS.glob("*.schema.json"))]
    + ITEM_DEFINITIONS,
)
def test_every_schema_compiles(schema: str, definition: str | None) -> None:
    """Compiling checks the schema against its meta-schema, patterns as ECMA-262 regexes."""
    assert validator_for(schema, definition) is validator_for(schema, definition)


def test_golden_items_have_no_problems() -> None:
    feed = json.loads((GOLDEN / "amazon.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert schema_problems("amazon_listings_feed", feed) == []
    assert all(
        schema_problems("amazon_listings_feed", m, "message") == [] for m in feed["messages"]
    )
    for line in golden_lines("ebay.jsonl"):
        assert schema_problems("ebay_inventory", line) == []
        for item in line.get("body", {}).get("requests", []):
            assert schema_problems("ebay_inventory", item, "inventory_item") == []
        for offer in line.get("offers", []):
            assert schema_problems("ebay_inventory", offer, "offer") == []
    assert all(schema_problems("bol_offer", o) == [] for o in golden_lines("bol.jsonl"))
    assert all(schema_problems("allegro_offer", o) == [] for o in golden_lines("allegro.jsonl"))
    cn = json.loads((GOLDEN / "mobile_cn.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert schema_problems("mobile_cn", cn) == []


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        ("24.90", None),
        ("1", None),
        ("9999.00", None),
        ("24.905", "24.905 is not a multiple of 0.01"),
        ("0.99", "0.99 is less than the minimum of 1"),
        ("9999.01", "9999.01 is greater than the maximum of 9999"),
        # As a float this is 9999.0 and would pass; the check reads the decimal as it is.
        ("9999.000000000000000000001", "is greater than the maximum of 9999"),
    ],
)
def test_decimal_prices_are_judged_exactly(price: str, problem: str | None) -> None:
    offer = bol_offer()
    offer["pricing"]["bundlePrices"][0]["unitPrice"] = Decimal(price)
    found = schema_problems("bol_offer", offer)
    if problem is None:
        assert found == []
    else:
        where = "pricing/bundlePrices/0/unitPrice: "
        assert found and all(m.startswith(where) for m in found)
        assert any(problem in m for m in found)


def test_every_cent_is_a_multiple_of_a_cent() -> None:
    """``multipleOf: 0.01`` in floating point fails 0.07, 1.15, ...; decimals never do."""
    offer = bol_offer()
    for cents in range(100, 100_000, 7):
        offer["pricing"]["bundlePrices"][0]["unitPrice"] = Decimal(cents) / 100
        assert schema_problems("bol_offer", offer) == [], cents


@pytest.mark.parametrize(("text", "valid"), [("ä" * 5000, True), ("ä" * 5000 + "a", False)])
def test_amazon_counts_the_description_in_utf8_bytes(text: str, valid: bool) -> None:
    message = {**amazon_message(), "messageId": 1}
    message["attributes"]["product_description"][0]["value"] = text
    found = schema_problems("amazon_listings_feed", message, "message")
    expected = "attributes/product_description/0/value: 10001 UTF-8 bytes, more than 10000"
    assert found == ([] if valid else [expected])


def test_a_pattern_matches_the_whole_value() -> None:
    """ECMA-262 ``$`` is the end of the value; Python's ``re`` also let a final newline by."""
    offer = bol_offer()
    offer["ean"] += "\n"
    [message] = schema_problems("bol_offer", offer)
    assert message.startswith('ean: "') and "does not match" in message


def test_problems_say_where_and_what_at_most_limit() -> None:
    found = schema_problems("bol_offer", {"ean": "123"}, limit=3)
    assert len(found) == 3 and found == sorted(found)
    assert all(p.startswith(("(document): ", "ean: ")) for p in found)
    assert schema_problems("bol_offer", []) == ['(document): [] is not of type "object"']


@pytest.mark.parametrize("channel", ["amazon", "ebay", "allegro", "bol"])
def test_an_item_that_breaks_the_schema_is_left_out_with_its_reason(channel: str) -> None:
    market = market_for(channel)
    sku = "GZ-" + "X" * 120
    data, [found] = write(channel, market, [listing(market, sku=sku, link=market.link_for(sku))])
    [finding] = [f for f in found if f.severity == "error"]
    assert finding.rule == "schema_invalid"
    assert f'"{sku}" is longer than' in finding.message
    assert sku.encode() not in data


def test_the_mobile_feed_is_checked_a_line_at_a_time_and_still_catches_a_bad_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The golden file is laid out as the writer writes it: the streamed check passes it
    without reading the whole file; a broken item, or a head the schema refuses, sends
    it to the whole-file check, which names the problem."""
    from feeds import checks
    from feeds.mobile_cn import MobileStorefrontFeed

    golden = (GOLDEN / "mobile_cn.json").read_bytes()
    path = tmp_path / "mobile_cn.json"
    path.write_bytes(golden)
    whole_file_reads: list[Path] = []
    real_read = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        whole_file_reads.append(self)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    assert MobileStorefrontFeed.check_file(path) == []
    assert whole_file_reads == []  # streamed: the file was never read whole

    lines = golden.split(b"\n")
    broken = json.loads(lines[1].rstrip(b","))
    broken["price"] = "cheap"
    lines[1] = json.dumps(broken, ensure_ascii=False).encode() + b","
    path.write_bytes(b"\n".join(lines))
    problems = MobileStorefrontFeed.check_file(path)
    assert problems and problems[0].startswith("items/0/price")
    path.write_bytes(golden.replace(b'"locale":"zh_CN"', b'"locale":"zh-CN"', 1))
    assert MobileStorefrontFeed.check_file(path) == [
        'locale: "zh-CN" does not match "^[a-z]{2}_[A-Z]{2}$"'
    ]
    # Another layout of the same JSON: checked as a whole, and it passes.
    path.write_text(json.dumps(json.loads(golden), indent=2), encoding="utf-8")
    whole_file_reads.clear()
    assert checks.json_file_problems(path, "mobile_cn", items="item") == []
    assert whole_file_reads == [path]
