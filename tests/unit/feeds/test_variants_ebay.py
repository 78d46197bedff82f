"""`feeds.ebay` with product groups: each variant an inventory item with its varying
aspects, each group one inventory item group after its items (golden file
``tests/cases/feeds/variants/ebay.jsonl``, from `tests.unit.feeds.variant_groups`).

Regenerate the golden file with ``GRENZENLOS_UPDATE_GOLDEN=1 pytest
tests/unit/feeds/test_variants_ebay.py`` and read the diff before committing it.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from feeds.checks import schema_problems
from feeds.contract import WriterContext
from feeds.ebay import EbayInventoryFeed
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from tests.conftest import CASES, ROOT
from tests.ebay_api_server import contract_validator
from tests.unit.feeds.variant_groups import DAYPACK, OIL, group_listings

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
MARKET = CONFIG.market("DE")
EBAY_CATEGORIES = load_category_map(ROOT / "config" / "categories.toml").for_channel("ebay", "DE")
GOLDEN = CASES / "feeds" / "variants" / "ebay.jsonl"
OIL_SKUS = ["GZ-OIL-0061", "GZ-OIL-0065", "GZ-OIL-0069"]


def write(
    listings: list[Listing], context: WriterContext | None = None
) -> tuple[bytes, list[list[Finding]]]:
    context = context or WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    buffer = io.BytesIO()
    writer = EbayInventoryFeed(buffer, MARKET, context)
    writer.write_header()
    findings = [writer.write_item(listing) for listing in listings]
    writer.write_footer()
    writer.close()
    return buffer.getvalue(), findings


def lines_of(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def items_of(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        item["sku"]: item for line in lines if "body" in line for item in line["body"]["requests"]
    }


def groups_of(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        line["inventoryItemGroupKey"]: line["inventoryItemGroup"]
        for line in lines
        if "inventoryItemGroup" in line
    }


@pytest.fixture(scope="module")
def written() -> bytes:
    data, findings = write(group_listings(MARKET))
    assert [f for found in findings for f in found if f.severity == "error"] == []
    return data


def test_golden_file(written: bytes, tmp_path: Path) -> None:
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(written)
    assert written == GOLDEN.read_bytes()
    path = tmp_path / "ebay.jsonl"
    path.write_bytes(written)
    assert EbayInventoryFeed.check_file(path) == []


def test_each_variant_carries_its_varying_values_and_condition(written: bytes) -> None:
    items = items_of(lines_of(written))
    assert len(items) == 9
    assert items["GZ-BAC-0013"]["product"]["aspects"] == {
        "Brand": ["Bergfink"],
        "Volume": ["18 l"],
        "Color": ["black"],
    }
    assert items["GZ-BAC-0018"]["product"]["aspects"]["Color"] == ["red"]
    assert items["GZ-OIL-0065"]["product"]["aspects"] == {
        "Brand": ["Olivera"],
        "Volume": ["500 ml"],
    }
    assert {item["condition"] for item in items.values()} == {"NEW"}


def test_one_group_line_per_group_after_its_items(written: bytes) -> None:
    lines = lines_of(written)
    kinds = [
        "group"
        if "inventoryItemGroup" in line
        else "offers"
        if "offers" in line
        else "publish"
        if "publishInventoryItemGroup" in line
        else "items"
        for line in lines
    ]
    assert kinds == ["items", "group", "group", "offers", "publish", "publish"]
    groups = groups_of(lines)
    assert list(groups) == [DAYPACK, OIL]
    for line in lines[1:4]:
        assert (line["marketplaceId"], line["contentLanguage"]) == ("EBAY_DE", "de-DE")
    assert {line["marketplaceId"] for line in lines[4:]} == {"EBAY_DE"}  # no language to say
    daypack, oil = groups[DAYPACK], groups[OIL]
    assert daypack["variantSKUs"] == [f"GZ-BAC-{n:04d}" for n in range(13, 19)]
    assert daypack["variesBy"] == {
        "aspectsImageVariesBy": ["Color"],
        "specifications": [
            {"name": "Volume", "values": ["18 l", "24 l", "30 l"]},
            {"name": "Color", "values": ["black", "red"]},
        ],
    }
    assert daypack["title"] == "Bergfink Daypack"
    assert daypack["aspects"] == {"Brand": ["Bergfink"]}  # shared; not what varies
    assert len(daypack["imageUrls"]) == 6
    assert oil["variantSKUs"] == ["GZ-OIL-0061", "GZ-OIL-0065", "GZ-OIL-0069"]
    assert oil["variesBy"] == {
        "specifications": [{"name": "Volume", "values": ["250 ml", "500 ml", "1.000 ml"]}]
    }
    assert oil["title"] == "Olivera Natives Olivenöl Extra Koroneiki"


def test_every_line_keeps_our_schema_and_eBays_contract(written: bytes) -> None:
    bulk, group = contract_validator("BulkInventoryItem"), contract_validator("InventoryItemGroup")
    offer = contract_validator("EbayOfferDetailsWithKeys")
    publish = contract_validator("PublishByInventoryItemGroupRequest")
    for line in lines_of(written):
        assert schema_problems("ebay_inventory", line) == []
        if "body" in line:
            assert list(bulk.iter_errors(line["body"])) == []
        elif "offers" in line:
            for each in line["offers"]:
                assert list(offer.iter_errors(each)) == []
        elif "publishInventoryItemGroup" in line:
            request = {
                "inventoryItemGroupKey": line["publishInventoryItemGroup"],
                "marketplaceId": line["marketplaceId"],
            }
            assert list(publish.iter_errors(request)) == []
        else:
            assert list(group.iter_errors(line["inventoryItemGroup"])) == []
    unfixed = contract_validator("InventoryItemGroup", errata=False)
    assert list(unfixed.iter_errors(groups_of(lines_of(written))[DAYPACK]))  # still needed


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("new", "NEW"), ("used", "USED_EXCELLENT"), ("refurbished", "SELLER_REFURBISHED")],
)
def test_the_condition_is_eBays(condition: str, expected: str) -> None:
    data, _ = write([replace(group_listings(MARKET)[0], condition=condition)])  # type: ignore[arg-type]
    assert items_of(lines_of(data))["GZ-BAC-0013"]["condition"] == expected
    assert schema_problems("ebay_inventory", lines_of(data)[0]) == []


def test_a_delta_run_sends_a_group_when_one_of_its_variants_changed() -> None:
    full = WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    write(group_listings(MARKET), full)
    listings = group_listings(MARKET)
    listings[2] = replace(listings[2], description="<p>Neu: mit Regenhülle.</p>")
    delta = WriterContext(
        channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES, previous=dict(full.hashes)
    )

    data, _ = write(listings, delta)

    lines = lines_of(data)
    assert list(items_of(lines)) == ["GZ-BAC-0015"]
    groups = groups_of(lines)
    assert list(groups) == [DAYPACK]  # no oil changed: its group is not sent again
    # eBay replaces the whole group: the unchanged variants stay in it.
    assert groups[DAYPACK]["variantSKUs"] == [f"GZ-BAC-{n:04d}" for n in range(13, 19)]
    assert len(groups[DAYPACK]["variesBy"]["specifications"][1]["values"]) == 2
    assert delta.unchanged == 8


def test_a_variant_without_a_value_its_group_varies_by_is_left_out() -> None:
    listings = group_listings(MARKET)
    listings[0] = replace(listings[0], attributes={"material": "recycled polyester"})
    data, findings = write(listings)
    [error] = [f for f in findings[0] if f.severity == "error"]
    assert (error.rule, error.field) == ("schema_invalid", "product.aspects")
    assert "needs the Color (color)" in error.message
    groups = groups_of(lines_of(data))
    assert "GZ-BAC-0013" not in items_of(lines_of(data))
    assert groups[DAYPACK]["variantSKUs"][0] == "GZ-BAC-0014"


def test_the_file_check_wants_each_group_after_its_items(written: bytes, tmp_path: Path) -> None:
    first, *groups = written.decode().splitlines()
    path = tmp_path / "ebay.jsonl"
    path.write_text("\n".join([*groups, first]) + "\n", encoding="utf-8")
    [problem] = EbayInventoryFeed.check_file(path)
    assert problem == "line 6: inventory items after the group of line 1"


def test_the_variants_offers_are_written_unpublished_after_the_groups(written: bytes) -> None:
    *_, last, daypack, oil = lines_of(written)
    assert last["publish"] is False  # not one by one: each group is one listing
    assert (daypack["publishInventoryItemGroup"], oil["publishInventoryItemGroup"]) == (
        DAYPACK,
        OIL,
    )
    assert daypack["variantSKUs"] == [f"GZ-BAC-{n:04d}" for n in range(13, 19)]
    offers = {offer["sku"]: offer for offer in last["offers"]}
    assert list(offers) == [*(f"GZ-BAC-{n:04d}" for n in range(13, 19)), *OIL_SKUS]
    assert {o["categoryId"] for sku, o in offers.items() if sku.startswith("GZ-BAC")} == {
        "52357"  # config/categories.toml: bags
    }
