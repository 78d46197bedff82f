"""Real Airflow runs of localize_catalog (dag.test on SQLite) over the bundled sample
catalog, where Airflow's side is tested: the trigger's parameters, a rerun of one date,
a failed task, two runs of one day (the second a dry run of two other markets) and
their mapped tasks' labels. Tests that only read the sample's run are in
test_sample_run.py."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import SAMPLE_CATALOG, run_folder
from tests.integration.conftest import asset_events, run_localize, summary_problems
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
G = f"{{{G_NS}}}"


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (tmp_path / "output").as_uri())
    return tmp_path


LAST_RUN_ID: list[str] = []


def run_dag(logical_date: datetime, conf: dict[str, object] | None = None) -> str:
    state, run_id = run_localize(logical_date, conf)
    LAST_RUN_ID[:] = [run_id]
    return state


@dataclass(frozen=True)
class TwoRunsOneDay:
    """A run of US, then 9 hours later a dry run of DE and AT, both on 2026-11-26."""

    storage: Path
    dry_run_id: str


@pytest.fixture(scope="module")
def two_runs_one_day(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoRunsOneDay:
    """The two runs, shared by the dry-run test and the two-runs test (one dag.test()
    run fewer than each making its own: the dry run is the second run of the day)."""
    storage = tmp_path_factory.mktemp("two_runs")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("GRENZENLOS_STAGING_URL", (storage / "staging").as_uri())
        monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (storage / "output").as_uri())
        first = datetime(2026, 11, 26, 2, tzinfo=UTC)
        assert run_dag(first, {"markets": ["US"]}) == "success"
        later = first + timedelta(hours=9)
        assert run_dag(later, {"markets": ["DE", "AT"], "dry_run": True}) == "success"
    for summary in storage.rglob("summary.txt"):  # as every_summary_adds_up checks
        assert summary_problems(summary.read_text(encoding="utf-8")) == [], summary
    return TwoRunsOneDay(storage, LAST_RUN_ID[0])


def test_dry_run_for_chosen_markets_publishes_nothing(two_runs_one_day: TwoRunsOneDay) -> None:
    storage, run_id = two_runs_one_day.storage, two_runs_one_day.dry_run_id
    assert not (storage / "output" / "DE").exists()
    assert not (storage / "output" / "AT").exists()
    record = next(
        json.loads(p.read_text(encoding="utf-8"))
        for p in (storage / "output" / "runs").glob("*/run.json")
        if json.loads(p.read_text(encoding="utf-8"))["dry_run"]
    )
    staged_markets = sorted(
        p.name for p in (storage / "staging" / record["run_key"]).iterdir() if p.is_dir()
    )
    assert staged_markets == ["AT", "DE", "steps", "translations"]
    summary = (storage / "output" / "runs" / record["run_key"] / "summary.txt").read_text(
        encoding="utf-8"
    )
    assert "not published (dry run)" in summary
    assert asset_events(run_id) == {}


def test_a_rerun_gives_the_same_feeds_and_a_failed_task_fails_the_run_keeping_them(
    airflow_db: Path, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import ROOT

    assert run_dag(datetime(2026, 11, 22, tzinfo=UTC), {"markets": ["DE"]}) == "success"
    live = storage / "output" / "DE"
    before = {p.name: p.read_bytes() for p in live.iterdir() if p.name != "manifest.json"}
    # A rerun of the same logical date overwrites with byte-identical feeds.
    assert run_dag(datetime(2026, 11, 22, tzinfo=UTC), {"markets": ["DE"]}) == "success"
    assert {p.name: p.read_bytes() for p in live.iterdir() if p.name != "manifest.json"} == before
    # The next night the category mapping is gone: every localize_market attempt fails.
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = storage / "broken.toml"
    config.write_text(
        text.replace('"categories.toml"', '"missing-categories.toml"'), encoding="utf-8"
    )
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))
    assert run_dag(datetime(2026, 11, 23, tzinfo=UTC), {"markets": ["DE"]}) == "failed"
    assert (live / "google.xml").read_bytes() == before["google.xml"]
    summary = (run_folder(storage / "output", "2026-11-23") / "summary.txt").read_text(
        encoding="utf-8"
    )
    # The summary names the task that failed and why, not only that one did.
    incomplete = next(line for line in summary.splitlines() if "RUN INCOMPLETE" in line)
    assert "the task write_channel (DE google) failed:" in incomplete
    assert "missing-categories.toml" in incomplete
    record = json.loads((run_folder(storage / "output", "2026-11-23") / "run.json").read_text())
    assert record["status"] == "incomplete"
    assert record["still_live"][0]["path"].endswith("DE/google.xml")  # the last good feed


def test_delta_run_sends_amazon_and_ebay_only_the_changed_products(storage: Path) -> None:
    """Through the DAG's steps (`tests.steps.run_steps`): the delta is the build's; the
    ``mode`` parameter reaching it in Airflow is run in test_delivery_run."""
    from tests.conftest import ROOT

    catalog = storage / "products.csv"
    with (SAMPLE_CATALOG / "products.csv").open(newline="", encoding="utf-8") as stream:
        lines = list(csv.reader(stream, delimiter=";"))
    header = lines[0]
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../examples/sample_catalog/products.csv"', f'"{catalog}"')
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = storage / "markets.toml"
    config.write_text(text, encoding="utf-8")

    def write(rows: list[list[str]]) -> None:
        with catalog.open("w", newline="", encoding="utf-8") as stream:
            csv.writer(stream, delimiter=";", lineterminator="\n").writerows(rows)

    write(lines)
    assert run_steps(config, date(2026, 11, 24), markets=["DE"]).state == "success"
    # Three products whose German text no other product borrows (GZ-BOT-0003 has no German
    # of its own and takes GZ-BOT-0001's: editing that one would change two listings).
    # (Not a Lichtform lamp: without operator data, EU product law keeps those out of
    # Amazon and eBay in DE.)
    changed = {"GZ-HEA-0028", "GZ-HEA-0025", "GZ-OIL-0061"}
    gone = "GZ-TEA-0049"
    description = header.index("description-de_DE-ecommerce")
    next_rows = [header]
    for row in lines[1:]:
        if row and row[0] == gone:
            continue
        if row and row[0] in changed:
            row = list(row)
            row[description] = row[description].replace("</p>", " Jetzt neu.</p>", 1)
        next_rows.append(row)
    write(next_rows)
    assert run_steps(config, date(2026, 11, 25), markets=["DE"], mode="delta").state == "success"
    output = storage / "output" / "DE"
    messages = json.loads((output / "amazon-0001.json").read_text(encoding="utf-8"))["messages"]
    # The changed oil goes out with its product group's parent message.
    assert {m["sku"] for m in messages if m["operationType"] == "UPDATE"} == changed | {
        "olivera-koroneiki"
    }
    assert [m["sku"] for m in messages if m["operationType"] == "DELETE"] == [gone]
    calls = [json.loads(line) for line in (output / "ebay.jsonl").read_text().splitlines()]
    assert {i["sku"] for c in calls for i in c.get("body", {}).get("requests", [])} == changed
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["mode"] == "delta"
    # 3 changed, the changed oil's group parent, 1 deletion
    assert {f["file"]: f["items"] for f in manifest["feeds"]}["amazon-0001.json"] == 5
    google = etree.parse(str(output / "google.xml")).getroot().findall("channel/item")
    assert len(google) == 66  # full file: 67 listed before, one product gone


def test_two_runs_on_one_day_keep_two_reports_and_the_index_lists_both(
    two_runs_one_day: TwoRunsOneDay,
) -> None:
    runs = two_runs_one_day.storage / "output" / "runs"
    records = [json.loads(p.read_text(encoding="utf-8")) for p in runs.glob("*/run.json")]
    assert [r["run_day"] for r in records] == ["2026-11-26", "2026-11-26"]
    for record in records:  # each run's own files, none overwritten by the other
        folder = runs / record["run_key"]
        assert (folder / "report.html").exists() and (folder / "summary.txt").exists()
        assert f"grenzenlos run {record['run_key']}" in (folder / "summary.txt").read_text()
    assert {r["dry_run"] for r in records} == {True, False}
    index = json.loads((runs / "index.json").read_text(encoding="utf-8"))
    newest = next(r for r in records if r["dry_run"])  # the later run
    assert [e["run_key"] for e in index][0] == newest["run_key"]
    assert sorted(e["run_key"] for e in index) == sorted(r["run_key"] for r in records)
    assert (runs / "LATEST").read_text(encoding="utf-8").strip() == newest["run_key"]
    assert all(record["run_key"] in (runs / "index.html").read_text() for record in records)
    # Mapped tasks carry what they work on in the UI, not 0, 1, 2.
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        labels = set(
            session.execute(
                select(TaskInstance.task_id, TaskInstance.rendered_map_index).where(
                    TaskInstance.run_id == two_runs_one_day.dry_run_id,
                    TaskInstance.map_index >= 0,
                )
            ).all()
        )
    assert {label for task, label in labels if task == "assemble_market"} == {"DE", "AT"}
    assert {("write_channel", "DE google"), ("write_channel", "AT google")} <= labels
    assert {label for task, label in labels if task == "localize_shard"} == {
        "DE shard 1 of 1",
        "AT shard 1 of 1",
    }
