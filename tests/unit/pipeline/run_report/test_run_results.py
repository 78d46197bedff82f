"""Whether a run is incomplete, from what its tasks handed the summary task: a step
before the builds that failed, a market whose build failed, a publish that failed on a
run that was to publish. The summary task fails the run on it (after writing the report),
so a run whose localize or publish step failed never looks green."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.run_report.summary import run_results

STAGED: Any = {"snapshot": "staging/run/snapshot.parquet"}
VALIDATED: Any = {"quarantined": 0}
TRANSLATED: Any = {"report": "staging/run/translation.json"}
DE: Any = {"market": "DE"}
FR: Any = {"market": "FR"}
PUBLISHED: Any = [{"market": "DE", "channel": "google"}]
BEFORE_BUILDS = "a task failed before every market was built"


def test_a_run_that_got_everything_is_complete() -> None:
    results = run_results(STAGED, VALIDATED, TRANSLATED, [DE, FR], PUBLISHED, dry_run=False)
    assert results.failed is None
    assert results.built == [DE, FR] and results.published == PUBLISHED
    assert (results.staged, results.validated, results.translated) == (
        STAGED,
        VALIDATED,
        TRANSLATED,
    )


@pytest.mark.parametrize("missing", ["staged", "validated", "translated"])
def test_a_step_before_the_builds_that_failed_makes_it_incomplete(missing: str) -> None:
    steps = {"staged": STAGED, "validated": VALIDATED, "translated": TRANSLATED, missing: None}
    results = run_results(**steps, built=[DE], published=PUBLISHED, dry_run=False)
    assert results.failed == BEFORE_BUILDS


def test_one_market_whose_build_failed_makes_it_incomplete_and_the_others_are_reported() -> None:
    results = run_results(STAGED, VALIDATED, TRANSLATED, [DE, None], PUBLISHED, dry_run=False)
    assert results.failed == BEFORE_BUILDS
    assert results.built == [DE]


def test_no_market_built_makes_it_incomplete() -> None:
    assert run_results(STAGED, VALIDATED, TRANSLATED, [], None, dry_run=True).failed == (
        BEFORE_BUILDS
    )


def test_a_failed_publish_makes_it_incomplete_unless_nothing_was_to_be_published() -> None:
    failed = run_results(STAGED, VALIDATED, TRANSLATED, [DE], None, dry_run=False)
    assert failed.failed == "the publish step failed"
    dry = run_results(STAGED, VALIDATED, TRANSLATED, [DE], None, dry_run=True)
    assert dry.failed is None


def test_nothing_published_is_still_a_publish_that_ran() -> None:
    """Every feed held back: publish returns an empty list, not None."""
    assert run_results(STAGED, VALIDATED, TRANSLATED, [DE], [], dry_run=False).failed is None
