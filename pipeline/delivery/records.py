"""What was delivered: one record per published file and content, in the output storage.

A record lives at ``<output>/deliveries/<market>/<channel>/<file>.<sha256 prefix>.json``
and says where that exact file went::

    {"market": "DE", "channel": "amazon", "file": "amazon-0001.json",
     "sha256": "...", "run": "<the run that published it>",
     "status": "submitted" | "done",
     "progress": {...},          # how far an unfinished delivery got (Amazon's feed id,
                                 # eBay's finished calls), for the next try to resume
     "outcome": {...},           # `DeliveryOutcome.to_json`, once done
     "started": "...", "finished": "..."}

Because the key is the file's sha256, delivering the same file again finds its record and
submits nothing, while a new night's file (another sha256) gets its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from pathlib import Path

    from transforms.infra.storage import StoragePath

DELIVERIES = "deliveries"
"""Under the output root: the delivery records."""


def record_path(
    output_root: StoragePath | Path, market: str, channel: str, file: str, sha256: str
) -> StoragePath | Path:
    """Where the record of delivering ``file`` with this content lives.

    >>> from pathlib import PurePosixPath
    >>> str(record_path(PurePosixPath("/out"), "DE", "amazon", "amazon-0001.json", "ab" * 32))
    '/out/deliveries/DE/amazon/amazon-0001.json.abababababababab.json'
    """
    return output_root / DELIVERIES / market / channel / f"{file}.{sha256[:16]}.json"


def read_record(path: StoragePath | Path) -> dict[str, Any] | None:
    """The record at ``path``, None when there is none (or it is not a JSON object)."""
    if not path.exists():
        return None
    try:
        with path.open("r", encoding="utf-8") as stream:
            record = json.load(stream)
    except ValueError:
        return None  # a torn write: deliver as if new would double-submit, so say so
    return record if isinstance(record, dict) else None


def write_record(path: StoragePath | Path, record: dict[str, Any]) -> None:
    """Write ``record`` whole (an object store replaces an object in one go; a local file
    is written beside and renamed, so a crash leaves the old record or the new one)."""
    from transforms.infra.storage import local_path

    ensure_dir(path.parent)
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    local = local_path(path)
    if local is not None:
        partial = local.with_name(local.name + ".part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(local)
        return
    with path.open("w", encoding="utf-8") as stream:
        stream.write(text)


def now() -> str:
    """The time of day a record states (local time with its offset, to the second)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
