"""The deliver_feeds records written and read through their types
(`pipeline.delivery.records`): the deliver tasks' results matched to the plan by file,
``delivery.json`` keeping the marketplace's figures only where it answered, and a record
that does not read sent as new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.deliver import DELIVERY, deliver_feed, plan_deliveries, report_deliveries
from pipeline.delivery.outcome import DeliveryOutcome
from pipeline.delivery.records import read_record
from schemas.config.loader import load_config
from tests.conftest import ROOT
from tests.unit.pipeline.test_deliver import DE_FILES, _Marketplace, _publish, _run_folder

if TYPE_CHECKING:
    from schemas.config.pipeline import PipelineConfig


@pytest.fixture
def config() -> PipelineConfig:
    return load_config(ROOT / "config" / "markets.toml")


def test_a_failed_deliver_task_is_named_even_when_a_later_one_succeeded(
    tmp_path: Path, config: PipelineConfig
) -> None:
    """Airflow reads a mapped task's results by offset among those that exist: with the
    middle task failed, the summary gets the first and the last result, in that order."""
    _publish(tmp_path, "DE", DE_FILES)
    _run_folder(tmp_path)
    plan = plan_deliveries(config, tmp_path, markets=["DE"])
    assert [f["channel"] for f in plan] == ["google", "amazon", "ebay"]
    uploaded = _Marketplace(DeliveryOutcome("uploaded", "Up.", sent=2))
    first, last = (deliver_feed(plan[i], tmp_path, uploaded, Path) for i in (0, 2))
    text, failed = report_deliveries(plan, [first, last], tmp_path, Path)
    assert failed == ["DE amazon-0001.json"]
    assert "amazon-0001.json: NOT DELIVERED: its deliver task failed" in text
    assert "ebay.jsonl: uploaded (2 sent)" in text


def test_delivery_json_keeps_the_figures_only_of_files_the_marketplace_answered(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    report_dir = _run_folder(tmp_path)
    plan = plan_deliveries(config, tmp_path, markets=["DE"], channels=["google", "amazon"])
    google, amazon = plan
    marketplace = _Marketplace(DeliveryOutcome("accepted", "Amazon accepted 2.", "50014", 2, 2))
    results = [
        deliver_feed(google, tmp_path, marketplace, Path, dry_run=True),
        deliver_feed(amazon, tmp_path, marketplace, Path),
    ]
    report_deliveries(plan, results, tmp_path, Path)
    entries = json.loads((report_dir / DELIVERY).read_text(encoding="utf-8"))
    by_channel = {entry["channel"]: entry for entry in entries}
    common = {"market", "channel", "file", "sha256", "items", "run", "record", "status"}
    figures = {"verdict", "reference", "sent", "accepted", "refused", "errors", "warnings"}
    assert set(by_channel["google"]) == common | {"detail", "line"}
    assert by_channel["google"]["status"] == "dry_run"
    assert set(by_channel["amazon"]) == common | {"detail", "line"} | figures
    assert (by_channel["amazon"]["verdict"], by_channel["amazon"]["reference"]) == (
        "accepted",
        "50014",
    )


def test_a_record_that_does_not_read_is_delivered_as_new(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    [feed] = plan_deliveries(config, tmp_path, markets=["DE"], channels=["amazon"])
    marketplace = _Marketplace(DeliveryOutcome("accepted", "Amazon accepted 2.", "50014", 2, 2))
    delivered = deliver_feed(feed, tmp_path, marketplace, Path)
    assert delivered["record"] is not None
    where = Path(delivered["record"])
    record = read_record(where)
    assert record is not None and record.done() == marketplace.outcome
    assert record.resume_from() == {"feed_id": "50014"}
    where.write_text('{"market": "DE", "status": "do', encoding="utf-8")  # torn
    assert read_record(where) is None
    again = deliver_feed(feed, tmp_path, marketplace, Path)
    assert again["status"] == "delivered" and len(marketplace.calls) == 2
