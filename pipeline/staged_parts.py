"""The files a market's build tasks leave each other under ``<market>/shards/``
(`pipeline.layout.SHARDS`), in two formats of their own:

- a shard's listings (`LISTINGS`): length-prefixed msgpack records, each a listing with
  its position in the snapshot and the channels it is incomplete for;
- keyed findings (`KEYED_FINDINGS`, a shard's and each channel's): one finding a line,
  keyed by the product's position and the channel's number, so `assemble_market` can
  merge them in snapshot order.
"""

from __future__ import annotations

import struct
from typing import IO, TYPE_CHECKING, Any

from pipeline.layout import SnapshotError
from schemas.findings import readable

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from schemas.findings import Finding
    from transforms.infra.storage import StoragePath

MARKET = -1
"""Channel number of a product's own findings (quarantine, localize): before its channels'."""
AFTER_ALL = 1 << 62
"""Position of a channel's file findings: after every product's."""
_LENGTH = struct.Struct("<I")
"""Each listings record: its length (4 bytes, little-endian), then the msgpack record."""


def write_record(stream: IO[bytes], record: bytes) -> None:
    """Append one encoded record to a shard's listings file."""
    stream.write(_LENGTH.pack(len(record)))
    stream.write(record)


def read_records(path: StoragePath | Path, decode: Any) -> Iterator[Any]:
    """The length-prefixed msgpack records of a shard's listings file, decoded."""
    with path.open("rb") as stream:
        while header := stream.read(_LENGTH.size):
            size = _LENGTH.unpack(header)[0]
            record = stream.read(size)
            if len(header) < _LENGTH.size or len(record) < size:
                raise SnapshotError(f"{path} ends inside a record: the shard is incomplete")
            yield decode(record)


def write_keyed(stream: IO[str], position: int, channel: int, findings: Iterable[Finding]) -> None:
    """Findings as ``<position> <channel number> <JSON>`` lines, for `assemble_market`."""
    for finding in findings:
        stream.write(f"{position} {channel} {readable(finding).to_json()}\n")


def keyed_lines(stream: IO[str]) -> Iterator[tuple[tuple[int, int], str]]:
    """The lines of a keyed findings file, each with its key (position, channel number)."""
    for line in stream:
        position, channel, text = line.split(" ", 2)
        yield (int(position), int(channel)), text
