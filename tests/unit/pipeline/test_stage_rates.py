"""The run's ECB rates are staged once per logical date, and a broken file is refused."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest

from pipeline.extract import load_rates, stage_rates
from schemas.config.pricing import Pricing
from tests.conftest import SAMPLE_RATES
from transforms.pricing.ecb_rates import RatesError
from transforms.pricing.rates_freshness import StaleRates

if TYPE_CHECKING:
    from pathlib import Path


def _pricing(rates: Path) -> Pricing:
    return Pricing(rates=str(rates), catalog_prices={"EUR": {}}, vat={})  # type: ignore[dict-item]


def test_a_rerun_converts_with_the_rates_it_staged(tmp_path: Path) -> None:
    source = tmp_path / "ecb.xml"
    source.write_bytes(SAMPLE_RATES.read_bytes())
    run_dir = tmp_path / "staging" / "2026-11-27"
    staged = stage_rates(_pricing(source), run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["eurofxref-daily.xml"]
    assert (
        load_rates(run_dir / "eurofxref-daily.xml").per_euro["USD"]
        == load_rates(source).per_euro["USD"]
    )
    # The ECB publishes a new day before the rerun; the rerun keeps the first rates.
    source.write_bytes(SAMPLE_RATES.read_bytes().replace(b"rate='1.0835'", b"rate='1.2000'"))
    assert stage_rates(_pricing(source), run_dir) == staged
    assert str(load_rates(run_dir / "eurofxref-daily.xml").per_euro["USD"]) == "1.0835"


def test_a_broken_rates_file_is_refused_before_staging(tmp_path: Path) -> None:
    source = tmp_path / "ecb.xml"
    source.write_bytes(b"<html>maintenance</html>")
    run_dir = tmp_path / "staging" / "2026-11-27"
    with pytest.raises(RatesError, match="not gesmes:Envelope"):
        stage_rates(_pricing(source), run_dir)
    assert not (run_dir / "eurofxref-daily.xml").exists()


# --- freshness: the sample file is of Thursday 2026-11-26 -------------------------------------


def _run(tmp_path: Path, run_day: date, **settings: object) -> tuple[Path, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "ecb.xml"
    source.write_bytes(SAMPLE_RATES.read_bytes())
    pricing = _pricing(source).model_copy(update=settings)
    run_dir = tmp_path / "staging" / str(run_day)
    stage_rates(pricing, run_dir, run_day=run_day)
    return run_dir, run_dir / "ingest_findings.jsonl"


def test_rates_of_the_previous_business_days_pass(tmp_path: Path) -> None:
    # Friday 27 and Monday 30 are TARGET days: on Monday the rates are 2 business days old.
    run_dir, findings = _run(tmp_path, date(2026, 11, 30))
    assert (run_dir / "eurofxref-daily.xml").exists()
    assert not findings.exists()


def test_stale_rates_stop_the_run_with_a_finding_and_stage_nothing(tmp_path: Path) -> None:
    with pytest.raises(StaleRates) as stale:
        _run(tmp_path, date(2026, 12, 1))
    run_dir = tmp_path / "staging" / "2026-12-01"
    assert str(stale.value).startswith(
        "the ECB rates are of 2026-11-26, 3 TARGET business days before the run's date "
        "2026-12-01 ([pricing] max_rate_age_business_days = 2): the rates source has not "
        'updated. Fix it, or set [pricing] stale_rates = "warn"'
    )
    assert not (run_dir / "eurofxref-daily.xml").exists()
    assert (run_dir / "gate_closed.txt").read_text(encoding="utf-8").strip() == str(stale.value)
    (finding,) = [json.loads(line) for line in (run_dir / "ingest_findings.jsonl").open()]
    assert (finding["rule"], finding["severity"], finding["value"]) == (
        "stale_rates",
        "error",
        "2026-11-26",
    )


def test_warn_mode_converts_with_stale_rates_and_says_so(tmp_path: Path) -> None:
    run_dir, findings = _run(tmp_path, date(2026, 12, 3), stale_rates="warn")
    assert (run_dir / "eurofxref-daily.xml").exists()
    (finding,) = [json.loads(line) for line in findings.open()]
    assert (finding["rule"], finding["severity"]) == ("stale_rates", "warning")
    assert "5 TARGET business days before the run's date 2026-12-03" in finding["message"]
    assert not (run_dir / "gate_closed.txt").exists()


def test_the_configured_offline_snapshot_day_is_accepted_and_no_other(tmp_path: Path) -> None:
    run_dir, findings = _run(
        tmp_path / "a", date(2026, 12, 20), offline_rates_day=date(2026, 11, 26)
    )
    assert (run_dir / "eurofxref-daily.xml").exists() and not findings.exists()
    with pytest.raises(StaleRates):
        _run(tmp_path / "b", date(2026, 12, 20), offline_rates_day=date(2026, 11, 27))


def test_a_larger_allowance_and_holidays_are_counted_in_target_days(tmp_path: Path) -> None:
    # 26 Nov -> 4 Dec: 27, 30 Nov, 1, 2, 3, 4 Dec = 6 business days.
    _run(tmp_path / "a", date(2026, 12, 4), max_rate_age_business_days=6)
    with pytest.raises(StaleRates, match="6 TARGET business days"):
        _run(tmp_path / "b", date(2026, 12, 4), max_rate_age_business_days=5)
