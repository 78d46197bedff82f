"""One try of a DAG task as the run report and the task's log see it: timed, recorded in
the run's staging area (``steps/<task>.<map index>.json``, `pipeline.run_report.steps`)
and, when it succeeds, told in a few sentences (`pipeline.narration`). A task cannot read
Airflow's database, but the summary can read these records. The DAG wraps every task in
one; nothing here knows Airflow.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pipeline.run_report.steps import StepRecord, record_step

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from transforms.infra.storage import StoragePath

LOG = logging.getLogger("grenzenlos")


class TaskTry:
    """A task try, timed from its creation.

    Args:
        task: The task's id.
        map_index: Its map index (-1 for a task that is not mapped).
        try_number: Airflow's try number.
        run_dir: Gives the run's staging folder when the record is written (a missing
            configuration then costs the record, not the task).
    """

    def __init__(
        self,
        task: str,
        map_index: int | None,
        try_number: int,
        run_dir: Callable[[], StoragePath | Path],
    ) -> None:
        self._clock = time.monotonic()
        self._run_dir = run_dir
        self.record = StepRecord(
            task=task,
            map_index=-1 if map_index is None else map_index,
            try_number=try_number,
            started=datetime.now().astimezone().isoformat(timespec="seconds"),
        )

    def failed(self, error: str, label: str | None) -> None:
        """Record the try as failed, with its error."""
        self._write("failed", label, error)

    def succeeded(self, result: object, label: str | None) -> None:
        """Record the try as a success, and log what the task did."""
        from pipeline.narration import describe

        self._write("success", label)
        for line in describe(self.record.task, result):
            LOG.info("%s", line)

    def _write(
        self, state: Literal["success", "failed"], label: str | None, error: str | None = None
    ) -> None:
        self.record.state = state
        self.record.seconds = round(time.monotonic() - self._clock, 3)
        self.record.label = label
        self.record.error = error or None
        try:
            record_step(self._run_dir(), self.record)
        except Exception as failure:  # a missing record must not fail the task
            LOG.warning("Could not record the step for the run report: %s", failure)
