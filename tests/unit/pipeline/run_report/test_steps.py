"""A task try's record (`pipeline.task_try`, `pipeline.run_report.steps`): written and read
through `StepRecord`; one of the wrong shape is refused naming its file (and left out of
the report with a warning); one written before a field was added still reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pipeline.layout import STEPS
from pipeline.run_report.steps import (
    StepRecord,
    StepRecordError,
    read_step,
    read_steps,
    step_totals,
)
from pipeline.task_try import TaskTry

if TYPE_CHECKING:
    from pathlib import Path


def test_a_task_try_is_recorded_and_read_back(tmp_path: Path) -> None:
    TaskTry("localize_shard", 3, 2, lambda: tmp_path).failed("it broke", "DE 3")
    TaskTry("extract", -1, 1, lambda: tmp_path).succeeded(None, None)
    written = json.loads((tmp_path / STEPS / "localize_shard.3.json").read_text("utf-8"))
    assert sorted(written) == [
        "error",
        "label",
        "map_index",
        "seconds",
        "started",
        "state",
        "task",
        "try",
    ]
    steps = sorted(read_steps(tmp_path), key=lambda r: r.task)
    assert [(r.task, r.map_index, r.try_number, r.state, r.label, r.error) for r in steps] == [
        ("extract", -1, 1, "success", None, None),
        ("localize_shard", 3, 2, "failed", "DE 3", "it broke"),
    ]
    assert [(t.task, t.count, t.failed) for t in step_totals(steps)] == [
        ("extract", 1, 0),
        ("localize_shard", 1, 1),
    ]


def test_a_record_written_before_label_and_error_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "extract.-1.json"
    path.write_text(
        '{"task": "extract", "map_index": -1, "try": 1, "state": "success", "seconds": 2.5}',
        "utf-8",
    )
    assert read_step(path) == StepRecord(
        task="extract", map_index=-1, try_number=1, state="success", seconds=2.5
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('{"map_index": 0, "state": "failed"}', "`task`"),
        ('{"task": "extract", "state": "crashed"}', r"\$\.state"),
        ('{"task": "extract", "seconds": "long"}', r"\$\.seconds"),
        ('{"task": "extract", ', "truncated"),
    ],
    ids=["no task", "an unknown state", "seconds not a number", "cut short"],
)
def test_a_record_of_the_wrong_shape_is_refused_naming_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, complaint: str
) -> None:
    (tmp_path / STEPS).mkdir()
    path = tmp_path / STEPS / "extract.-1.json"
    path.write_text(text, "utf-8")
    with pytest.raises(StepRecordError, match=rf"^{path} is not a step record: .*{complaint}"):
        read_step(path)
    # The report stands without it, and says which one it left out.
    assert read_steps(tmp_path) == []
    assert str(path) in caplog.text
