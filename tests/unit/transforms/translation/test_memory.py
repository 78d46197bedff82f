"""The translation memory on both stores: keys, human vs machine, imports, glossary state."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from transforms.translation.memory import NewEntry, Segment, TranslationMemory, human_key

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TranslationMemory]:
    if request.param == "sqlite":
        with TranslationMemory.open_sqlite(tmp_path / "tm" / "memory.sqlite") as opened:
            yield opened
        return
    import psycopg

    conninfo = request.getfixturevalue("postgres_conninfo")
    schema = f"tm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        with TranslationMemory.open_postgres(f"{conninfo} options=-csearch_path={schema}") as m:
            yield m
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def entry(segment: Segment, text: str, origin: str = "machine", qa: str = "") -> NewEntry:
    key = segment.machine_key if origin == "machine" else segment.human_key
    return NewEntry(key, origin, "EN", segment.target, segment.variant,  # type: ignore[arg-type]
                    segment.source_text, text, qa, len(segment.source_text))  # fmt: skip


def test_every_setting_that_shapes_deepls_answer_is_in_the_key() -> None:
    base = Segment("<p>Bottle</p>", "EN", "DE", "more", "", "html", "")
    variants = [
        Segment("<p>Bottle!</p>", "EN", "DE", "more", "", "html", ""),
        Segment("<p>Bottle</p>", "EN", "FR", "more", "", "html", ""),
        Segment("<p>Bottle</p>", "EN", "DE", "less", "", "html", ""),
        Segment("<p>Bottle</p>", "EN", "DE", "more", "de_CH", "html", ""),
        Segment("<p>Bottle</p>", "EN", "DE", "more", "", "", ""),
        Segment("<p>Bottle</p>", "EN", "DE", "more", "", "html", "a1b2"),
    ]
    keys = {base.machine_key, *(v.machine_key for v in variants)}
    assert len(keys) == 7
    # People translate texts, not settings: formality, tags and glossary do not split them.
    assert {base.human_key, variants[2].human_key, variants[4].human_key} == {base.human_key}
    assert variants[3].human_key != base.human_key  # a market variant does
    assert base.human_key == human_key("<p>Bottle</p>", "EN", "DE")


def test_store_and_lookup_keep_origin_and_qa(memory: TranslationMemory) -> None:
    ok = Segment("Bottle", "EN", "DE")
    bad = Segment("Bottle 2", "EN", "DE")
    memory.store([entry(ok, "Flasche"), entry(bad, "Flasche", qa="number 2 is missing")], "r1")
    memory.store([entry(ok, "Die Flasche", origin="human")], "r1")
    found = memory.lookup([ok.machine_key, ok.human_key, bad.machine_key, "missing"])
    assert found[ok.machine_key].target_text == "Flasche"
    assert found[ok.human_key].origin == "human"
    assert found[bad.machine_key].qa_problems == "number 2 is missing"
    assert "missing" not in found
    assert (memory.count(), memory.count("human"), memory.count("machine")) == (3, 1, 2)


def test_lookups_span_chunks(memory: TranslationMemory) -> None:
    segments = [Segment(f"text {n}", "EN", "PL") for n in range(2500)]
    memory.store([entry(s, f"tekst {n}") for n, s in enumerate(segments)], "r1")
    found = memory.lookup(s.machine_key for s in segments)
    assert len(found) == 2500
    assert found[segments[1234].machine_key].target_text == "tekst 1234"


def test_imports_and_glossary_state_are_remembered(memory: TranslationMemory) -> None:
    assert not memory.was_imported("abc")
    memory.record_import("abc", "translator.tmx", 3, "r1")
    memory.record_import("abc", "translator.tmx", 3, "r2")  # idempotent
    assert memory.was_imported("abc")
    assert memory.glossary_state("grenzenlos") is None
    memory.set_glossary_state("grenzenlos", "hash1", "id-1")
    memory.set_glossary_state("grenzenlos", "hash2", "id-2")
    assert memory.glossary_state("grenzenlos") == ("hash2", "id-2")


def test_a_failed_transaction_stores_nothing(memory: TranslationMemory) -> None:
    segment = Segment("Bottle", "EN", "DE")
    broken = NewEntry(segment.machine_key, "machine", "EN", "DE", "", "Bottle", None, "", 0)  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017, PT011 - sqlite3 and psycopg raise their own
        memory.store([entry(Segment("Lid", "EN", "DE"), "Deckel"), broken], "r1")
    assert memory.count() == 0


def test_a_lookup_of_any_size_is_one_query(tmp_path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(str(tmp_path / "memory.sqlite"), isolation_level=None)
    memory = TranslationMemory(connection, "sqlite")
    segments = [Segment(f"text {n}", "EN", "PL") for n in range(5000)]
    memory.store([entry(s, f"tekst {n}") for n, s in enumerate(segments)], "r1")
    queries: list[str] = []
    connection.set_trace_callback(queries.append)
    found = memory.lookup([*(s.machine_key for s in segments), "missing"])
    assert len(found) == 5000
    assert len(queries) == 1
    assert memory.lookup([]) == {} and len(queries) == 1  # nothing to ask, no query
    connection.close()
