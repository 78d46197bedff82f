"""Planning, once-only delivery and the answers brought back (pipeline.deliver).

The marketplace clients have their own tests against their test servers; here `send` is
the boundary, and what is checked is what the data team and the next run see."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.deliver import DELIVERY, deliver_feed, plan_deliveries, report_deliveries
from pipeline.delivery.outcome import DeliveryOutcome, MarketplaceIssue
from pipeline.layout import read_refused
from pipeline.records import RecordError
from schemas.config.loader import load_config
from schemas.findings import Finding
from tests.conftest import ROOT

if TYPE_CHECKING:
    from schemas.config.pipeline import PipelineConfig

RUN = "manual__2026-12-02T010000.000000_0000"


@pytest.fixture
def config() -> PipelineConfig:
    return load_config(ROOT / "config" / "markets.toml")


def _publish(output: Path, market: str, files: dict[str, tuple[str, bytes]]) -> None:
    """A market's live folder as publish leaves it: files and their manifest."""
    folder = output / market
    folder.mkdir(parents=True, exist_ok=True)
    feeds = []
    for name, (channel, data) in files.items():
        (folder / name).write_bytes(data)
        feeds.append(
            {
                "file": name,
                "channel": channel,
                "items": 2,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    manifest = {"market": market, "run": RUN, "feeds": feeds}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _run_folder(output: Path) -> Path:
    report_dir = output / "runs" / RUN
    report_dir.mkdir(parents=True)
    (report_dir / "run.json").write_text(
        json.dumps({"run_key": RUN, "status": "success", "feeds": [], "findings": {}}),
        encoding="utf-8",
    )
    own = Finding("localize", "error", "GZ-1", "price", "missing_price", "No price.", market="DE")
    (report_dir / "findings.jsonl").write_text(own.to_json() + "\n", encoding="utf-8")
    (report_dir / "summary.txt").write_text(f"grenzenlos run {RUN}\nDE  google ...\n")
    return report_dir


DE_FILES = {
    "google.xml": ("google", b"<rss/>"),
    "amazon-0001.json": ("amazon", b'{"messages": []}'),
    "ebay.jsonl": ("ebay", b"{}\n"),
    "idealo.csv": ("idealo", b"sku\n"),
}


def test_a_run_by_hand_delivers_every_delivering_channel_of_the_chosen_markets(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    _publish(tmp_path, "FR", {"google.xml": ("google", b"<rss>fr</rss>")})
    plan = plan_deliveries(config, tmp_path, markets=["DE"])
    # idealo has no public_url in the shipped config: nothing to send or check.
    assert [(f["market"], f["file"]) for f in plan] == [
        ("DE", "google.xml"),
        ("DE", "amazon-0001.json"),
        ("DE", "ebay.jsonl"),
    ]
    assert plan[0]["run"] == RUN
    assert plan[0]["sha256"] == hashlib.sha256(b"<rss/>").hexdigest()
    assert plan[0]["label"] == "DE google.xml"
    only_google = plan_deliveries(config, tmp_path, channels=["google"])
    assert [(f["market"], f["file"]) for f in only_google] == [
        ("DE", "google.xml"),
        ("FR", "google.xml"),
    ]
    with pytest.raises(ValueError, match="no such market.*XX"):
        plan_deliveries(config, tmp_path, markets=["XX"])


def test_asset_events_deliver_only_the_files_they_name(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    _publish(tmp_path, "FR", {"google.xml": ("google", b"<rss>fr</rss>")})
    events = [
        {"uri": str(tmp_path / "DE" / "amazon-0001.json"), "extra": {"run": RUN}},
        {"uri": "ignored", "extra": {"market": "FR", "file": "google.xml"}},
    ]
    plan = plan_deliveries(config, tmp_path, events=events)
    assert [(f["market"], f["file"]) for f in plan] == [
        ("DE", "amazon-0001.json"),
        ("FR", "google.xml"),
    ]


class _Marketplace:
    """`send` for these tests: counts calls, records progress, can stop half way."""

    def __init__(self, outcome: DeliveryOutcome, stop_after_checkpoint: bool = False) -> None:
        self.outcome = outcome
        self.calls: list[dict[str, Any] | None] = []
        self.stop = stop_after_checkpoint

    def __call__(self, path: Any, progress: Any, checkpoint: Any) -> DeliveryOutcome:
        self.calls.append(progress)
        assert path.read_bytes()  # it reads the live file
        checkpoint({"feed_id": "50014"})
        if self.stop:
            self.stop = False
            raise ConnectionError("the marketplace hung up")
        return self.outcome


def test_a_file_is_delivered_once_and_a_stopped_delivery_resumes(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    feed = plan_deliveries(config, tmp_path, markets=["DE"], channels=["amazon"])[0]
    marketplace = _Marketplace(
        DeliveryOutcome("accepted", "Amazon accepted 2 messages.", "50014", 2, 2),
        stop_after_checkpoint=True,
    )
    with pytest.raises(ConnectionError):
        deliver_feed(feed, tmp_path, marketplace, Path)
    first = deliver_feed(feed, tmp_path, marketplace, Path)
    again = deliver_feed(feed, tmp_path, marketplace, Path)
    # The second try got the first one's progress (Amazon then polls that feed).
    assert marketplace.calls == [None, {"feed_id": "50014"}]
    assert first["status"] == "delivered" and first["verdict"] == "accepted"
    assert again["status"] == "already_delivered" and again["reference"] == "50014"
    record = json.loads(Path(first["record"]).read_text(encoding="utf-8"))
    assert record["status"] == "done" and record["sha256"] == feed["sha256"]
    assert record["outcome"]["detail"] == "Amazon accepted 2 messages."


def test_a_replaced_file_or_a_dry_run_sends_nothing(tmp_path: Path, config: PipelineConfig) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    feed = plan_deliveries(config, tmp_path, markets=["DE"], channels=["google"])[0]
    marketplace = _Marketplace(DeliveryOutcome("uploaded", "Uploaded."))
    assert deliver_feed(feed, tmp_path, marketplace, Path, dry_run=True)["status"] == "dry_run"
    (tmp_path / "DE" / "google.xml").write_bytes(b"<rss>newer</rss>")
    assert deliver_feed(feed, tmp_path, marketplace, Path)["status"] == "superseded"
    assert marketplace.calls == []


def test_answers_go_into_the_publishing_run_once_and_refused_skus_are_marked(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    report_dir = _run_folder(tmp_path)
    plan = plan_deliveries(config, tmp_path, markets=["DE"], channels=["amazon", "google"])
    refused = DeliveryOutcome(
        "refused",
        "Amazon processed 2 messages of feed 50014: 1 accepted, 1 refused.",
        reference="50014",
        sent=2,
        accepted=1,
        issues=[
            MarketplaceIssue("GZ-2", "error", "90220", "batteries_required", "is required"),
            MarketplaceIssue("GZ-1", "warning", "18027", "", "image is small"),
        ],
        refused_skus=["GZ-2"],
    )
    senders = {
        "amazon": _Marketplace(refused),
        "google": _Marketplace(DeliveryOutcome("uploaded", "Up.")),
    }
    results = [deliver_feed(f, tmp_path, senders[f["channel"]], Path) for f in plan]
    for _ in range(2):  # a second delivery of the same files adds nothing twice
        text, failed = report_deliveries(plan, results, tmp_path, Path)
    assert failed == []
    assert "amazon-0001.json: REFUSED in part or whole (2 sent, 1 accepted, 1 refused" in text

    lines = (report_dir / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    findings = [Finding.from_json(line) for line in lines]
    marketplace = [f for f in findings if f.stage == "marketplace"]
    assert len(findings) == 3 and findings[0].rule == "missing_price"
    assert {(f.sku, f.severity, f.rule, f.field, f.channel) for f in marketplace} == {
        ("GZ-2", "error", "90220", "batteries_required", "amazon"),
        ("GZ-1", "warning", "18027", "", "amazon"),
    }
    assert "90220" in (report_dir / "findings.csv").read_text(encoding="utf-8")
    run = json.loads((report_dir / "run.json").read_text(encoding="utf-8"))
    assert run["findings"] == {"total": 3, "by_severity": {"error": 2, "warning": 1}}
    assert [d["verdict"] for d in run["delivery"]] == ["refused", "uploaded"]
    delivery = json.loads((report_dir / DELIVERY).read_text(encoding="utf-8"))
    assert [(d["channel"], d["refused"]) for d in delivery] == [("amazon", 1), ("google", 0)]
    summary = (report_dir / "summary.txt").read_text(encoding="utf-8")
    assert summary.startswith(f"grenzenlos run {RUN}\nDE  google ...\n")
    assert summary.count("delivered to the marketplaces:") == 1
    assert summary.count("amazon-0001.json") == 1
    assert read_refused(tmp_path / "DE" / "amazon.refused.json") == ["GZ-2"]
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="delivery-table"' in html and "refused (in part or whole)" in html


def test_a_failed_delivery_is_named(tmp_path: Path, config: PipelineConfig) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    _run_folder(tmp_path)
    plan = plan_deliveries(config, tmp_path, markets=["DE"], channels=["ebay"])
    text, failed = report_deliveries(plan, [None], tmp_path, Path)
    assert failed == ["DE ebay.jsonl"]
    assert "ebay.jsonl: NOT DELIVERED: its deliver task failed" in text


def test_a_manifest_of_the_wrong_shape_stops_the_plan_naming_it(
    tmp_path: Path, config: PipelineConfig
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    manifest = tmp_path / "DE" / "manifest.json"
    manifest.write_text('{"market": "DE", "run": "r", "feeds": [{"file": "x"}]}', "utf-8")
    with pytest.raises(RecordError, match=rf"^{manifest} is not a Manifest record: "):
        plan_deliveries(config, tmp_path, markets=["DE"])


def test_a_run_record_of_the_wrong_shape_is_left_as_it_is(
    tmp_path: Path, config: PipelineConfig, caplog: pytest.LogCaptureFixture
) -> None:
    _publish(tmp_path, "DE", DE_FILES)
    report_dir = _run_folder(tmp_path)
    broken = '{"run_key": "r", "feeds": "none"}'
    (report_dir / "run.json").write_text(broken, encoding="utf-8")
    plan = plan_deliveries(config, tmp_path, markets=["DE"], channels=["google"])
    results = [
        deliver_feed(plan[0], tmp_path, _Marketplace(DeliveryOutcome("uploaded", "Up.")), Path)
    ]
    report_deliveries(plan, results, tmp_path, Path)
    assert (report_dir / "run.json").read_text(encoding="utf-8") == broken
    assert f"{report_dir} is not a run record" in caplog.text
    delivery = json.loads((report_dir / DELIVERY).read_text(encoding="utf-8"))
    assert [d["verdict"] for d in delivery] == ["uploaded"]
