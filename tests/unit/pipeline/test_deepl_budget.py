"""The run's DeepL character budget holds across its language tasks.

`translate_language` tasks of one run (one per target language, possibly on several
machines) draw on one ``character_budget``, counted in the translation memory
(`TranslationMemory.reserve_characters`): on the sample catalog against DeepL's own
mock, two tasks together send no more than the budget, in SQLite and in PostgreSQL,
and reservations from several processes at once never take more than the budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog, stage_catalog
from pipeline.translate import (
    merge_translation_reports,
    prepare_translation,
    translate_language,
)
from schemas.config.loader import load_config
from tests.conftest import ROOT
from transforms.translation.memory import TranslationMemory

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig, Translation
    from tests.deepl_mock import DeepLMock

RUN = "2026-11-26"
GROUPS = (["PL"], ["CN"])
"""Two languages that both need DeepL on the sample catalog, in the order they run."""


@pytest.fixture(scope="module")
def config() -> PipelineConfig:
    return load_config(ROOT / "config" / "markets.toml", env={})


@pytest.fixture(scope="module")
def markets(config: PipelineConfig) -> list[Market]:
    return [config.market(code) for code in sorted(config.markets)]


@pytest.fixture(scope="module")
def snapshot(config: PipelineConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    staged = stage_catalog(read_catalog(config.catalog), tmp_path_factory.mktemp("snapshot"))
    return Path(staged["snapshot"])


@pytest.fixture
def postgres_schema(postgres_conninfo: str) -> Iterator[str]:
    """The conninfo of a PostgreSQL memory in a schema of its own, dropped afterwards."""
    import psycopg

    schema = f"budget_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{postgres_conninfo} options=-csearch_path={schema}"
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def settings_for(
    config: PipelineConfig, work: Path, mock: DeepLMock, budget: int | None = None
) -> Translation:
    update: dict[str, Any] = {"memory_path": str(work / "memory.sqlite"), "server_url": mock.url}
    if budget is not None:
        update["character_budget"] = budget
    return config.translation.model_copy(update=update)


def language_tasks(
    snapshot: Path,
    markets: list[Market],
    settings: Translation,
    work: Path,
    **options: Any,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`prepare_translation` once, then one `translate_language` call per group of
    `GROUPS`, one after the other, each with its own copy of what prepare handed over
    (as XCom gives it to tasks on other machines). Returns the parts and the merged
    report."""
    prepared = prepare_translation(snapshot, markets, settings, work / "staging", **options)
    by_code = {m.code: m for m in markets}
    parts = [
        translate_language(
            snapshot,
            [by_code[code] for code in group],
            settings,
            work / "staging",
            work / "report",
            prepared=json.loads(json.dumps(prepared)),
            **options,
        )
        for group in GROUPS
    ]
    merged = merge_translation_reports(parts, work / "staging", work / "report", prepared)
    return parts, merged["report"]


def characters_sent(part: dict[str, Any]) -> int:
    return sum(lang["characters_sent"] for lang in part["report"]["languages"].values())


@pytest.fixture(scope="module")
def needs(
    config: PipelineConfig,
    markets: list[Market],
    snapshot: Path,
    deepl_mock: DeepLMock,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[int]:
    """Characters each group of `GROUPS` sends to DeepL under the configured budget."""
    work = tmp_path_factory.mktemp("needs")
    options = {"auth_key": f"budget-needs-{uuid.uuid4()}", "run_id": RUN}
    parts, report = language_tasks(
        snapshot, markets, settings_for(config, work, deepl_mock), work, **options
    )
    assert report["stopped"] is None
    sent = [characters_sent(part) for part in parts]
    assert all(sent), sent  # both languages need DeepL
    return sent


@pytest.mark.deepl_mock
@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_language_tasks_together_stay_within_the_runs_budget(
    store: str,
    config: PipelineConfig,
    markets: list[Market],
    snapshot: Path,
    deepl_mock: DeepLMock,
    needs: list[int],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    import deepl

    first_needs, second_needs = needs
    budget = first_needs + second_needs - 1  # one character short of both
    key = f"budget-{uuid.uuid4()}"  # a fresh mock account: its usage is this run's
    options: dict[str, Any] = {"auth_key": key, "run_id": RUN}
    if store == "postgres":
        conninfo = request.getfixturevalue("postgres_schema")
        options |= {"memory_conninfo": conninfo, "distributed": True}
    settings = settings_for(config, tmp_path, deepl_mock, budget)

    (first, second), report = language_tasks(snapshot, markets, settings, tmp_path, **options)

    reason = f"the run's character budget of {budget:,} would be exceeded"
    assert first["report"]["stopped"] is None
    assert characters_sent(first) == first_needs
    assert reason in second["report"]["stopped"]
    assert reason in report["stopped"]
    assert 0 < characters_sent(second) < second_needs  # it sent what still fitted
    [language] = second["report"]["languages"].values()
    assert language["pending"] > 0
    assert characters_sent(first) + characters_sent(second) <= budget
    usage = deepl.DeepLClient(key, server_url=deepl_mock.url).get_usage()
    assert usage.character is not None
    assert usage.character.count == characters_sent(first) + characters_sent(second)
    memory = (
        TranslationMemory.open_postgres(options["memory_conninfo"])
        if store == "postgres"
        else TranslationMemory.open_sqlite(settings.memory_path or "")
    )
    with memory:
        assert memory.reserved_characters(RUN) == usage.character.count


_RESERVER = """
import json, sys, time
from pathlib import Path
from transforms.translation.memory import TranslationMemory

job = json.loads(sys.argv[1])
memory = (
    TranslationMemory.open_postgres(job["conninfo"])
    if job["conninfo"]
    else TranslationMemory.open_sqlite(job["sqlite"])
)
Path(job["ready"]).touch()
while not Path(job["go"]).exists():
    time.sleep(0.001)
granted = {}
for run in job["runs"]:
    granted[run] = 0
    for _ in range(job["attempts"]):
        if memory.reserve_characters(run, job["size"], job["budget"]):
            granted[run] += job["size"]
        time.sleep(job["pause"])
memory.close()
print(json.dumps(granted))
"""


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_reservations_from_two_processes_never_exceed_the_budget(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two processes fill the budgets of many runs, in the same order, at the same time:
    each run's end of budget is a moment both may reserve at once."""
    conninfo = request.getfixturevalue("postgres_schema") if store == "postgres" else ""
    sqlite = str(tmp_path / "memory.sqlite")
    opened: Callable[[], TranslationMemory] = (
        (lambda: TranslationMemory.open_postgres(conninfo))
        if conninfo
        else (lambda: TranslationMemory.open_sqlite(sqlite))
    )
    with opened():  # the tables, before both processes start
        pass
    runs = [f"{RUN}-{n:03d}" for n in range(80)]
    budget, sizes = 50, (3, 7)
    attempts = budget // min(sizes) + 1  # each alone could take a whole budget
    go = tmp_path / "go"
    jobs: list[dict[str, Any]] = [
        {
            "conninfo": conninfo,
            "sqlite": sqlite,
            "runs": runs,
            "size": size,
            "budget": budget,
            "attempts": attempts,
            "pause": 0.0005,  # as a task's request would: SQLite's waiting writer gets in
            "ready": str(tmp_path / f"ready-{size}"),
            "go": str(go),
        }
        for size in sizes
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _RESERVER, json.dumps(job)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for job in jobs
    ]
    deadline = time.monotonic() + 60
    while not all(Path(job["ready"]).exists() for job in jobs):
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    go.touch()  # both start reserving at once
    granted: list[dict[str, int]] = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        granted.append(json.loads(out.splitlines()[-1]))

    totals = {run: sum(g[run] for g in granted) for run in runs}
    assert sum(1 for run in runs if all(g[run] for g in granted)) > 0  # they did share runs
    assert max(totals.values()) <= budget
    assert min(totals.values()) > budget - max(sizes)  # what was left fitted neither
    with opened() as memory:
        counted = {run: memory.reserved_characters(run) for run in runs}
        assert counted == totals  # none lost, none extra
        assert memory.reserved_characters("another run") == 0
        assert memory.reserve_characters("another run", budget, budget)  # runs count apart
