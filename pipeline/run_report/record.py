"""The run record, ``<output>/runs/<run>/run.json``: what a run got to, as the summary
writes it (`pipeline.run_report.summary.write_run_report`) and the report page reads it,
its own and the earlier runs' (`pipeline.run_report.view`).

One family of msgspec Structs, written through `encode_record` and read through
`decode_record`. Every field has a default, so that a record written before a field was
added still reads (as the page always has); a record that is not a JSON object, or has a
field of the wrong shape, does not read at all: the page names it rather than guess.

A field whose default is `UNSET` is left out of ``run.json`` when it was not set: the
summary does not write it (``delivery``, added by `pipeline.deliver`), or the translation
step gave none.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType, field


class FailedTask(Struct, kw_only=True):
    """A task try that failed, named in the page's banner."""

    task: str
    label: str | None = None
    """The mapped task's label (its market, shard or language), if it has one."""
    error: str | None = None


class LiveFeed(Struct, kw_only=True):
    """A feed live after the run, from its market's manifest (a stopped run shows these)."""

    market: str | None = None
    channel: str | None = None
    file: str | None = None
    path: str | None = None
    """Its location (a path or a URL)."""
    items: int | None = None
    run: str | None = None
    """The run that published it."""


class StepTotals(Struct, kw_only=True):
    """One task's tries, in the DAG's order (`pipeline.run_report.steps.step_totals`)."""

    task: str | None = None
    count: int | None = None
    seconds: float | None = None
    """The tries' seconds, summed."""
    longest: float | None = None
    failed: int = 0


class CatalogCounts(Struct, kw_only=True):
    """What extract read of the catalog."""

    products: int
    rejected_rows: int | None = None
    held: int | None = None


class ValidationCounts(Struct, kw_only=True):
    """The catalog rules' verdict (Great Expectations)."""

    quarantined: int = 0
    warnings: int = 0
    failed_expectations: int = 0
    expectations: int = 0


class LanguageFigures(Struct, kw_only=True):
    """One target language's translation figures (`transforms.translate`)."""

    segments: int | None = None
    human: int | None = None
    memory: int | None = None
    deepl: int | None = None
    pending: int | None = None
    flagged: int | None = None
    """Texts held back by the translation QA."""
    hit_rate: float | None = None
    """The share of texts the memory (or a translator) had, 0 to 1."""
    characters_sent: int | None = None
    characters_billed: int | None = None
    estimated_cost: str | int | float | None = None
    """In the translation's ``currency``; a decimal string as the translation step writes it."""
    requests: int | UnsetType = UNSET
    retries: int | UnsetType = UNSET
    stopped: str | None | UnsetType = UNSET


class TranslationFigures(Struct, kw_only=True):
    """The translation step's report (``translation.json``), as the run record keeps it."""

    currency: str | None = None
    deepl_key: bool = False
    """Whether a DeepL key was set (without one, only the memory translates)."""
    stopped: str | None = None
    """Why DeepL calls stopped (the budget, the quota), if they did."""
    warnings: list[str] = field(default_factory=list)
    languages: dict[str, LanguageFigures] = field(default_factory=dict)
    review_files: dict[str, str] = field(default_factory=dict)
    """Target language -> its review file (XLIFF)."""
    imported: dict[str, Any] | None | UnsetType = UNSET
    """The translators' files imported into the memory, by name (not shown)."""
    catalog_pairs_recorded: int | None | UnsetType = UNSET


class FeedEntry(Struct, kw_only=True):
    """One market's feed for one channel, and what became of it."""

    market: str | None = None
    channel: str | None = None
    listed: int | None = None
    set_aside: int | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    """Rule -> products set aside for it."""
    missing: dict[str, int] = field(default_factory=dict)
    """Catalog field -> products that lack it (the ``incomplete`` reason's detail)."""
    products: int | None = None
    """The market's products."""
    sent: int | None = None
    unchanged: int | None = None
    deleted: int | None = None
    delta: bool = False
    """Whether the feed went out as a delta (sent, unchanged, deleted) against its state."""
    outcome: str | None = None
    """``published``, ``held_back``, ``nothing_to_send``, ``dry_run`` or ``not_published``."""
    outcome_text: str = ""
    """The summary's words for the outcome (for a published feed, its location)."""
    files: list[str] = field(default_factory=list)
    """The published files' locations."""
    sales: int | None = None
    """Listings published with a sale on the run's day; None when the run kept no price
    history."""
    prior_price_corrections: int | None = None
    """Sales the prior-price rule changed (`transforms.pricing.prior_price`)."""


class FindingsCounts(Struct, kw_only=True):
    total: int | None = None
    by_severity: dict[str, int] = field(default_factory=dict)


class RunFiles(Struct, kw_only=True):
    """The locations of the run's files; None for one the run did not write."""

    summary: str | None = None
    findings_csv: str | None = None
    findings_jsonl: str | None = None
    completeness: str | None = None
    prices: str | None = None
    translation: str | None = None
    validation: str | None = None
    manifests: dict[str, str] = field(default_factory=dict)
    """Market code -> its manifest."""


class IssueEntry(Struct, kw_only=True):
    """One of the issues most of a delivered feed's products have."""

    code: str
    description: str = ""
    products: int = 0


class DeliveryEntry(Struct, kw_only=True):
    """One feed's delivery to its channel (`pipeline.deliver`, which adds these)."""

    market: str | None = None
    channel: str | None = None
    file: str | None = None
    status: str | None = None
    """``delivered``, ``already_delivered``, ``dry_run``, ``superseded`` or
    ``not_configured`` (the channel's connection is not defined)."""
    verdict: str | None = None
    """The channel's answer (``accepted``, ``refused``, ...), when the feed was sent."""
    detail: str | None = None
    reference: str | None = None
    sent: int | None = None
    accepted: int | None = None
    refused: int | None = None
    warnings: int | None = None
    states: dict[str, int] | UnsetType = UNSET
    """Products per state where the marketplace reports states (Google's approved,
    disapproved, pending)."""
    top_issues: list[IssueEntry] | UnsetType = UNSET
    """The issues most products have, most first (Google's codes)."""


class TeamFile(Struct, kw_only=True):
    """A rules or overrides file of the data team the run read
    (`pipeline.run_report.changes.team_files`)."""

    location: str
    """Its path or object-storage URL, as configured."""
    sha256: str
    """Of the bytes the run read."""
    since: str | None = None
    """The newest earlier run that read it (its folder's name); None: no earlier run did."""
    changed: bool | None = None
    """Whether its content differs from what ``since`` read; None without ``since``."""


class RunRecord(Struct, kw_only=True):
    """One run, as ``run.json`` holds it."""

    run_id: str | None = None
    """Airflow's run id."""
    run_key: str | None = None
    """The run's folder name under ``<output>/runs/``."""
    dag_id: str | None = None
    run_day: str | None = None
    status: str | None = None
    """``success``, ``stopped``, ``held_back`` or ``incomplete``."""
    reason: str | None = None
    """Why the run stopped, held feeds back, or is incomplete."""
    failed_tasks: list[FailedTask] = field(default_factory=list)
    still_live: list[LiveFeed] = field(default_factory=list)
    mode: str | None = None
    """``full`` or ``delta``."""
    dry_run: bool = False
    rate_date: str | None = None
    """The day of the ECB rates the prices were converted at."""
    started: str | None = None
    """ISO time."""
    finished: str | None = None
    steps: list[StepTotals] = field(default_factory=list)
    catalog: CatalogCounts | None = None
    validation: ValidationCounts | None = None
    translation: TranslationFigures | None = None
    feeds: list[FeedEntry] = field(default_factory=list)
    findings: FindingsCounts | None = None
    files: RunFiles = field(default_factory=RunFiles)
    delivery: list[DeliveryEntry] | UnsetType = UNSET
    team_files: list[TeamFile] | UnsetType = UNSET
    """The data team's rules and overrides files the run read, and whether each changed
    since the last run that read it; left out when the run read none."""


def decode_record(data: object) -> RunRecord | None:
    """``run.json``'s parsed JSON as a `RunRecord`; None when it is not one.

    >>> decode_record({"run_key": "k", "feeds": [{"listed": 3}]}).feeds[0].listed
    3
    >>> decode_record({"feeds": "none", "catalog": 3}) is None
    True
    """
    try:
        return msgspec.convert(data, RunRecord)
    except msgspec.ValidationError:
        return None


def encode_record(record: RunRecord) -> dict[str, Any]:
    """The record as JSON-ready builtins (the fields left `UNSET` left out)."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    return data


class RunIndexEntry(Struct, kw_only=True):
    """One run in ``<output>/runs/index.json`` (newest first), for the runs' index page."""

    run_key: str
    run_id: str | None = None
    status: str | None = None
    started: str | None = None
    finished: str | None = None


def decode_index(data: object) -> list[RunIndexEntry]:
    """``index.json``'s parsed JSON as its entries, those that are not one left out.

    >>> [e.run_key for e in decode_index([{"run_key": "b"}, "x", {"run_key": 3}, {}])]
    ['b']
    >>> decode_index({"run_key": "b"})
    []
    """
    if not isinstance(data, list):
        return []
    entries = []
    for item in data:
        try:
            entries.append(msgspec.convert(item, RunIndexEntry))
        except msgspec.ValidationError:
            continue
    return entries
