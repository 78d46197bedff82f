"""What the ``deliver_feeds`` steps hand each other, and what was delivered: one type per
record, written and read through it.

The plan's entries (`PlannedFeed`) and the deliver tasks' results (`DeliveryResult`)
cross a task boundary as XCom values, so each is a `TypedDict`: a plain JSON dict at
runtime, which Airflow stores as it is, and a typed one to mypy and to the reader, as
`pipeline.records` types ``localize_catalog``'s. A run's ``delivery.json`` holds one
`DeliveryLine` per delivered file.

The record of one delivery (`DeliveryRecord`) outlives the run that wrote it, so it is a
msgspec `Struct`, like the market's manifest. It lives at
``<output>/deliveries/<market>/<channel>/<file>.<sha256 prefix>.json`` and says where that
exact file went::

    {"market": "DE", "channel": "amazon", "file": "amazon-0001.json",
     "sha256": "...", "run": "<the run that published it>",
     "status": "submitted" | "done",
     "progress": {...},          # how far an unfinished delivery got (Amazon's feed id,
                                 # eBay's finished calls), for the next try to resume
     "outcome": {...},           # the `DeliveryOutcome`, once done
     "started": "...", "finished": "..."}

Because the key is the file's sha256, delivering the same file again finds its record and
submits nothing, while a new night's file (another sha256) gets its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

import msgspec

from pipeline.delivery.outcome import DeliveryOutcome, Verdict  # noqa: TC001 (msgspec reads them)
from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from pathlib import Path

    from transforms.infra.storage import StoragePath

DELIVERIES = "deliveries"
"""Under the output root: the delivery records."""


# --- what the steps hand each other ----------------------------------------------------


class TriggeringEvent(TypedDict):
    """An Asset event that started the run, as the ``plan`` task reads it."""

    uri: str
    """The Asset's uri: the live file."""
    extra: dict[str, Any]
    """The event's extra; a ``publish`` event's is `FeedEventExtra`."""


class FeedEventExtra(msgspec.Struct, kw_only=True):
    """What the plan reads of an Asset event's extra (`pipeline.publish.feed_events`
    writes it); an event from elsewhere may lack both, and its uri tells them."""

    market: str | None = None
    file: str | None = None


class PlannedFeed(TypedDict):
    """One live file to deliver: an item of the ``plan`` task's result, one ``deliver``
    task's argument."""

    market: str
    channel: str
    file: str
    path: str
    """Its live location."""
    sha256: str
    """Its content's, as its market's manifest gives it."""
    items: int
    """Items written (listings, or an API channel's messages)."""
    run: str
    """The run that published it: its report gets the marketplace's answer."""
    label: str
    """``DE google.xml``: the deliver task's name in the UI."""


DeliveryStatus = Literal[
    "delivered", "already_delivered", "dry_run", "superseded", "failed", "not_configured"
]
"""What became of a planned file: sent now, sent by an earlier delivery, not sent (a dry
run; a later run replaced the file; its channel's connection is not defined), or its
deliver task failed."""


class IssueLine(TypedDict):
    """One of the issues most products have (`pipeline.delivery.outcome.IssueCount`)."""

    code: str
    description: str
    products: int


class DeliveryResult(PlannedFeed):
    """The ``deliver`` task's result: the planned file, what became of it and, when it was
    sent (now or before), the marketplace's answer in figures."""

    status: DeliveryStatus
    record: str | None
    """Its delivery record (`record_path`); None for a failed deliver task."""
    detail: str
    """The marketplace's sentence when it was sent, else why it was not."""
    verdict: Verdict | None
    """The marketplace's answer; None when nothing was sent."""
    reference: str | None
    """The marketplace's id for what was sent (Amazon's feed id, the uploaded path)."""
    sent: int
    accepted: int
    refused: int
    """Items refused (their skus go out again with the next run)."""
    errors: int
    warnings: int
    states: dict[str, int]
    """Products per state, where the marketplace reports states (Google's approved,
    disapproved, pending); empty otherwise."""
    top_issues: list[IssueLine]
    """The issues most products have, most first; empty where none were reported."""


class DeliveryLine(TypedDict):
    """One file of a run's ``delivery.json``: a `DeliveryResult` without its live path and
    label, the marketplace's figures only when it answered, and its summary line."""

    market: str
    channel: str
    file: str
    status: DeliveryStatus
    line: str
    """What the summary says of it (`pipeline.deliver.describe_delivery`)."""
    sha256: NotRequired[str]
    items: NotRequired[int]
    run: NotRequired[str]
    detail: NotRequired[str]
    record: NotRequired[str]
    verdict: NotRequired[Verdict]
    reference: NotRequired[str | None]
    sent: NotRequired[int]
    accepted: NotRequired[int]
    refused: NotRequired[int]
    errors: NotRequired[int]
    warnings: NotRequired[int]
    states: NotRequired[dict[str, int]]
    top_issues: NotRequired[list[IssueLine]]


# --- the record of one delivery ---------------------------------------------------------


class DeliveryRecord(msgspec.Struct, kw_only=True):
    """The record of delivering one file with one content (see the module's docstring).

    Written whole by `write_record` at each step (submitted, each checkpoint, done), read
    by `read_record`. The fields a delivery sets on its way are left out until set, so a
    record reads as the steps it went through.
    """

    market: str
    channel: str
    file: str
    sha256: str
    run: str | None = None
    """The run that published the file."""
    status: Literal["submitted", "done"] = "submitted"
    started: str | None = None
    """When the first try started (`now`)."""
    progress: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    """How far an unfinished delivery got, the sender's own (Amazon's feed id, eBay's
    finished calls): the next try resumes from it."""
    outcome: DeliveryOutcome | msgspec.UnsetType = msgspec.UNSET
    """What the marketplace said, once done."""
    finished: str | msgspec.UnsetType = msgspec.UNSET

    def resume_from(self) -> dict[str, Any] | None:
        """The progress an earlier try recorded, None when there is none."""
        return None if isinstance(self.progress, msgspec.UnsetType) else self.progress

    def done(self) -> DeliveryOutcome | None:
        """The marketplace's answer when the delivery is done, else None."""
        if self.status != "done" or isinstance(self.outcome, msgspec.UnsetType):
            return None
        return self.outcome


def record_path(
    output_root: StoragePath | Path, market: str, channel: str, file: str, sha256: str
) -> StoragePath | Path:
    """Where the record of delivering ``file`` with this content lives.

    >>> from pathlib import PurePosixPath
    >>> str(record_path(PurePosixPath("/out"), "DE", "amazon", "amazon-0001.json", "ab" * 32))
    '/out/deliveries/DE/amazon/amazon-0001.json.abababababababab.json'
    """
    return output_root / DELIVERIES / market / channel / f"{file}.{sha256[:16]}.json"


def read_record(path: StoragePath | Path) -> DeliveryRecord | None:
    """The record at ``path``; None when there is none, or it does not read as a
    `DeliveryRecord` (a torn write, say): the file is then delivered as if new."""
    if not path.exists():
        return None
    with path.open("rb") as stream:
        data = stream.read()
    try:
        return msgspec.json.decode(data, type=DeliveryRecord)
    except msgspec.DecodeError:  # ValidationError is one
        return None


def write_record(path: StoragePath | Path, record: DeliveryRecord) -> None:
    """Write ``record`` whole (an object store replaces an object in one go; a local file
    is written beside and renamed, so a crash leaves the old record or the new one)."""
    from transforms.infra.storage import local_path

    ensure_dir(path.parent)
    text = json.dumps(msgspec.to_builtins(record), indent=1, sort_keys=True) + "\n"
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
