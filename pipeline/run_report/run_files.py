"""What the run report reads from the run's folder (findings, completeness) and from the
earlier runs' folders (their records, for the history); a file that is missing or cannot be
read gives nothing, and an earlier record that cannot be read is named, not shown."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from pipeline.layout import RUN_INDEX, RUN_RECORD
from pipeline.run_report.record import RunRecord, decode_index, decode_record
from schemas.findings import FINDING_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from transforms.infra.storage import StoragePath

FINDINGS_JSONL = "findings.jsonl"
HISTORY_RUNS = 30
"""Earlier runs the history charts read (their ``run.json`` each)."""
MAX_FINDINGS_SHOWN = 5_000
"""Findings embedded in the page's table; findings.csv holds them all."""


@dataclass
class FindingsView:
    """The findings the page embeds, and what the filters offer."""

    rows: list[dict[str, str]]
    total: int
    options: dict[str, list[str]]


def read_json(path: StoragePath | Path) -> Any:
    """The JSON document at ``path``, or None when it is missing or cannot be read."""
    try:
        with path.open("r", encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON
        return None


def read_record(path: StoragePath | Path) -> RunRecord | None:
    """The run record at ``path``; None when it is missing, unreadable or not a record."""
    return decode_record(read_json(path))


def earlier_records(
    runs_root: StoragePath | Path, record: RunRecord
) -> tuple[list[RunRecord], list[str]]:
    """Up to `HISTORY_RUNS` earlier runs' records, newest first, and the keys of those
    whose record was missing or unreadable.

    Earlier means listed after this run in ``index.json`` (which is newest first); when
    this run is not listed, those that started before it."""
    entries = decode_index(read_json(runs_root / RUN_INDEX))
    keys = [e.run_key for e in entries]
    if record.run_key in keys:
        entries = entries[keys.index(record.run_key) + 1 :]
    else:
        started = record.started or ""
        entries = [e for e in entries if started and "" < (e.started or "") < started]
    records: list[RunRecord] = []
    unreadable: list[str] = []
    for entry in entries[:HISTORY_RUNS]:
        key = entry.run_key
        if key in (".", "..") or "/" in key:
            continue
        earlier = read_record(runs_root / key / RUN_RECORD)
        if earlier is None:
            unreadable.append(key)
            continue
        records.append(msgspec.structs.replace(earlier, run_key=key))
    return records, unreadable


def read_completeness(path: StoragePath | Path) -> dict[tuple[str, str], Decimal]:
    """Mean completeness (percent) per market and channel, from ``completeness.csv``."""
    sums: dict[tuple[str, str], list[int]] = {}
    for row in csv_rows(path):
        try:
            value = int(row["completeness"])
        except (KeyError, TypeError, ValueError):
            continue
        total = sums.setdefault((row.get("market") or "", row.get("channel") or ""), [0, 0])
        total[0] += value
        total[1] += 1
    return {key: Decimal(s) / Decimal(n) for key, (s, n) in sums.items()}


def csv_rows(path: StoragePath | Path) -> Iterator[dict[str, str]]:
    """The rows of a CSV file with a header; none when the file is missing."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


def read_findings(path: StoragePath | Path) -> FindingsView:
    """The first `MAX_FINDINGS_SHOWN` findings of ``findings.jsonl``, and how many there are."""
    rows: list[dict[str, str]] = []
    total = 0
    if path.exists():
        with path.open("r", encoding="utf-8") as stream:
            for line in stream:
                if not line.strip():
                    continue
                total += 1
                if len(rows) < MAX_FINDINGS_SHOWN:
                    try:
                        finding = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(finding, dict):
                        rows.append({c: _text(finding.get(c)) for c in FINDING_COLUMNS})
    options = {
        column: sorted({row[column] for row in rows})
        for column in ("market", "channel", "rule", "severity")
    }
    return FindingsView(rows=rows, total=total, options=options)


def _text(value: object) -> str:
    """A finding's value as the table shows it; ``-`` for none."""
    return "-" if value is None or value == "" else str(value)
