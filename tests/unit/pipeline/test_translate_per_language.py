"""The translate step split by target language gives what the one-call step gives.

`prepare_translation` once, `translate_language` per group of `translation_groups`,
`merge_translation_reports` at the end: the markets' outcome files byte for byte, the
review files and the report as `translate_snapshot` (and the whole-catalog
`translate_catalog` the step called before the split) make them, on the sample catalog
against DeepL's own mock. Language tasks may share a SQLite memory on one machine at the
same time; tasks on several machines need PostgreSQL, and say so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import read_snapshot
from pipeline.records import TranslationPrepared
from pipeline.translate import (
    merge_translation_reports,
    prepare_translation,
    translate_language,
    translate_snapshot,
    translation_groups,
)
from schemas.config.loader import load_config
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig, Translation
    from tests.deepl_mock import DeepLMock

RUN = "2026-11-26"


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


def settings_for(
    config: PipelineConfig, memory: Path, mock: DeepLMock | None = None
) -> Translation:
    update: dict[str, Any] = {"memory_path": str(memory)}
    if mock is not None:
        update["server_url"] = mock.url
    return config.translation.model_copy(update=update)


def split_run(
    snapshot: Path,
    markets: list[Market],
    settings: Translation,
    work: Path,
    **options: Any,
) -> dict[str, Any]:
    """The step as one task per language would run it, one after the other."""
    prepared = prepare_translation(snapshot, markets, settings, work / "staging", **options)
    prepared = json.loads(json.dumps(prepared))  # as XCom hands it over
    by_code = {m.code: m for m in markets}
    parts = [
        translate_language(
            snapshot,
            [by_code[code] for code in group],
            settings,
            work / "staging",
            work / "report",
            prepared=prepared,
            **options,
        )
        for group in translation_groups(markets)
    ]
    return merge_translation_reports(parts, work / "staging", work / "report", prepared)


def outputs(work: Path) -> dict[str, bytes]:
    """Every outcome file and review file of a run, by name, and the published report."""
    found = {
        f"translations/{p.name}": p.read_bytes()
        for p in (work / "staging" / "translations").glob("*.jsonl")
    }
    found |= {f"report/{p.name}": p.read_bytes() for p in (work / "report").glob("*.xlf")}
    return found


def portable(report: dict[str, Any], work: Path) -> dict[str, Any]:
    """A report with the run's own folder taken out of its paths."""
    loaded: dict[str, Any] = json.loads(json.dumps(report).replace(str(work), "<work>"))
    return loaded


def test_every_market_is_in_one_group_per_deepl_target(markets: list[Market]) -> None:
    groups = translation_groups(markets)
    codes = [code for group in groups for code in group]
    assert sorted(codes) == sorted(m.code for m in markets)
    assert len(codes) == len(set(codes))
    by_code = {m.code: m for m in markets}
    assert all(len({by_code[code].deepl_target for code in group}) == 1 for group in groups)
    assert len(groups) == len({m.deepl_target for m in markets})
    assert ["AT", "CH", "DE"] in groups and ["BE_NL", "NL"] in groups
    assert ["GB"] in groups and ["US"] in groups  # source language: files, no translation
    assert groups == sorted(groups)


@pytest.mark.deepl_mock
def test_per_language_tasks_give_the_one_call_steps_files_and_report(
    config: PipelineConfig,
    markets: list[Market],
    snapshot: Path,
    tmp_path: Path,
    deepl_mock: DeepLMock,
) -> None:
    import deepl

    from transforms.translation.glossary import load_glossary
    from transforms.translation.human_pairs import import_human_translations
    from transforms.translation.memory import TranslationMemory
    from transforms.translation.run import translate_catalog

    key = f"per-language-{uuid.uuid4()}"  # a fresh mock account: no glossary yet
    targets = sorted({m.deepl_target for m in markets})
    options: dict[str, Any] = {"auth_key": key, "run_id": RUN, "glossary_targets": targets}

    one = tmp_path / "one"
    whole = translate_snapshot(
        snapshot,
        markets,
        settings_for(config, one / "memory.sqlite", deepl_mock),
        one / "staging",
        one / "report",
        **options,
    )

    # The step before the split: one translate_catalog over every market.
    before = tmp_path / "before"
    settings = settings_for(config, before / "memory.sqlite", deepl_mock)
    assert settings.glossary_path is not None
    glossary = load_glossary(Path(settings.glossary_path), settings.source_lang)
    with TranslationMemory.open_sqlite(before / "memory.sqlite") as memory:
        imported = import_human_translations(
            memory,
            [Path(f) for f in settings.human_translations],
            settings,
            {m.locale for m in markets if m.translation_variant},
            RUN,
        )
        (before / "report").mkdir(parents=True)
        outcome = translate_catalog(
            lambda: read_snapshot(snapshot),
            markets,
            settings,
            glossary,
            memory,
            before / "staging" / "translations",
            review_dir=before / "report",
            auth_key=key,
            run=RUN,
            glossary_targets=targets,
        )
    old_report = {**outcome.report, "imported": imported}

    split = tmp_path / "split"
    settings = settings_for(config, split / "memory.sqlite", deepl_mock)
    client = deepl.DeepLClient(key, server_url=deepl_mock.url)
    glossaries = {g.glossary_id for g in client.list_multilingual_glossaries()}
    # The language tasks neither import the translators' files again (this one is not
    # there) nor create the glossary (prepare synced it).
    prepared = prepare_translation(snapshot, markets, settings, split / "staging", **options)
    assert prepared["deepl"]["glossary_id"]
    after_prepare = {g.glossary_id for g in client.list_multilingual_glossaries()}
    assert after_prepare - glossaries == {prepared["deepl"]["glossary_id"]}
    language_settings = settings.model_copy(update={"human_translations": ["/nowhere.tmx"]})
    by_code = {m.code: m for m in markets}
    parts = [
        translate_language(
            snapshot,
            [by_code[code] for code in group],
            language_settings,
            split / "staging",
            split / "report",
            prepared=json.loads(json.dumps(prepared)),
            **options,
        )
        for group in translation_groups(markets)
    ]
    assert {g.glossary_id for g in client.list_multilingual_glossaries()} == after_prepare
    for part in parts:
        assert json.loads(Path(part["report_part"]).read_text()) == part["report"]
    merged = merge_translation_reports(parts, split / "staging", split / "report", prepared)

    assert sorted(merged["files"]) == sorted(m.code for m in markets)
    assert outputs(split) == outputs(one) == outputs(before)
    report = portable(merged["report"], split)
    assert len(outputs(split)) == len(markets) + len(report["languages"])  # + review files
    assert report == portable(whole["report"], one) == portable(old_report, before)
    assert report["imported"] == {"translations.tmx": {"imported": 716, "skipped": 0}}
    assert report["catalog_pairs_recorded"] > 0
    assert report["deepl_key"] is True and report["stopped"] is None
    assert all(lang["requests"] > 0 for lang in report["languages"].values())  # DeepL asked
    published = json.loads((split / "report" / "translation.json").read_text())
    assert published == merged["report"]
    assert merged["report_path"] == str(split / "report" / "translation.json")


_LANGUAGE_TASK = """
import json, sys, time
from pathlib import Path
from pipeline.translate import translate_language
from schemas.config.loader import load_config
from schemas.config.pipeline import Translation

job = json.loads(sys.argv[1])
config = load_config(Path("config/markets.toml"), env={})
markets = [config.market(code) for code in job["group"]]
settings = Translation.model_validate(job["settings"])
Path(job["ready"]).touch()
started = time.monotonic()
result = translate_language(
    Path(job["snapshot"]), markets, settings, Path(job["run_dir"]), Path(job["report_dir"]),
    auth_key=job["key"], run_id=job["run"], prepared=job["prepared"],
)
print(json.dumps({"started": started, "ended": time.monotonic(), "result": result}))
"""


@pytest.mark.deepl_mock
def test_two_languages_at_once_share_one_sqlite_memory(
    config: PipelineConfig,
    markets: list[Market],
    snapshot: Path,
    tmp_path: Path,
    deepl_mock: DeepLMock,
) -> None:
    key = f"concurrent-{uuid.uuid4()}"
    memory = tmp_path / "memory.sqlite"
    settings = settings_for(config, memory, deepl_mock)
    run_dir, report_dir = tmp_path / "staging", tmp_path / "report"
    options: dict[str, Any] = {"auth_key": key, "run_id": RUN}
    prepared = prepare_translation(snapshot, markets, settings, run_dir, **options)
    groups = [["PL"], ["CN"]]  # both need DeepL, so both write machine entries
    jobs: list[dict[str, Any]] = []
    for group in groups:
        job = {
            "group": group,
            "settings": settings.model_dump(mode="json"),
            "snapshot": str(snapshot),
            "run_dir": str(run_dir),
            "report_dir": str(report_dir),
            "key": key,
            "run": RUN,
            "prepared": prepared,
            "ready": str(tmp_path / f"ready-{group[0]}"),
        }
        jobs.append(job)
    # A third writer (as a sibling task storing its entries) holds the write lock while
    # both start, longer than sqlite3's default 5 s wait: each must wait for it, and for
    # the other, not fail with "database is locked".
    holder = sqlite3.connect(memory, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _LANGUAGE_TASK, json.dumps(job)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for job in jobs
    ]
    try:
        deadline = time.monotonic() + 120
        while not all(Path(job["ready"]).exists() for job in jobs):
            assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(6.5)
        # Still waiting for the lock, not failed.
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        answers.append(json.loads(out.splitlines()[-1]))
    first, second = answers
    assert first["started"] < second["ended"] and second["started"] < first["ended"]

    # The same languages one after the other, in a memory of their own, give the same.
    alone = tmp_path / "alone"
    settings = settings_for(config, alone / "memory.sqlite", deepl_mock)
    prepared = prepare_translation(snapshot, markets, settings, alone / "staging", **options)
    by_code = {m.code: m for m in markets}
    for group, answer in zip(groups, answers, strict=True):
        expected = translate_language(
            snapshot,
            [by_code[code] for code in group],
            settings,
            alone / "staging",
            alone / "report",
            prepared=prepared,
            **options,
        )
        assert portable(answer["result"]["report"], tmp_path) == portable(expected["report"], alone)
        target = by_code[group[0]].deepl_target
        assert answer["result"]["report"]["languages"][target]["requests"] > 0
        for code in group:
            written = Path(answer["result"]["files"][code]).read_bytes()
            assert written and written == Path(expected["files"][code]).read_bytes()


def test_tasks_on_several_machines_refuse_a_sqlite_memory(
    config: PipelineConfig, markets: list[Market], snapshot: Path, tmp_path: Path
) -> None:
    settings = settings_for(config, tmp_path / "memory.sqlite")
    refusal = r"several machines cannot share a SQLite .*set \[translation\] memory_conn_id"
    options: dict[str, Any] = {"auth_key": None, "run_id": RUN, "distributed": True}
    with pytest.raises(ValueError, match=refusal):
        prepare_translation(snapshot, markets, settings, tmp_path / "staging", **options)
    with pytest.raises(ValueError, match=refusal):
        translate_language(
            snapshot,
            [config.market("PL")],
            settings,
            tmp_path / "staging",
            tmp_path / "report",
            prepared=TranslationPrepared(
                imported={},
                catalog_pairs_recorded=0,
                glossary_targets=[],
                deepl=None,
                warnings=[],
                deepl_key=False,
                currency="EUR",
            ),
            **options,
        )
    assert not (tmp_path / "memory.sqlite").exists()
    assert not (tmp_path / "staging").exists()


@pytest.fixture
def postgres_memory(postgres_conninfo: str) -> Iterator[str]:
    """The conninfo of a PostgreSQL memory in a schema of its own, dropped afterwards."""
    import psycopg

    schema = f"tm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{postgres_conninfo} options=-csearch_path={schema}"
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.postgres
def test_tasks_on_several_machines_share_a_postgresql_memory(
    config: PipelineConfig,
    markets: list[Market],
    snapshot: Path,
    tmp_path: Path,
    postgres_memory: str,
) -> None:
    from transforms.translation.memory import TranslationMemory

    options: dict[str, Any] = {"auth_key": None, "run_id": RUN}
    settings = settings_for(config, tmp_path / "unused.sqlite")
    split = tmp_path / "split"
    merged = split_run(
        snapshot,
        markets,
        settings,
        split,
        memory_conninfo=postgres_memory,
        distributed=True,
        **options,
    )
    assert not (tmp_path / "unused.sqlite").exists()
    with TranslationMemory.open_postgres(postgres_memory) as memory:
        assert memory.count("human") > 700  # the translators' TMX and the catalog's pairs

    one = tmp_path / "one"
    whole = translate_snapshot(
        snapshot,
        markets,
        settings_for(config, one / "memory.sqlite"),
        one / "staging",
        one / "report",
        **options,
    )
    assert outputs(split) == outputs(one)
    assert portable(merged["report"], split) == portable(whole["report"], one)
    assert merged["report"]["languages"]["PL"]["human"] > 0
