"""Checks every integration test's DAG runs get for free."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_FEED_LINE = re.compile(
    r"^(?P<market>\w+)\s+(?P<channel>\w+)\s+(?P<listed>\d+) listed,\s+(?P<aside>\d+) set aside"
    r"(?: \((?P<reasons>[^)]*)\))?"
)


def summary_problems(summary: str) -> list[str]:
    """Lines of a run summary whose arithmetic does not hold: a channel's reasons must add
    up to its set-aside count, and listed + set aside must be the market's product count
    on every channel line of that market."""
    problems = []
    totals: dict[str, set[int]] = {}
    for line in summary.splitlines():
        match = _FEED_LINE.match(line)
        if not match:
            continue
        reasons = [p for p in (match["reasons"] or "").split(", ") if p]
        counted = sum(int(part.rsplit(" ", 1)[1]) for part in reasons)
        if counted != int(match["aside"]) or "unexplained" in line:
            problems.append(line)
        totals.setdefault(match["market"], set()).add(int(match["listed"]) + int(match["aside"]))
    problems += [
        f"{m}: listed + set aside differ by channel {t}" for m, t in totals.items() if len(t) > 1
    ]
    return problems


@pytest.fixture(autouse=True)
def every_summary_adds_up(tmp_path: Path) -> Iterator[None]:
    """After each test, every summary its runs wrote must add up (issue #10)."""
    yield
    for summary in tmp_path.rglob("summary.txt"):
        assert summary_problems(summary.read_text(encoding="utf-8")) == [], summary
