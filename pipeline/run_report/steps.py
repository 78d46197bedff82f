"""Each task try's record (`StepRecord`: task, map index, label, state, seconds, error),
kept in the run's staging area by the DAG as the run goes (``steps/<task>.<map
index>.json``), and the per-task totals the run report shows."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Literal

import msgspec

from pipeline.layout import STEPS
from pipeline.run_report.record import StepTotals
from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from transforms.infra.storage import StoragePath

LOG = logging.getLogger("grenzenlos")

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


class StepRecord(msgspec.Struct, kw_only=True):
    """One task try, as `pipeline.task_try.TaskTry` records it. Every field but ``task``
    has a default, so a record written before a field was added still reads."""

    task: str
    """The task's id."""
    map_index: int = -1
    """Its map index (-1 for a task that is not mapped)."""
    try_number: int | None = msgspec.field(default=None, name="try")
    """Airflow's try number."""
    started: str | None = None
    """ISO time."""
    state: Literal["success", "failed"] | None = None
    """None while the try runs (a record is written when it ends)."""
    seconds: float = 0.0
    label: str | None = None
    """The mapped task's label (its market, shard or language), if it has one."""
    error: str | None = None
    """Why a failed try failed."""


class StepRecordError(ValueError):
    """A step record that does not read as a `StepRecord`; the message names the file."""


def record_step(run_dir: StoragePath | Path, record: StepRecord) -> None:
    """Keep one task try's record in the run's staging area; a later try of the same task
    and map index replaces it."""
    folder = run_dir / STEPS
    ensure_dir(folder)
    with (folder / f"{record.task}.{record.map_index}.json").open("w", encoding="utf-8") as stream:
        json.dump(msgspec.to_builtins(record), stream, sort_keys=True)


def read_step(path: StoragePath | Path) -> StepRecord:
    """One step record.

    Raises:
        StepRecordError: naming the file, when it is not JSON or not a `StepRecord`.
    """
    with path.open("rb") as stream:
        data = stream.read()
    try:
        return msgspec.json.decode(data, type=StepRecord)
    except msgspec.DecodeError as error:  # ValidationError is one
        raise StepRecordError(f"{path} is not a step record: {error}") from None


def read_steps(run_dir: StoragePath | Path) -> list[StepRecord]:
    """Every task's latest record (see `record_step`). One that does not read (a torn
    write) is left out with a warning naming it: the report stands without it."""
    folder = run_dir / STEPS
    if not folder.exists():
        return []
    records = []
    for path in folder.iterdir():
        try:
            records.append(read_step(path))
        except (OSError, StepRecordError) as error:
            LOG.warning("A step record left out of the run report: %s", error)
    return records


def step_totals(records: Sequence[StepRecord]) -> list[StepTotals]:
    """Per task, in DAG order: tries recorded, summed and longest seconds, failures.

    >>> [(t.task, t.count, t.seconds, t.failed) for t in step_totals([
    ...     StepRecord(task="validate", seconds=1.5, state="success"),
    ...     StepRecord(task="extract", seconds=2.0, state="failed"),
    ...     StepRecord(task="extract", map_index=1, seconds=0.25, state="success")])]
    [('extract', 2, 2.25, 1), ('validate', 1, 1.5, 0)]
    """
    by_task: dict[str, StepTotals] = {}
    for record in records:
        entry = by_task.setdefault(
            record.task,
            StepTotals(task=record.task, count=0, seconds=0.0, longest=0.0, failed=0),
        )
        entry.count = (entry.count or 0) + 1
        entry.seconds = round((entry.seconds or 0.0) + record.seconds, 3)
        entry.longest = max(entry.longest or 0.0, record.seconds)
        entry.failed += record.state == "failed"
    order = {task: number for number, task in enumerate(STEP_ORDER)}
    return sorted(by_task.values(), key=lambda e: order.get(str(e.task), len(order)))
