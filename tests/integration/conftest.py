"""Checks every integration test's DAG runs get for free."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
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


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for a test's own ``markets.toml`` (and catalog), which the DAG reads."""
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(tmp_path / "markets.toml"))
    return tmp_path


def run_with_tries(logical_date: datetime) -> tuple[str, dict[str, tuple[str, int]]]:
    """Run localize_catalog once; return the run's state and each task's (state, tries),
    read from Airflow's metadata database (a retried task has more than one try)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    dag_run = dag.test(logical_date=logical_date)
    with create_session() as session:
        tasks = session.execute(
            select(TaskInstance.task_id, TaskInstance.state, TaskInstance.try_number).where(
                TaskInstance.run_id == dag_run.run_id, TaskInstance.map_index <= 0
            )
        ).all()
    return str(dag_run.state), {task: (str(state), tries) for task, state, tries in tasks}


def run_localize(logical_date: datetime, conf: dict[str, object] | None = None) -> tuple[str, str]:
    """Run localize_catalog once with dag.test(); return the run's state and its run id."""
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(logical_date=logical_date, run_conf=conf or {})
    return str(run.state), run.run_id


def asset_events(run_id: str) -> dict[str, dict[str, object]]:
    """Asset events the run emitted, by asset name, read from Airflow's metadata database."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return {name: {"uri": uri, **(extra or {})} for name, uri, extra in rows}
