"""A build's per-item bookkeeping in a scratch SQLite file instead of the process heap.

A channel's writers remember something about every item of the feed: its content hash
(for the next delta run), the hashes they checked against the schema (so the file check
skips them), its title (so titles stay unique) and, on a delta run, the last published
hashes. At a million products that is hundreds of MB per channel in dicts and sets; in a
`ScratchStore` it is a file in the system's temporary folder, and the heap holds a write
buffer of at most ``buffer`` entries per table and SQLite's page cache.

The file is scratch data: no journal, no fsync (a crash loses a build that is rebuilt
anyway). `ScratchStore.close` removes it; use the store as a context manager.

>>> with ScratchStore() as store:
...     hashes = store.mapping("hashes")
...     hashes["B"] = "2"
...     hashes["A"] = "1"
...     (hashes.get("A"), "C" in hashes, len(hashes), list(hashes.items()))
('1', False, 2, [('A', '1'), ('B', '2')])
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, MutableMapping, MutableSet
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

Key = TypeVar("Key", str, bytes)
"""A table's keys: texts (skus, hashes), or digests."""

BUFFER = 4096
"""Writes a table holds in memory before they go to the file in one transaction."""
CACHE_KIB = 16 * 1024
"""SQLite's page cache for the whole store (it is the store's only memory that grows)."""
_PAGE = 2_000
"""Keys read per query when a table is walked in key order."""
_FILTER_BITS = 23
"""A digest table's filter has 2**23 bits (1 MiB): at a million keys, three bits a key
answer about 97 % of the lookups of absent keys without a query."""
_FILTER_MASK = (1 << _FILTER_BITS) - 1


class ScratchStore:
    """One SQLite file in the temporary folder holding any number of tables.

    Args:
        directory: Folder of the file; the system's temporary folder when None.
        buffer: Writes each table buffers in memory (`BUFFER`).
    """

    def __init__(self, directory: Path | None = None, *, buffer: int = BUFFER) -> None:
        handle, name = tempfile.mkstemp(
            prefix="grenzenlos-scratch-", suffix=".sqlite", dir=directory
        )
        os.close(handle)
        self.path = Path(name)
        """The store's file (gone once `close` ran)."""
        self.buffer = buffer
        self._tables: list[_Table] = []
        try:
            self.connection = sqlite3.connect(name, isolation_level=None)
            for pragma in (
                "journal_mode = OFF",  # scratch: a failed build starts over
                "synchronous = OFF",
                # Nobody else opens the file: no file lock per query, and the page cache
                # stays valid from one query to the next.
                "locking_mode = EXCLUSIVE",
                "temp_store = FILE",
                f"cache_size = -{CACHE_KIB}",
            ):
                self.connection.execute(f"PRAGMA {pragma}")
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def mapping(self, name: str) -> DiskMapping[str]:
        """A new table of text keys and text values."""
        return DiskMapping(self._table(name))

    def digest_mapping(self, name: str) -> DiskMapping[bytes]:
        """A new table of digests (12 or more evenly spread bytes) and text values, for
        lookups that mostly find nothing (is this title taken?): a filter of fixed size
        in memory answers most of those without a query."""
        table = self._table(name)
        table.filter = bytearray(1 << (_FILTER_BITS - 3))
        return DiskMapping(table)

    def set(self, name: str) -> DiskSet:
        """A new table of text members."""
        return DiskSet(self._table(name))

    def _table(self, name: str) -> _Table:
        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"a table name is letters, digits and _, not {name!r}")
        table = _Table(self, f"t{len(self._tables)}_{name}")
        self._tables.append(table)
        return table

    def close(self) -> None:
        """Close the file and remove it (its data is gone)."""
        try:
            self.connection.close()
        finally:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> ScratchStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class _Table:
    """One key -> value table: writes buffered in ``pending`` (None marks a deletion),
    read through it, written out in one transaction when it is full."""

    def __init__(self, store: ScratchStore, name: str) -> None:
        self.connection = store.connection
        self.cursor = store.connection.cursor()  # one per table: a lookup makes none
        self.limit = store.buffer
        self.pending: dict[str | bytes, str | None] = {}
        self.filter: bytearray | None = None
        """A Bloom filter of the keys ever written, for digest keys (see `_absent`)."""
        self.connection.execute(
            f"CREATE TABLE {name} (k PRIMARY KEY NOT NULL, v TEXT NOT NULL) WITHOUT ROWID"
        )
        self.select = f"SELECT v FROM {name} WHERE k = ?"
        self.upsert = f"INSERT OR REPLACE INTO {name} (k, v) VALUES (?, ?)"
        self.delete = f"DELETE FROM {name} WHERE k = ?"
        self.count = f"SELECT count(*) FROM {name}"
        self.first = f"SELECT 1 FROM {name} LIMIT 1"
        self.name = name

    def get(self, key: str | bytes) -> str | None:
        pending = self.pending
        if key in pending:
            return pending[key]
        if self.filter is not None and self._absent(cast("bytes", key)):
            return None
        row: tuple[str] | None = self.cursor.execute(self.select, (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str | bytes, value: str | None) -> None:
        self.pending[key] = value
        if self.filter is not None and value is not None:
            self._note(cast("bytes", key))
        if len(self.pending) >= self.limit:
            self.flush()

    def _note(self, key: bytes) -> None:
        """Set ``key``'s three bits: three 23-bit slices of its first 12 bytes."""
        bits = self.filter
        assert bits is not None
        number = int.from_bytes(key[:12], "little")
        for shift in (0, 32, 64):
            position = (number >> shift) & _FILTER_MASK
            bits[position >> 3] |= 1 << (position & 7)

    def _absent(self, key: bytes) -> bool:
        """Whether ``key`` was never written (False: it may have been). A deleted key's
        bits stay set: a lookup of it then asks the file."""
        bits = self.filter
        assert bits is not None
        number = int.from_bytes(key[:12], "little")
        for shift in (0, 32, 64):
            position = (number >> shift) & _FILTER_MASK
            if not bits[position >> 3] & (1 << (position & 7)):
                return True
        return False

    def _noted(self, rows: Iterable[tuple[Any, str]]) -> Iterator[tuple[Any, str]]:
        for key, value in rows:
            self._note(key)
            yield key, value

    def put_many(self, rows: Iterable[tuple[Any, str]]) -> None:
        """Write ``rows`` straight to the file (a bulk load: nothing buffered)."""
        self.flush()
        if self.filter is not None:
            rows = self._noted(rows)
        connection = self.connection
        connection.execute("BEGIN")
        try:
            connection.executemany(self.upsert, rows)
        finally:
            connection.execute("COMMIT")

    def flush(self) -> None:
        if not self.pending:
            return
        connection = self.connection
        connection.execute("BEGIN")
        try:
            # In key order: each page of the table is then written once per flush, not
            # once per key that lands on it (titles' keys are digests, spread evenly).
            connection.executemany(
                self.upsert, ((k, v) for k, v in sorted(self.pending.items()) if v is not None)
            )
            connection.executemany(
                self.delete, ((k,) for k, v in self.pending.items() if v is None)
            )
        finally:
            connection.execute("COMMIT")
        self.pending.clear()

    def __len__(self) -> int:
        self.flush()
        count: int = self.connection.execute(self.count).fetchone()[0]
        return count

    def __bool__(self) -> bool:
        if any(v is not None for v in self.pending.values()):
            return True
        self.flush()
        return self.connection.execute(self.first).fetchone() is not None

    def items(self) -> Iterator[tuple[Any, str]]:
        """Every row in key order (bytewise: code point order for text), read a page at a
        time, so writes between pages do not upset the walk."""
        return self._pages(f"SELECT k, v FROM {self.name} AS a WHERE 1")

    def keys_not_in(self, other: _Table) -> Iterator[Any]:
        """This table's keys that ``other`` lacks, in key order."""
        rows = self._pages(
            f"SELECT k, v FROM {self.name} AS a WHERE NOT EXISTS "
            f"(SELECT 1 FROM {other.name} AS b WHERE b.k = a.k)",
            other,
        )
        return (key for key, _ in rows)

    def _pages(self, query: str, *others: _Table) -> Iterator[tuple[Any, str]]:
        """The rows of ``query`` (on this table, as ``a``, and ``others``) in key order, a
        page at a time; no cursor stays open, so the caller may write between rows."""
        first = f"{query} ORDER BY a.k LIMIT {_PAGE}"
        after = f"{query} AND a.k > ? ORDER BY a.k LIMIT {_PAGE}"
        rows: list[tuple[Any, str]] = []
        while True:
            for table in (self, *others):  # what was written meanwhile goes to the file
                table.flush()
            if rows:
                rows = self.connection.execute(after, (rows[-1][0],)).fetchall()
            else:
                rows = self.connection.execute(first).fetchall()
            yield from rows
            if len(rows) < _PAGE:
                return


class DiskMapping(MutableMapping[Key, str], Generic[Key]):
    """A dict of ``key -> text`` in a `ScratchStore`; iteration is in key order."""

    def __init__(self, table: _Table) -> None:
        self._table = table

    def get(self, key: Key, default: str | None = None) -> str | None:  # type: ignore[override]
        value = self._table.get(key)
        return default if value is None else value

    def __getitem__(self, key: Key) -> str:
        value = self._table.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str | bytes) and self._table.get(key) is not None

    def __setitem__(self, key: Key, value: str) -> None:
        self._table.put(key, value)

    def __delitem__(self, key: Key) -> None:
        if self._table.get(key) is None:
            raise KeyError(key)
        self._table.put(key, None)

    def __len__(self) -> int:
        return len(self._table)

    def __bool__(self) -> bool:
        return bool(self._table)

    def __iter__(self) -> Iterator[Key]:
        return (key for key, _ in self._table.items())

    def items(self) -> Iterator[tuple[Key, str]]:  # type: ignore[override]
        """Every pair in key order."""
        return self._table.items()

    def load(self, pairs: Iterable[tuple[Key, str]]) -> None:
        """Add many pairs at once (faster than one at a time)."""
        self._table.put_many(pairs)

    def keys_not_in(self, other: DiskMapping[Key]) -> Iterator[Key]:
        """Keys of this mapping that ``other`` (of the same store) lacks, in key order."""
        return self._table.keys_not_in(other._table)


class DiskSet(MutableSet[str]):
    """A set of texts in a `ScratchStore`."""

    def __init__(self, table: _Table) -> None:
        self._table = table

    def __contains__(self, member: object) -> bool:
        return isinstance(member, str) and self._table.get(member) is not None

    def add(self, member: str) -> None:
        self._table.put(member, "")

    def discard(self, member: str) -> None:
        if member in self:
            self._table.put(member, None)

    def __len__(self) -> int:
        return len(self._table)

    def __bool__(self) -> bool:
        return bool(self._table)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._table.items())
