"""Where the price history lives between runs: beside the live feeds, or in PostgreSQL.

What a channel's history is (one text of price intervals per sku) is
`transforms.pricing.history`'s; this module only stores it. A run reads the live
history of a market and channel as (sku, history) pairs in sku order (`pairs`), writes
its own into a staged file (`write_staged`, a JSON array ``[sku, history]`` a line, sku
order) beside the channel's feed files, and the publish step commits that file for the
channel when, and only when, its feed is published (`commit`):

- `FileHistory` (the default): the staged file replaces ``<output>/<market>/
  price_history.<channel>.jsonl`` atomically, as the feeds and the content hashes are
  replaced (local disk or object storage alike, so Celery workers share it);
- `PostgresHistory`: the rows of the market and channel in table ``price_history`` are
  replaced by the staged file's in one transaction.

A run that fails before it publishes, or a channel whose feed is not published (held by
the shrink gate, or failing its format check), leaves the history as it was.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Protocol

from transforms.infra.storage import publish_atomically

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from transforms.infra.storage import StoragePath

HISTORY_PREFIX = "price_history."
"""A channel's history file is ``price_history.<channel>.jsonl`` (not ``<channel>.*``,
which the publish step reads as the channel's feed files)."""


def history_name(channel: str) -> str:
    """The file name of ``channel``'s price history.

    >>> history_name("google")
    'price_history.google.jsonl'
    """
    return f"{HISTORY_PREFIX}{channel}.jsonl"


def write_staged(stream: IO[str], pairs: Iterable[tuple[str, str]]) -> int:
    """Write (sku, history) pairs, in sku order, a JSON array a line; returns the count."""
    count = 0
    for sku, history in pairs:
        stream.write(json.dumps([sku, history], ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count


def read_staged(stream: Iterable[str]) -> Iterator[tuple[str, str]]:
    """The (sku, history) pairs of a file `write_staged` wrote."""
    for line in stream:
        if line.strip():
            sku, history = json.loads(line)
            yield str(sku), str(history)


class PriceHistoryStore(Protocol):
    """Reads a market's and channel's live history, commits a staged one."""

    def pairs(self, market: str, channel: str) -> AbstractContextManager[Iterator[tuple[str, str]]]:
        """The live history's (sku, history) pairs, streamed, in any order."""
        ...

    def commit(self, market: str, channel: str, staged: StoragePath | Path) -> None:
        """Make the staged file the live history of the market and channel, atomically."""
        ...


class FileHistory:
    """The history as files beside the live feeds (``<output>/<market>/``)."""

    def __init__(self, output_root: StoragePath | Path) -> None:
        self.output_root = output_root

    def path(self, market: str, channel: str) -> StoragePath | Path:
        return self.output_root / market / history_name(channel)

    @contextmanager
    def pairs(self, market: str, channel: str) -> Iterator[Iterator[tuple[str, str]]]:
        path = self.path(market, channel)
        if not path.exists():
            yield iter(())
            return
        with path.open("r", encoding="utf-8") as stream:
            yield read_staged(stream)

    def commit(self, market: str, channel: str, staged: StoragePath | Path) -> None:
        publish_atomically(staged, self.path(market, channel))


POSTGRES_SCHEMA = """CREATE TABLE IF NOT EXISTS price_history (
    market TEXT NOT NULL,
    channel TEXT NOT NULL,
    sku TEXT NOT NULL,
    history TEXT NOT NULL,
    PRIMARY KEY (market, channel, sku)
)"""


_COPY = "COPY price_history (market, channel, sku, history) FROM STDIN"


class PostgresHistory:
    """The history in PostgreSQL, table ``price_history`` (created when missing): one row
    per market, channel and sku holding its history text."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    @contextmanager
    def pairs(self, market: str, channel: str) -> Iterator[Iterator[tuple[str, str]]]:
        import psycopg

        with psycopg.connect(self.conninfo) as connection:
            connection.execute(POSTGRES_SCHEMA)
            connection.commit()
            # A server-side cursor: the rows arrive in batches, never all at once.
            with connection.cursor(name="price_history_read") as cursor:
                cursor.itersize = 10_000
                cursor.execute(
                    "SELECT sku, history FROM price_history WHERE market = %s AND channel = %s",
                    (market, channel),
                )
                yield ((str(sku), str(history)) for sku, history in cursor)

    def commit(self, market: str, channel: str, staged: StoragePath | Path) -> None:
        import psycopg

        with psycopg.connect(self.conninfo) as connection:  # one transaction, committed at exit
            connection.execute(POSTGRES_SCHEMA)
            connection.execute(
                "DELETE FROM price_history WHERE market = %s AND channel = %s", (market, channel)
            )
            with (
                staged.open("r", encoding="utf-8") as stream,
                connection.cursor() as cursor,
                cursor.copy(_COPY) as copy,
            ):
                for sku, history in read_staged(stream):
                    copy.write_row((market, channel, sku, history))


def history_store(
    output_root: StoragePath | Path, conninfo: str | None = None
) -> PriceHistoryStore:
    """PostgreSQL when ``conninfo`` is given, else files beside the live feeds."""
    return PostgresHistory(conninfo) if conninfo else FileHistory(output_root)
