"""The gates' files read through their types (`transforms.infra.gates`): the last successful
run's counts (`GateState`) and the feeds held back (`HeldFeeds`). A file of the wrong shape
is refused naming it; a state written before a field was added still reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from transforms.infra.gates import (
    HELD_FEEDS,
    STATE_FILE,
    GateState,
    HeldFeeds,
    StateFileError,
    held_back_reason,
    held_channels,
    hold_shrunk_feeds,
    read_held_feeds,
    read_state,
    record_success,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_no_state_before_the_first_run_reads_as_empty_counts(tmp_path: Path) -> None:
    assert read_state(tmp_path) == GateState(run=None, products={}, feeds={})


def test_a_recorded_success_keeps_the_feeds_it_did_not_publish(tmp_path: Path) -> None:
    output, work = tmp_path / "output", tmp_path / "work"
    output.mkdir()
    work.mkdir()
    record_success("r1", 10, [{"market": "DE", "channel": "google", "listed": 9}], work, output)
    record_success("r2", 12, [{"market": "US", "channel": "google", "listed": 7}], work, output)
    assert read_state(output) == GateState(
        run="r2", products={"catalog": 12}, feeds={"DE/google": 9, "US/google": 7}
    )
    # The file as the gates always wrote it (the next run's shrink check reads it).
    assert (output / STATE_FILE).read_text(encoding="utf-8") == json.dumps(
        {"run": "r2", "products": {"catalog": 12}, "feeds": {"DE/google": 9, "US/google": 7}},
        indent=1,
    )


def test_a_state_written_before_a_field_was_added_still_reads(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text('{"run": "r0", "feeds": {"DE/google": 5}}', "utf-8")
    assert read_state(tmp_path) == GateState(run="r0", products={}, feeds={"DE/google": 5})


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('{"run": "r0", "feeds": {"DE/google": "five"}}', r"\$\.feeds\[\.\.\.\]"),
        ('{"run": "r0", "products": [3]}', r"\$\.products"),
        ('["DE/google"]', "Expected `object`"),
        ('{"run": "r0", "feeds": {', "truncated"),
    ],
    ids=["a count not a number", "products not a table", "not an object", "cut short"],
)
def test_a_state_of_the_wrong_shape_is_refused_naming_the_file(
    tmp_path: Path, text: str, complaint: str
) -> None:
    (tmp_path / STATE_FILE).write_text(text, "utf-8")
    path = tmp_path / STATE_FILE
    with pytest.raises(StateFileError, match=rf"^{path} is not a GateState file: .*{complaint}"):
        read_state(tmp_path)


def test_held_feeds_read_back_and_name_their_channels(tmp_path: Path) -> None:
    held = hold_shrunk_feeds({"DE/google": 2, "DE/amazon": 9}, {"DE/google": 10}, 0.3)
    (tmp_path / HELD_FEEDS).write_text(json.dumps(held, indent=1), "utf-8")
    assert read_held_feeds(tmp_path) == held
    assert held_channels(held, "DE") == {"google"}
    assert held_channels(held, "US") == set()
    assert held_channels(None, "DE") == set()
    assert read_held_feeds(tmp_path / "elsewhere") is None


def test_held_feeds_of_the_wrong_shape_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / HELD_FEEDS
    path.write_text('{"max_shrink_share": 0.3, "feeds": [{"market": "DE"}]}', "utf-8")
    with pytest.raises(StateFileError, match=rf"^{path} is not a HeldFeeds file: .*`channel`"):
        read_held_feeds(tmp_path)


def test_held_feeds_keep_every_field_through_xcom() -> None:
    """As Airflow hands the ``check_gates`` result to ``publish`` (serde, then JSON)."""
    import msgspec
    from airflow.sdk.serde import deserialize, serialize

    held = hold_shrunk_feeds({"DE/google": 2}, {"DE/google": 10}, 0.3)
    handed_on = deserialize(json.loads(json.dumps(serialize(held))))
    assert msgspec.convert(handed_on, HeldFeeds) == held
    assert held_back_reason(handed_on) == held_back_reason(held)
