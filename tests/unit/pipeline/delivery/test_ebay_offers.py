"""eBay's offers (`pipeline.delivery.ebay_inventory.offers`) against `tests.ebay_api_server`,
held to eBay's Sell Inventory API contract 1.18.2: files from the project's own writer,
offers created, updated and published with their regulatory block and France's
eco-participation, eBay's per-offer errors as issues, and a retry that creates no offer
twice."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from feeds.contract import WriterContext
from pipeline.channels import writer_class
from pipeline.deliver import marketplace_findings
from pipeline.delivery.ebay_inventory.calls import InventoryProgress
from pipeline.delivery.outcome import DeliveryError, MarketplaceIssue
from pipeline.delivery.records import DeliveryRecord
from tests.ebay_api_server import EbayApiServer
from tests.unit.feeds.variant_groups import DAYPACK, OIL
from tests.unit.pipeline.delivery.test_ebay_inventory import (
    CONFIG,
    DAYPACK_SKUS,
    EBAY_CATEGORIES,
    deliver,
    listing,
    sku,
    written_group_file,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemas.listing import Listing

HEADPHONES = {
    "responsible_person_id": "klangwerk_eu",
    "eco_participation_fee": "0.42",
    "repairability_index": "7,9",
}
"""A Klangwerk product (manufacturer in China, EU responsible person in the Netherlands,
config/markets.toml) with France's eco-participation and repairability index."""


@pytest.fixture
def ebay() -> Iterator[EbayApiServer]:
    server = EbayApiServer().start()
    yield server
    server.stop()


def headphones(number: int, market_code: str = "FR") -> Listing:
    market = CONFIG.market(market_code)
    return replace(
        listing(market, number),
        sku=f"GZ-KOP-{number:04d}",
        brand="Klangwerk",
        title=f"Klangwerk Kopfhörer Nr. {number}",
        categories=("audio",),
        attributes=HEADPHONES,
    )


def written(listings: list[Listing], market_code: str = "FR") -> list[str]:
    """The lines of the ``ebay.jsonl`` `feeds.ebay` writes for ``listings``."""
    market = CONFIG.market(market_code)
    buffer = io.BytesIO()
    context = WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    writer = writer_class("ebay")(buffer, market, context)
    writer.write_header()
    for item in listings:
        assert [f for f in writer.write_item(item) if f.severity == "error"] == []
    writer.write_footer()
    writer.close()
    return buffer.getvalue().decode().splitlines()


def offers_of(server: EbayApiServer) -> dict[str, dict[str, Any]]:
    """The offers the server holds, by sku."""
    return {offer["sku"]: offer for offer in server.offers.values()}


def test_offers_arrive_with_their_regulatory_block_and_the_FR_eco_fee(ebay: EbayApiServer) -> None:
    lines = written([headphones(n) for n in range(1, 4)])
    assert [("body" in line, '"offers":[' in line) for line in lines] == [
        (True, False),
        (False, True),
    ]

    outcome, _, records = deliver(ebay, lines)

    assert ebay.problems == []
    # Each sku looked up, then one bulkCreateOffer, then one bulkPublishOffer: after the items.
    operations = [c.path.split("?")[0].rsplit("/", 1)[-1] for c in ebay.calls[1:]]
    assert operations == [
        "bulk_create_or_replace_inventory_item",
        "offer",
        "offer",
        "offer",
        "bulk_create_offer",
        "bulk_publish_offer",
    ]
    [create] = ebay.offer_calls("bulkCreateOffer")
    assert create.headers["content-language"] == "fr-FR"
    sent = create.body["requests"][0]
    assert (sent["marketplaceId"], sent["format"], sent["categoryId"]) == (
        "EBAY_FR",
        "FIXED_PRICE",
        "112529",  # config/categories.toml, audio
    )
    assert sent["pricingSummary"] == {"price": {"currency": "EUR", "value": "24.90"}}
    assert sent["extendedProducerResponsibility"] == {
        "ecoParticipationFee": {"currency": "EUR", "value": "0.42"}
    }
    regulatory = sent["regulatory"]
    assert regulatory["manufacturer"]["companyName"] == "Klangwerk Audio Technology Co., Ltd."
    assert regulatory["manufacturer"]["country"] == "CN"
    [person] = regulatory["responsiblePersons"]
    assert (person["companyName"], person["types"]) == (
        "Klangwerk Europe B.V.",
        ["EUResponsiblePerson"],
    )
    assert regulatory["repairScore"] == 7.9
    held = offers_of(ebay)
    assert set(held) == {f"GZ-KOP-{n:04d}" for n in range(1, 4)}
    assert {o["status"] for o in held.values()} == {"PUBLISHED"}
    assert held["GZ-KOP-0001"]["regulatory"] == regulatory
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("accepted", 6, 6)
    assert outcome.detail == "eBay took 3 of 3 inventory items in 1 call and 3 of 3 offers."
    assert records[1]["call"] == "offers"
    assert set(records[1]["offerIds"]) == set(held) and records[1]["unpublished"] == []


def test_the_next_delivery_updates_the_offers_and_creates_none(ebay: EbayApiServer) -> None:
    deliver(ebay, written([headphones(n) for n in range(1, 3)]))
    ids = {sku: offer["offerId"] for sku, offer in offers_of(ebay).items()}
    cheaper = [
        replace(item, price=replace(item.price, amount=item.price.amount - 5))
        for item in (headphones(n) for n in range(1, 3))
    ]

    outcome, _, _ = deliver(ebay, written(cheaper))

    assert ebay.problems == []
    assert len(ebay.offer_calls("bulkCreateOffer")) == 1  # the first delivery's
    updates = ebay.offer_calls("updateOffer")
    assert sorted(c.path.rsplit("/", 1)[-1] for c in updates) == sorted(ids.values())
    assert "sku" not in updates[0].body  # EbayOfferDetailsWithId: the keys are the offer's
    assert {o["pricingSummary"]["price"]["value"] for o in offers_of(ebay).values()} == {"19.90"}
    # Published already: updateOffer revised the listings, nothing is published again.
    assert len(ebay.offer_calls("bulkPublishOffer")) == 1
    assert outcome.verdict == "accepted"


def test_a_retry_after_a_failed_publish_creates_no_offer_twice(ebay: EbayApiServer) -> None:
    lines = written([headphones(n) for n in range(1, 4)])
    ebay.fail_offer_call("bulkPublishOffer", times=4)  # every attempt of the first try
    stored: dict[str, Any] = {"calls": {}}

    def checkpoint(index: int, record: dict[str, Any]) -> None:
        stored["calls"][str(index)] = json.loads(json.dumps(record))  # as the record keeps it

    with pytest.raises(DeliveryError, match="bulkPublishOffer call"):
        deliver(ebay, lines, checkpoint=checkpoint)
    assert len(ebay.offer_calls("bulkCreateOffer")) == 1
    assert {o["status"] for o in ebay.offers.values()} == {"UNPUBLISHED"}
    progress = msgspec.convert(stored, InventoryProgress)  # what the sender resumes from
    assert progress.calls["1"].pending is True
    looked_up = len(ebay.offer_calls("getOffers"))

    done = {int(k): msgspec.to_builtins(v) for k, v in progress.calls.items()}
    outcome, _, _ = deliver(ebay, lines, done=done)

    assert ebay.problems == []
    assert len(ebay.offer_calls("bulkCreateOffer")) == 1  # not again
    assert len(ebay.offer_calls("getOffers")) == looked_up  # the ids came from the record
    assert len(ebay.bulk_calls()) == 1  # the items' line was finished
    assert len(offers_of(ebay)) == 3
    assert {o["status"] for o in ebay.offers.values()} == {"PUBLISHED"}
    assert outcome.verdict == "accepted" and outcome.accepted == 6


def test_a_retry_without_the_record_finds_the_offers_eBay_holds(ebay: EbayApiServer) -> None:
    lines = written([headphones(n) for n in range(1, 3)])
    ebay.fail_offer_call("bulkPublishOffer", times=4)
    with pytest.raises(DeliveryError):
        deliver(ebay, lines)

    outcome, _, _ = deliver(ebay, lines)  # a crash lost every checkpoint

    assert ebay.problems == []
    assert len(ebay.offer_calls("bulkCreateOffer")) == 1
    assert len(ebay.offer_calls("updateOffer")) == 2
    assert len(offers_of(ebay)) == 2
    assert {o["status"] for o in ebay.offers.values()} == {"PUBLISHED"}
    assert outcome.verdict == "accepted"


def test_an_offer_eBay_will_not_publish_is_a_marketplace_finding(ebay: EbayApiServer) -> None:
    ebay.refuse_offer(
        "GZ-KOP-0002",
        "bulkPublishOffer",
        25007,
        "Invalid Shipping policy information.",
        "fulfillmentPolicyId",
    )
    ebay.warn("GZ-KOP-0003", 25037, "Item level Eco Participation Fee will be ignored")

    outcome, _, records = deliver(ebay, written([headphones(n) for n in range(1, 4)]))

    assert ebay.problems == []
    assert outcome.verdict == "refused"
    assert outcome.refused_skus == ["GZ-KOP-0002"]
    record = DeliveryRecord(market="FR", channel="ebay", file="ebay.jsonl", sha256="0" * 64)
    findings = [f for f in marketplace_findings(record, outcome)]
    assert [(f.stage, f.severity, f.sku, f.rule, f.field) for f in findings] == [
        ("marketplace", "warning", "GZ-KOP-0003", "25037", ""),  # the item's bulk call
        ("marketplace", "error", "GZ-KOP-0002", "25007", "fulfillmentPolicyId"),
        ("marketplace", "warning", "GZ-KOP-0003", "25037", ""),  # and its publishing
    ]
    assert offers_of(ebay)["GZ-KOP-0002"]["status"] == "UNPUBLISHED"
    assert records[1]["unpublished"] == ["GZ-KOP-0002"]
    assert outcome.detail == (
        "eBay took 3 of 3 inventory items in 1 call and 2 of 3 offers; 1 refused, 1 with warnings."
    )


def test_the_server_refuses_an_offer_without_the_fields_eBay_requires(
    ebay: EbayApiServer,
) -> None:
    items, offers = written([headphones(1)])
    document = json.loads(offers)
    del document["offers"][0]["format"]

    outcome, _, _ = deliver(ebay, [items, json.dumps(document)])

    assert ebay.offers == {}
    assert outcome.issues == [
        MarketplaceIssue(
            "GZ-KOP-0001", "error", "25735", "", "Invalid SKU, marketplaceId or format."
        )
    ]
    assert ebay.problems == ["bulkCreateOffer with an offer without sku, marketplaceId or format"]


def test_publishing_an_offer_without_a_category_is_refused_naming_it(ebay: EbayApiServer) -> None:
    items, offers = written([headphones(1)])
    document = json.loads(offers)
    del document["offers"][0]["categoryId"]

    outcome, _, _ = deliver(ebay, [items, json.dumps(document)])

    assert outcome.issues == [
        MarketplaceIssue("GZ-KOP-0001", "error", "25005", "categoryId", "Missing field categoryId.")
    ]
    assert offers_of(ebay)["GZ-KOP-0001"]["status"] == "UNPUBLISHED"


def test_a_bottle_in_germany_gets_no_eco_fee(ebay: EbayApiServer) -> None:
    lines = written([listing(CONFIG.market("DE"), 1)], "DE")
    deliver(ebay, lines)
    offer = offers_of(ebay)[sku(1)]
    assert "extendedProducerResponsibility" not in offer
    assert offer["regulatory"]["manufacturer"]["companyName"] == "Nordquell Outdoor GmbH"
    assert "responsiblePersons" not in offer["regulatory"]  # a manufacturer in the EU


def test_a_group_s_variants_are_published_as_one_listing(ebay: EbayApiServer) -> None:
    lines = written_group_file(offers=True)

    outcome, _, records = deliver(ebay, lines)

    assert ebay.problems == []
    assert ebay.offer_calls("bulkPublishOffer") == []  # not variant by variant
    calls = ebay.offer_calls("publishOfferByInventoryItemGroup")
    assert [c.body for c in calls] == [
        {"inventoryItemGroupKey": DAYPACK, "marketplaceId": "EBAY_DE"},
        {"inventoryItemGroupKey": OIL, "marketplaceId": "EBAY_DE"},
    ]
    held = offers_of(ebay)
    assert {o["status"] for o in held.values()} == {"PUBLISHED"}
    assert len({o["listing"]["listingId"] for o in held.values()}) == 2  # one per group
    assert outcome.verdict == "accepted"
    assert outcome.detail == (
        "eBay took 9 of 9 inventory items in 1 call and 2 of 2 inventory item groups and "
        "9 of 9 offers and published 2 of 2 groups."
    )
    assert records[len(lines) - 1]["call"] == "publish"


def test_a_group_eBay_will_not_publish_refuses_its_variants(ebay: EbayApiServer) -> None:
    ebay.refuse_offer(DAYPACK, "publishOfferByInventoryItemGroup", 25013, "Invalid group.")

    outcome, _, _ = deliver(ebay, written_group_file(offers=True))

    assert outcome.verdict == "refused"
    assert outcome.refused_skus == DAYPACK_SKUS  # the next delta run sends them again
    assert MarketplaceIssue(DAYPACK, "error", "25013", "", "Invalid group.") in outcome.issues
    daypack = {o["status"] for s, o in offers_of(ebay).items() if s in DAYPACK_SKUS}
    assert daypack == {"UNPUBLISHED"}
