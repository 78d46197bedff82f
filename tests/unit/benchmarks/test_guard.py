"""The CI benchmark guard's verdict (issue #30, item 4): a channel more than 15 % below its
baseline ratio to the floor fails the guard with a message naming the channel, both ratios
and the command that updates the baseline; a run within the band passes; a channel the
baseline does not know, or a baseline measured at another size, is a clear error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from benchmarks.guard import (
    UPDATE_COMMAND,
    BaselineError,
    Regression,
    compare,
    load_baseline,
    verdict,
    write_baseline,
)

if TYPE_CHECKING:
    from pathlib import Path

BASELINE = {"amazon": 0.100, "google": 0.080, "kaufland": 0.120}


def test_a_channel_more_than_15_percent_below_its_baseline_fails_naming_it() -> None:
    measured = {"amazon": 0.084, "google": 0.080, "kaufland": 0.125}

    passed, text = verdict(BASELINE, measured)

    assert not passed
    assert compare(BASELINE, measured) == [Regression("amazon", 0.100, 0.084)]
    assert "amazon: 0.084x floor, baseline 0.100x floor (-16 %" in text
    assert UPDATE_COMMAND in text
    assert "google" not in text and "kaufland" not in text


def test_a_run_within_the_band_passes_slower_or_faster() -> None:
    measured = {"amazon": 0.0851, "google": 0.070, "kaufland": 0.200}

    passed, text = verdict(BASELINE, measured)

    assert passed, text
    assert compare(BASELINE, measured) == []


def test_every_regressed_channel_is_reported() -> None:
    measured = {"amazon": 0.05, "google": 0.05, "kaufland": 0.12}

    assert [r.channel for r in compare(BASELINE, measured)] == ["amazon", "google"]


def test_a_channel_missing_from_the_baseline_is_a_clear_error() -> None:
    measured = {**BASELINE, "bol": 0.13}

    with pytest.raises(BaselineError, match=r"bol measured but has no baseline ratio") as error:
        compare(BASELINE, measured)
    assert UPDATE_COMMAND in str(error.value)
    assert verdict(BASELINE, measured)[0] is False


def test_a_baseline_channel_that_was_not_measured_is_an_error() -> None:
    measured = {"amazon": 0.1, "google": 0.08}

    with pytest.raises(BaselineError, match=r"kaufland in baseline.json but not measured"):
        compare(BASELINE, measured)


def test_a_written_baseline_says_why_where_and_how_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"

    write_baseline(path, BASELINE, 20_000, 3, "shared localization (issue 30)", "floor 50,000")

    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["reason"] == "shared localization (issue 30)"
    assert stored["command"] == "python benchmarks/guard.py --products 20000 --repeat 3"
    assert "cores" in stored["machine"] and stored["date"].endswith("UTC")
    assert load_baseline(path, 20_000, 3) == BASELINE


def test_a_baseline_measured_at_another_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, BASELINE, 20_000, 3, "first", "")

    with pytest.raises(BaselineError, match=r"20,000 products, best of 3; this run has 5,000"):
        load_baseline(path, 5_000, 3)


def test_no_baseline_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="no baseline at") as error:
        load_baseline(tmp_path / "baseline.json", 20_000, 3)
    assert UPDATE_COMMAND in str(error.value)
