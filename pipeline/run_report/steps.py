"""Each task try's record (task, map index, label, state, seconds, error), kept in the run's
staging area by the DAG as the run goes, and the per-task totals the run report shows."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipeline.layout import STEPS
from pipeline.run_report.record import StepTotals
from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from transforms.infra.storage import StoragePath

STEP_ORDER = (
    "extract",
    "validate_shard",
    "validate",
    "select_markets",
    "prepare_translation",
    "translate_language",
    "translate",
    "localize_shard",
    "write_channel",
    "assemble_market",
    "check_gates",
    "publish",
)
"""The DAG's tasks in the order they run, for the report's steps."""


def record_step(run_dir: StoragePath | Path, record: Mapping[str, Any]) -> None:
    """Keep one task try's record (task, map index, label, state, seconds, error) in the
    run's staging area; a later try of the same task and map index replaces it."""
    folder = run_dir / STEPS
    ensure_dir(folder)
    with (folder / f"{record['task']}.{record['map_index']}.json").open(
        "w", encoding="utf-8"
    ) as stream:
        json.dump(record, stream, sort_keys=True)


def read_steps(run_dir: StoragePath | Path) -> list[dict[str, Any]]:
    """Every task's latest record (see `record_step`), unreadable ones skipped."""
    folder = run_dir / STEPS
    if not folder.exists():
        return []
    records = []
    for path in folder.iterdir():
        try:
            with path.open("r", encoding="utf-8") as stream:
                records.append(json.load(stream))
        except (OSError, ValueError):
            continue
    return records


def step_totals(records: Sequence[Mapping[str, Any]]) -> list[StepTotals]:
    """Per task, in DAG order: tries recorded, summed and longest seconds, failures."""
    by_task: dict[str, dict[str, Any]] = {}
    for record in records:
        entry = by_task.setdefault(
            record["task"],
            {"task": record["task"], "count": 0, "seconds": 0.0, "longest": 0.0, "failed": 0},
        )
        entry["count"] += 1
        seconds = float(record.get("seconds") or 0.0)
        entry["seconds"] = round(entry["seconds"] + seconds, 3)
        entry["longest"] = max(entry["longest"], seconds)
        entry["failed"] += record.get("state") == "failed"
    order = {task: number for number, task in enumerate(STEP_ORDER)}
    totals = sorted(by_task.values(), key=lambda e: order.get(e["task"], len(order)))
    return [StepTotals(**entry) for entry in totals]
