"""An eBay delivery's checkpoints (`pipeline.delivery.ebay_inventory.calls.CallRecord`):
what a line's calls record reads back as the same results, and a record of another
shape stops the resumed delivery naming the line instead of being counted as something
it is not."""

from __future__ import annotations

import json

import msgspec
import pytest

from pipeline.delivery.ebay_inventory.calls import CallRecord, InventoryProgress, SkuResult
from pipeline.delivery.ebay_inventory.flow import deliver_inventory_file
from pipeline.delivery.outcome import MarketplaceIssue, OAuthCredentials
from pipeline.records import RecordError

CREDENTIALS = OAuthCredentials("ebay_api", "app", "cert", "v^1.1#token")


def test_a_line_s_record_reads_back_as_its_results() -> None:
    results = [
        SkuResult("GZ-1", True, 200),
        SkuResult(
            "GZ-2", False, 400, [MarketplaceIssue("GZ-2", "error", "25002", "price", "No price")]
        ),
    ]
    written = {
        "call": "group",
        "marketplaceId": "EBAY_DE",
        "results": [r.to_json() for r in results],
        "variantSKUs": ["GZ-2-S", "GZ-2-M"],
    }
    stored = json.loads(json.dumps({"calls": {"0": written}}))  # as the record keeps it
    record = msgspec.convert(stored, InventoryProgress).calls["0"]
    assert [SkuResult.from_record(r) for r in record.results] == results
    assert (record.call, record.marketplace_id, record.variants()) == (
        "group",
        "EBAY_DE",
        ["GZ-2-S", "GZ-2-M"],
    )
    assert msgspec.to_builtins(record) == written
    assert msgspec.convert({"call": "bulk"}, CallRecord).variants() == []


def test_a_checkpoint_of_another_shape_stops_the_resumed_delivery_naming_the_line() -> None:
    with pytest.raises(RecordError, match=r"^the checkpoint of line 3 is not a CallRecord"):
        deliver_inventory_file(
            [],
            credentials=CREDENTIALS,
            environment="sandbox",
            done={"2": {"call": "upload", "results": []}},
        )
