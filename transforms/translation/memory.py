"""The translation memory: every translated segment, so nothing is paid for twice.

A machine entry is keyed by everything that shapes DeepL's answer: the source
text, source and target language, the market variant, formality, tag handling and
the version of the glossary entries the text uses. A human entry (a translator's
TMX or XLIFF, or the catalog's own localized text) is keyed by the text and the
languages only, and wins over any machine entry: the two never share a key, so
machine output cannot overwrite a human one.

Two stores with the same tables: a SQLite file (the default) and PostgreSQL
(production, through an Airflow connection the DAG resolves). Several processes on
one machine may share the SQLite file (the translate step runs once per target
language): a writer waits up to `SQLITE_BUSY_SECONDS` for another's transaction.

The memory also keeps each run's count of characters sent to DeepL
(`reserve_characters`), so the run's character budget holds across its language tasks
wherever they run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

Origin = Literal["human", "machine"]
SQLITE_BUSY_SECONDS = 60.0
"""How long a SQLite connection waits for another process's lock before it fails."""

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS translation_memory (
        segment_key TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        variant TEXT NOT NULL,
        source_text TEXT NOT NULL,
        target_text TEXT NOT NULL,
        qa_problems TEXT NOT NULL,
        billed_characters INTEGER NOT NULL,
        created_run TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS translation_imports (
        content_sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        entries INTEGER NOT NULL,
        created_run TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS glossary_sync (
        name TEXT PRIMARY KEY,
        content_sha256 TEXT NOT NULL,
        glossary_id TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS deepl_budget (
        run TEXT PRIMARY KEY,
        characters BIGINT NOT NULL
    )""",
)
_COLUMNS = (
    "segment_key, origin, source_lang, target_lang, variant, source_text, target_text, "
    "qa_problems, billed_characters, created_run"
)


@dataclass(frozen=True, slots=True)
class Segment:
    """One text to be had in one target language, and what shapes its translation.

    Attributes:
        source_text: The text in the source language (HTML for descriptions).
        source_lang: DeepL source language (``EN``).
        target: DeepL target language (``DE``, ``EN-GB``, ``ZH-HANS``).
        formality: Formality sent to DeepL, ``""`` for none.
        variant: A market's own variant (its locale), ``""`` when shared.
        tag_handling: ``html`` for HTML texts, ``""`` for plain text.
        glossary_version: Hash of the glossary entries the text uses, ``""`` for none.
    """

    source_text: str
    source_lang: str
    target: str
    formality: str = ""
    variant: str = ""
    tag_handling: str = ""
    glossary_version: str = ""

    @property
    def machine_key(self) -> str:
        """Memory key of DeepL's translation under exactly these settings."""
        return machine_key(
            self.source_text,
            self.source_lang,
            self.target,
            self.formality,
            self.variant,
            self.tag_handling,
            self.glossary_version,
        )

    @property
    def human_key(self) -> str:
        """Memory key of a translator's translation (settings do not matter to people)."""
        return human_key(self.source_text, self.source_lang, self.target, self.variant)


def machine_key(
    source_text: str,
    source_lang: str,
    target: str,
    formality: str = "",
    variant: str = "",
    tag_handling: str = "",
    glossary_version: str = "",
) -> str:
    """`Segment.machine_key` without making a `Segment` (the translate step's hot path)."""
    return _key(
        "m", source_lang, target, variant, formality, tag_handling, glossary_version, source_text
    )


def human_key(source_text: str, source_lang: str, target: str, variant: str = "") -> str:
    """Memory key of an approved human translation."""
    return _key("h", source_lang, target, variant, source_text)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """A stored translation.

    Attributes:
        origin: ``human`` (approved) or ``machine``.
        target_text: The translation.
        qa_problems: Why the QA gate held a machine translation back; ``""`` when it passed.
    """

    origin: Origin
    target_text: str
    qa_problems: str = ""


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A translation to store."""

    key: str
    origin: Origin
    source_lang: str
    target_lang: str
    variant: str
    source_text: str
    target_text: str
    qa_problems: str = ""
    billed_characters: int = 0

    def row(self, run: str) -> tuple[Any, ...]:
        return (
            self.key,
            self.origin,
            self.source_lang,
            self.target_lang,
            self.variant,
            self.source_text,
            self.target_text,
            self.qa_problems,
            self.billed_characters,
            run,
        )


class TranslationMemory:
    """A translation memory on SQLite or PostgreSQL (open with `open_sqlite` / `open_postgres`)."""

    def __init__(self, connection: Any, dialect: Literal["sqlite", "postgres"]) -> None:
        self._connection = connection
        self._dialect = dialect
        self._mark = "?" if dialect == "sqlite" else "%s"
        with self._transaction() as cursor:
            for statement in _SCHEMA:
                cursor.execute(statement)

    @classmethod
    def open_sqlite(cls, path: Path | str) -> TranslationMemory:
        """The memory in a SQLite file (created with its folder when missing).

        The connection waits for other processes' locks (`SQLITE_BUSY_SECONDS`), and its
        transactions take the write lock when they begin, so two writers queue up rather
        than fail with "database is locked".
        """
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), isolation_level=None, timeout=SQLITE_BUSY_SECONDS)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return cls(connection, "sqlite")

    @classmethod
    def open_postgres(cls, conninfo: str) -> TranslationMemory:
        """The memory in a PostgreSQL database (tables created when missing)."""
        import psycopg

        return cls(psycopg.connect(conninfo, autocommit=True), "postgres")

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, keys: Iterable[str]) -> dict[str, MemoryEntry]:
        """The stored entries among ``keys`` (human and machine keys alike), in one query.

        The keys travel as one parameter (a JSON array SQLite reads with ``json_each``, a
        text array in PostgreSQL), so a batch of any size costs one round trip; they are
        sent sorted, which keeps SQLite's index reads close together.
        """
        wanted = sorted(set(keys))
        found: dict[str, MemoryEntry] = {}
        if not wanted:
            return found
        cursor = self._connection.cursor()
        try:
            if self._dialect == "postgres":
                cursor.execute(
                    "SELECT segment_key, origin, target_text, qa_problems "
                    "FROM translation_memory WHERE segment_key = ANY(%s)",
                    (wanted,),
                )
            else:
                cursor.execute(
                    "SELECT segment_key, origin, target_text, qa_problems "
                    "FROM translation_memory WHERE segment_key IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(wanted),),
                )
            for key, origin, text, problems in cursor.fetchall():
                found[key] = MemoryEntry(origin, text, problems)
        finally:
            cursor.close()
        return found

    def store(self, entries: Sequence[NewEntry], run: str) -> None:
        """Store entries; a key already there gets the new text (same key, same origin)."""
        if not entries:
            return
        marks = ",".join([self._mark] * 10)
        statement = (
            f"INSERT INTO translation_memory ({_COLUMNS}) VALUES ({marks}) "
            "ON CONFLICT (segment_key) DO UPDATE SET target_text = excluded.target_text, "
            "qa_problems = excluded.qa_problems, billed_characters = "
            "excluded.billed_characters, created_run = excluded.created_run"
        )
        with self._transaction() as cursor:
            cursor.executemany(statement, [entry.row(run) for entry in entries])

    def count(self, origin: Origin | None = None) -> int:
        """Number of entries, of one origin or all."""
        cursor = self._connection.cursor()
        try:
            if origin is None:
                cursor.execute("SELECT COUNT(*) FROM translation_memory")
            else:
                cursor.execute(
                    f"SELECT COUNT(*) FROM translation_memory WHERE origin = {self._mark}",
                    (origin,),
                )
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def was_imported(self, content_sha256: str) -> bool:
        """Whether a translators' file with this content was imported before."""
        return bool(self._one("translation_imports", "content_sha256", content_sha256, "name"))

    def record_import(self, content_sha256: str, name: str, entries: int, run: str) -> None:
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO translation_imports (content_sha256, name, entries, created_run) "
                f"VALUES ({self._mark}, {self._mark}, {self._mark}, {self._mark}) "
                "ON CONFLICT (content_sha256) DO NOTHING",
                (content_sha256, name, entries, run),
            )

    def glossary_state(self, name: str) -> tuple[str, str] | None:
        """(content hash, DeepL glossary id) of the glossary last synced under ``name``."""
        cursor = self._connection.cursor()
        try:
            cursor.execute(
                f"SELECT content_sha256, glossary_id FROM glossary_sync WHERE name = {self._mark}",
                (name,),
            )
            row = cursor.fetchone()
        finally:
            cursor.close()
        return (row[0], row[1]) if row else None

    def set_glossary_state(self, name: str, content_sha256: str, glossary_id: str) -> None:
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO glossary_sync (name, content_sha256, glossary_id) "
                f"VALUES ({self._mark}, {self._mark}, {self._mark}) ON CONFLICT (name) "
                "DO UPDATE SET content_sha256 = excluded.content_sha256, "
                "glossary_id = excluded.glossary_id",
                (name, content_sha256, glossary_id),
            )

    def reserve_characters(self, run: str, characters: int, budget: int) -> bool:
        """Count ``characters`` towards ``run``'s DeepL budget if the run's total stays
        within ``budget``; False (and nothing counted) when it would exceed it.

        One statement in one transaction (SQLite's takes the write lock when it begins):
        tasks of one run reserving at the same time, in several processes or on several
        machines, never take more than ``budget`` together. The count only ever grows by
        reservations and shrinks by `release_characters`; nothing resets it, so a retried
        task, or the run started again, goes on under what the run already spent.

        >>> memory = TranslationMemory.open_sqlite(":memory:")
        >>> memory.reserve_characters("2026-11-26", 60, budget=100)
        True
        >>> memory.reserve_characters("2026-11-26", 50, budget=100)
        False
        >>> memory.reserve_characters("2026-11-26", 40, budget=100)
        True
        >>> memory.reserved_characters("2026-11-26"), memory.reserved_characters("other")
        (100, 0)
        >>> memory.close()
        """
        if characters > budget:
            return False
        mark = self._mark
        with self._transaction() as cursor:
            cursor.execute(
                f"INSERT INTO deepl_budget (run, characters) VALUES ({mark}, {mark}) "
                "ON CONFLICT (run) DO UPDATE "
                "SET characters = deepl_budget.characters + excluded.characters "
                f"WHERE deepl_budget.characters + excluded.characters <= {mark} "
                "RETURNING characters",
                (run, characters, budget),
            )
            return cursor.fetchone() is not None

    def release_characters(self, run: str, characters: int) -> None:
        """Give back reserved characters that were not sent after all (DeepL refused the
        request, or never got it: it bills neither)."""
        with self._transaction() as cursor:
            cursor.execute(
                f"UPDATE deepl_budget SET characters = characters - {self._mark} "
                f"WHERE run = {self._mark}",
                (characters, run),
            )

    def reserved_characters(self, run: str) -> int:
        """Characters ``run`` has reserved towards its DeepL budget so far."""
        return int(self._one("deepl_budget", "run", run, "characters") or 0)

    def _one(self, table: str, column: str, value: str, wanted: str) -> Any:
        cursor = self._connection.cursor()
        try:
            cursor.execute(f"SELECT {wanted} FROM {table} WHERE {column} = {self._mark}", (value,))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row[0] if row else None

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection, self._dialect)


class _Transaction:
    """One transaction on either store (both connections run in autocommit mode)."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self._connection = connection
        self._dialect = dialect
        self._context: Any = None

    def __enter__(self) -> Any:
        if self._dialect == "postgres":
            self._context = self._connection.transaction()
            self._context.__enter__()
        else:
            # IMMEDIATE: a deferred transaction that reads first and then writes fails at
            # once (without waiting) when another process wrote in between.
            self._connection.execute("BEGIN IMMEDIATE")
        self._cursor = self._connection.cursor()
        return self._cursor

    def __exit__(self, kind: object, value: object, traceback: Any) -> None:
        self._cursor.close()
        if self._dialect == "postgres":
            self._context.__exit__(kind, value, traceback)
        elif kind is None:
            self._connection.execute("COMMIT")
        else:
            self._connection.execute("ROLLBACK")
