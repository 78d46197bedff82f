"""Where a run's files live: the names in its staging area and output, and how to read
the staged snapshot. Every step module uses these; none of them holds a step.

A run lays out its staging area like this (``<run>`` is `run_key` of the Airflow run id)::

    <staging>/<run>/catalog.msgpack            staged snapshot of the catalog (its shards
                                               are byte ranges, see `stage_catalog`)
    <staging>/<run>/validation/<shard>.sqlite  a shard's validation, until combined
    <staging>/<run>/eurofxref-daily.xml        the ECB rates this run converts with
    <staging>/<run>/ingest_findings.jsonl      rows that could not be read
    <staging>/<run>/ingest_holds.json          sku -> rules of products read but held back
    <staging>/<run>/validation_findings.jsonl  what the catalog rules found
    <staging>/<run>/quarantine.json            sku -> rules that keep it out of every market
    <staging>/<run>/gate_closed.txt            why the run stopped, when a gate closed
    <staging>/<run>/held_feeds.json            feeds held back because they shrank
    <staging>/<run>/<market>/<channel>.xml     feeds, written but not yet published
    <staging>/<run>/<market>/findings.jsonl    products set aside in that market
    <staging>/<run>/<market>/completeness.csv  each listing's completeness per channel
    <staging>/<run>/<market>/prices.csv        each listing's price and how it was made
    <staging>/<run>/<market>/assembled.json    the market's build result
    <staging>/<run>/<market>/shards/           per shard: listings, its findings (keyed by
                                               catalog position), completeness, prices and
                                               result; per channel: findings and result;
                                               removed once the market is assembled

and publishes to::

    <output>/<market>/<channel>.<ext>          the live feed, replaced atomically
    <output>/<market>/manifest.json            file, channel, items and sha256 of each feed
    <output>/<market>/<channel>.refused.json   skus the marketplace refused, sent again
    <output>/deliveries/<market>/<channel>/    what was delivered (pipeline.delivery.records)
    <output>/last_successful_run.json          counts the shrink guard compares with
    <output>/runs/<run>/findings.csv|jsonl     every finding of the run
    <output>/runs/<run>/completeness.csv       completeness of every market's listings
    <output>/runs/<run>/prices.csv             every feed price and how it was made
    <output>/runs/<run>/validation.json        GX's verdict on every catalog rule
    <output>/runs/<run>/run.json               the run's figures, for report.html
    <output>/runs/<run>/report.html            the run report (self-contained HTML)
    <output>/runs/index.json|index.html        every run, newest first
    <output>/runs/LATEST                       the newest run's folder name
    <output>/runs/<run>/summary.txt            what the run did, one line per feed

Steps exchange small JSON-ready records (paths and counts, typed in `pipeline.records`),
never data sets.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import msgspec

from schemas.product import Product

if TYPE_CHECKING:
    from collections.abc import Iterator

    from transforms.infra.storage import StoragePath

SNAPSHOT = "catalog.msgpack"
"""The staged snapshot: products as msgpack records (see `SnapshotWriter`)."""
INGEST_FINDINGS = "ingest_findings.jsonl"
INGEST_HOLDS = "ingest_holds.json"
VALIDATION_FINDINGS = "validation_findings.jsonl"
VALIDATION_PARTS = "validation"
"""Beside the snapshot: each shard's validation (SQLite), until they are combined."""
QUARANTINE = "quarantine.json"
GATE_CLOSED = "gate_closed.txt"
MARKET_FINDINGS = "findings.jsonl"
COMPLETENESS = "completeness.csv"
PRICES = "prices.csv"
RATES = "eurofxref-daily.xml"
MANIFEST = "manifest.json"
TRANSLATION_REPORT = "translation.json"
VALIDATION_RESULTS = "validation.json"
"""In a run's report folder: GX's verdict on every expectation over the whole catalog."""
RUN_RECORD = "run.json"
"""In a run's report folder: the run's figures (status, steps, feeds), which report.html
and the next runs' reports read."""
RUN_INDEX = "index.json"
LATEST_RUN = "LATEST"
STEPS = "steps"
"""In a run's staging folder: one record per task try (``<task>.<map index>.json``):
its seconds, and its error when it failed."""
SHARDS = "shards"
"""In a market's staging folder: one folder per shard (`LISTINGS` and its parts of the
market's files) and the channels' keyed findings, removed once the market is assembled."""
LISTINGS = "listings.msgpack"
KEYED_FINDINGS = "findings.keyed"
ASSEMBLED = "assembled.json"
"""A market's build result, written when its shards and channels are assembled."""
RESULT = "result.json"
"""A shard's (``<shard>/result.json``) or channel's (``<channel>.result.json``) task
result, for the market's later tasks."""
STATE_SUFFIX = ".state.json"
"""Beside an API channel's feeds: content hash per sku, for the next delta run."""
REFUSED_SUFFIX = ".refused.json"
"""Beside a channel's feeds: skus the marketplace refused (``deliver_feeds`` writes it);
the next run sends them again even when unchanged, and its publish removes the file."""


def read_refused(path: StoragePath | Path) -> list[str]:
    """The skus in a ``<channel>.refused.json`` (`REFUSED_SUFFIX`), empty when there is
    none."""
    if not path.exists():
        return []
    with path.open("r", encoding="utf-8") as stream:
        skus = json.load(stream)
    return [str(s) for s in skus] if isinstance(skus, list) else []


_LENGTH = struct.Struct("<I")
"""Each snapshot record: its length (4 bytes, little-endian), then one msgpack map."""


class SnapshotError(Exception):
    """The staged snapshot ends inside a record (a write that did not finish)."""


class SnapshotWriter:
    """Writes products to the staged snapshot: one msgpack record per product, decimals as
    text (exact), fields by the names of `schemas.product.Product`.

    msgspec reads such a record straight into a `Product` with every field checked
    (``benchmarks/snapshot.py``: about 2.5 us a product, where JSON lines took 8).
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._encode = msgspec.msgpack.Encoder(decimal_format="string").encode
        self.size = 0
        """Bytes written so far: where the next record starts (a shard boundary)."""

    def write(self, product: Product) -> None:
        record = self._encode(product)
        self._stream.write(_LENGTH.pack(len(record)))
        self._stream.write(record)
        self.size += _LENGTH.size + len(record)


def read_snapshot(
    path: StoragePath | Path, start: int = 0, end: int | None = None
) -> Iterator[Product]:
    """Stream the products of a staged snapshot (written by `SnapshotWriter`), or of one
    shard of it: the records from byte ``start`` (a record's first byte) to ``end``.

    Raises:
        SnapshotError: the file ends inside a record.
        msgspec.ValidationError: a record is not a `Product` (a snapshot from another
            version of the model).
    """
    decode = msgspec.msgpack.Decoder(Product).decode
    with path.open("rb") as stream:
        if start:
            stream.seek(start)  # on object storage, the reads after it are ranged GETs
        position = start
        while (end is None or position < end) and (header := stream.read(_LENGTH.size)):
            size = _LENGTH.unpack(header)[0] if len(header) == _LENGTH.size else -1
            record = stream.read(size) if size >= 0 else b""
            if size < 0 or len(record) < size:
                raise SnapshotError(f"{path} ends inside a record: the snapshot is incomplete")
            position += _LENGTH.size + size
            yield decode(record)


def path_like(like: StoragePath | Path, location: str) -> Any:
    """``location`` as the same kind of path as ``like`` (local or object storage)."""
    if isinstance(like, Path):
        return Path(location.removeprefix("file://"))
    factory: Any = type(like)
    return factory(location)


def run_key(run_id: str) -> str:
    """The folder name of an Airflow run in the staging area and under ``<output>/runs/``:
    its run id with the colons dropped and any other character that is not a letter,
    digit, ``.``, ``_`` or ``-`` replaced by ``_``, so the name is safe on every file
    system and object store, sorts like the id, and two runs never share one.

    >>> run_key("scheduled__2026-12-01T02:00:00+00:00")
    'scheduled__2026-12-01T020000_0000'
    >>> run_key("manual__2026-12-01T21:48:05.123456+00:00")
    'manual__2026-12-01T214805.123456_0000'
    >>> run_key("2026-11-20")
    '2026-11-20'
    """
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id.replace(":", ""))


def for_people(location: str) -> str:
    """A local file URL as a plain path, which terminals and file managers open."""
    return location.removeprefix("file://")
