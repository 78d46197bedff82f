"""A feed that shrank is held back on its own: its last good files stay live, every other
feed publishes, and the run's summary fails the run naming it (issue #11, item 9)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.build import build_market_feeds
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import GATE_CLOSED, SNAPSHOT
from pipeline.publish import check_feed_shrink, publish_market
from pipeline.run_report.summary import RunParams, RunResults, write_run_report
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.infra.gates import (
    HELD_FEEDS,
    STATE_FILE,
    held_back_reason,
    held_channels,
    hold_shrunk_feeds,
    record_success,
)
from transforms.pricing.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.channel import Requirement

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
SETTINGS = CONFIG.validation.model_copy(update={"max_shrink_share": 0.3})
MARKET = CONFIG.market("DE").model_copy(update={"channels": ["google", "amazon"]})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
CATEGORIES = load_category_map(ROOT / "config" / "categories.toml")
PRODUCTS = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)][:10]
REASON = "DE/amazon: 8 -> 1 listings (-88%): held back, the last good file stays live"


def night(
    tmp: Path, run: str, amazon_requires: list[Requirement], *, max_shrink_share: float = 0.3
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """What the DAG does from localize_market to publish, for DE with Google and Amazon."""
    output, run_dir = tmp / "output", tmp / "staging" / run
    stage_catalog(PRODUCTS, run_dir)
    built = build_market_feeds(
        run_dir / SNAPSHOT,
        MARKET,
        run_dir / "DE",
        pricing=CONFIG.pricing,
        rates=RATES,
        requirements={"google": ["title"], "amazon": ["title", *amazon_requires]},
        channel_settings=CONFIG.channels,
        category_map=CATEGORIES,
        live_dir=output / "DE",
    )
    settings = SETTINGS.model_copy(update={"max_shrink_share": max_shrink_share})
    held = check_feed_shrink([built], settings, output, run_dir)
    published = publish_market(built, output, run_id=run, held=held_channels(held, "DE"))
    record_success(run, len(PRODUCTS), published, run_dir, output)
    return built, held, published


@pytest.fixture
def two_nights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Night 1 publishes both feeds (Amazon 8 of the 10 products: one lacks a German
    description, one has a bad GTIN; Google 9: it takes the bad GTIN's product without the
    GTIN); night 2 Amazon requires a weight that only the first two products
    have (a rule change gone wrong), and Google gets new titles."""
    night(tmp_path, "2026-11-01", [])
    live = {p.name: p.read_bytes() for p in (tmp_path / "output" / "DE").iterdir()}
    for n, product in enumerate(PRODUCTS):
        monkeypatch.setattr(product, "title", {"en_US": f"Renamed product {n}"})
        if n >= 2:
            monkeypatch.setattr(product, "weight", None)
    built, held, published = night(tmp_path, "2026-11-02", ["weight"])
    return {"live": live, "built": built, "held": held, "published": published}


def test_only_the_shrunk_feed_is_held(tmp_path: Path, two_nights: dict[str, Any]) -> None:
    assert two_nights["built"]["channels"]["amazon"]["listed"] == 1
    assert two_nights["built"]["channels"]["google"]["listed"] == 9
    assert two_nights["held"] == {
        "max_shrink_share": 0.3,
        "feeds": [
            {"market": "DE", "channel": "amazon", "before": 8, "listed": 1, "reason": REASON}
        ],
    }
    run_dir = tmp_path / "staging" / "2026-11-02"
    assert json.loads((run_dir / HELD_FEEDS).read_text(encoding="utf-8")) == two_nights["held"]
    assert not (run_dir / GATE_CLOSED).exists()  # a catalog-level stop only


def test_the_held_feed_stays_live_the_others_publish(
    tmp_path: Path, two_nights: dict[str, Any]
) -> None:
    live_dir = tmp_path / "output" / "DE"
    before = two_nights["live"]
    assert {p["channel"] for p in two_nights["published"]} == {"google"}
    for name in ("amazon-0001.json", "amazon.state.json"):  # the feed and its delta state
        assert (live_dir / name).read_bytes() == before[name]
    assert (live_dir / "google.xml").read_bytes() != before["google.xml"]
    assert b"Renamed product" in (live_dir / "google.xml").read_bytes()
    manifest = json.loads((live_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = {entry["channel"]: entry for entry in manifest["feeds"]}
    assert manifest["run"] == "2026-11-02"
    assert "run" not in entries["google"]
    previous = json.loads(before["manifest.json"])["feeds"]
    assert entries["amazon"] == {**next(e for e in previous if e["channel"] == "amazon"),
                                 "run": "2026-11-01"}  # fmt: skip


def test_the_held_feed_keeps_its_last_good_count(
    tmp_path: Path, two_nights: dict[str, Any]
) -> None:
    """So the next run compares with the file that is live, and holds it again if it still
    lists 1 of 8."""
    state = json.loads((tmp_path / "output" / STATE_FILE).read_text(encoding="utf-8"))
    assert state["feeds"] == {"DE/amazon": 8, "DE/google": 9}
    _, held, _ = night(tmp_path, "2026-11-03", ["weight"])
    assert [f["reason"] for f in held["feeds"]] == [REASON]


def test_the_summary_names_the_held_feed_and_fails_the_run(
    tmp_path: Path, two_nights: dict[str, Any]
) -> None:
    report_dir = tmp_path / "output" / "runs" / "2026-11-02"
    text, reason = write_run_report(
        RunParams(run_key="2026-11-02"),
        RunResults(
            staged=None,
            validated=None,
            built=[two_nights["built"]],
            published=two_nights["published"],
        ),
        tmp_path / "staging" / "2026-11-02",
        report_dir,
    )
    assert reason == held_back_reason(two_nights["held"])
    assert reason is not None and REASON in reason
    assert "raise validation.max_shrink_share for one run" in reason
    assert f"FEEDS HELD BACK: {reason}" in text.splitlines()
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("DE ")}
    assert lines["google"].endswith(f"-> {tmp_path / 'output' / 'DE' / 'google.xml'}")
    assert lines["amazon"].startswith("DE  amazon         1 listed,      9 set aside")
    assert lines["amazon"].endswith(
        "-> HELD BACK: 8 -> 1 listings (-88%) since the last successful run; "
        "the last good file stays live"
    )
    assert "RUN STOPPED" not in text


def test_a_rerun_that_holds_nothing_clears_the_list(
    tmp_path: Path, two_nights: dict[str, Any]
) -> None:
    """The same run again with the limit raised for it, as the reason advises."""
    _, held, published = night(tmp_path, "2026-11-02", ["weight"], max_shrink_share=0.9)
    assert held["feeds"] == []
    assert {p["channel"] for p in published} == {"google", "amazon"}
    _, reason = write_run_report(
        RunParams(run_key="2026-11-02"),
        RunResults(staged=None, validated=None, built=[two_nights["built"]], published=published),
        tmp_path / "staging" / "2026-11-02",
        tmp_path / "report",
    )
    assert reason is None


@pytest.mark.parametrize(
    ("current", "held"),
    [
        ({"DE/google": 7}, []),  # exactly the limit
        ({"DE/google": 6}, ["DE/google"]),
        ({"DE/google": 0}, ["DE/google"]),
        ({"DE/google": 10, "FR/google": 0}, []),  # a new feed cannot shrink
        ({"DE/google": 2, "DE/amazon": 1}, ["DE/amazon", "DE/google"]),
    ],
)
def test_which_feeds_are_held(current: dict[str, int], held: list[str]) -> None:
    previous = {"DE/google": 10, "DE/amazon": 5}
    found = hold_shrunk_feeds(current, previous, 0.3)["feeds"]
    assert [f"{f['market']}/{f['channel']}" for f in found] == held


def test_the_reason_counts_the_held_feeds() -> None:
    held = hold_shrunk_feeds(
        {"DE/google": 2, "PL/allegro": 1}, {"DE/google": 10, "PL/allegro": 4}, 0.5
    )
    assert held_back_reason(held) == (
        "2 feeds lost more than 50% of their listings since the last successful run: "
        "DE/google: 10 -> 2 listings (-80%): held back, the last good file stays live; "
        "PL/allegro: 4 -> 1 listings (-75%): held back, the last good file stays live. "
        "If the change is intended, raise validation.max_shrink_share for one run."
    )
    assert held_back_reason({"max_shrink_share": 0.5, "feeds": []}) is None
    assert held_back_reason(None) is None
