"""What the steps of ``localize_catalog`` hand each other: one type per record, written
and read through it.

Every record here but the manifest crosses a task boundary as an XCom value, so each is
a `TypedDict`: a plain JSON dict at runtime, which Airflow stores as it is, and a typed
one to mypy and to the reader (``result["listed"]``, never a ``.get`` chain). The run record
(``run.json``) is typed apart, in `pipeline.run_report.record`.

Records a market's later tasks read from the staging area rather than from XCom (a
shard's and a channel's ``result.json``, the market's ``assembled.json``) are written
by `write_staged` and read by `read_staged`, which checks every field with msgspec and
names the file when one does not read.

A market's ``manifest.json`` beside its live feeds outlives the run that wrote it, so it
is a msgspec `Struct` whose later fields have defaults: a manifest an earlier version
wrote still reads (`read_manifest`). The shrink gate's verdict (``held_feeds.json``, the
``check_gates`` result) is typed where the gate is, in `transforms.infra.gates`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, TypeVar

import msgspec

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from transforms.infra.storage import StoragePath

R = TypeVar("R")


# --- extract -------------------------------------------------------------------------


class ShardSpec(TypedDict):
    """One shard of the staged snapshot: a byte range of it, at record boundaries."""

    index: int
    """The shard's number, from 0."""
    first: int
    """Its first product's position in the snapshot."""
    products: int
    start: int
    """Its first byte in the snapshot file."""
    end: int
    """The byte after its last record."""


class StagedCatalog(TypedDict):
    """What `pipeline.extract.stage_catalog` staged of the catalog."""

    snapshot: str
    """The staged snapshot's location."""
    shards: list[ShardSpec]
    """At least one; a single empty one for an empty catalog."""
    products: int
    """Products read."""
    rejected_rows: int
    """Rows that could not be read, skipped."""
    held: int
    """Products read but held back (an ambiguous price, say): validation quarantines them."""
    warnings: int
    """Values that were ignored or changed on reading."""
    holds: str
    """The file of held skus and their rules (``ingest_holds.json``)."""


class Extracted(StagedCatalog):
    """The ``extract`` task's result: the staged catalog and the run's ECB rates."""

    rates: str
    """The staged rates file."""
    rates_day: str
    """The rates' day (ISO date)."""
    run_day: NotRequired[str]
    """The run's logical day (ISO date): which sales are over, and the day the price
    history records (`transforms.pricing.history`). Absent in results of older runs."""


# --- validate ------------------------------------------------------------------------


class ValidationJob(TypedDict):
    """One ``validate_shard`` task's arguments."""

    shard: ShardSpec


class ValidatedShard(TypedDict):
    """The ``validate_shard`` task's result."""

    shard: int
    """The shard's index."""
    products: int
    part: str
    """Its validation file (SQLite), for `pipeline.validate.validate_snapshot` to combine."""


class Validated(TypedDict):
    """The ``validate`` task's result: the catalog rules' verdict."""

    products: int
    quarantined: int
    """Products kept out of every market."""
    warnings: int
    expectations: int
    failed_expectations: int
    quarantine: str
    """``quarantine.json``: sku -> the rules that keep it out."""
    findings: str
    """``validation_findings.jsonl``."""
    results: str
    """``validation.json`` in the run's report folder: GX's verdict on every expectation."""


# --- translate -----------------------------------------------------------------------


class TranslationPrepared(TypedDict):
    """The ``prepare_translation`` task's result, for the language tasks and the report."""

    imported: dict[str, Any]
    """The translators' files imported into the memory: file name -> its counts."""
    catalog_pairs_recorded: int
    """The catalog's own localized texts recorded in the memory."""
    glossary_targets: list[str]
    """Every target language the DeepL glossary covers."""
    deepl: dict[str, Any] | None
    """The DeepL session's state after the glossary sync (`DeepLTranslator.session_state`);
    None without a key."""
    warnings: list[str]
    deepl_key: bool
    """Whether a DeepL key was set."""
    currency: str
    """The currency DeepL's cost is estimated in."""


class LanguageJob(TypedDict):
    """One ``translate_language`` task's arguments: a group of `translation_groups`."""

    group: list[str]
    """Market codes of one DeepL target language."""


class LanguageFigures(TypedDict):
    """One target language in the translation report (`transforms.translation.report`)."""

    segments: int
    human: int
    memory: int
    deepl: int
    pending: int
    flagged: int
    """Texts held back by the translation QA."""
    requests: int
    retries: int
    characters_sent: int
    characters_billed: int
    stopped: str | None
    hit_rate: float
    """The share of texts the memory (or a translator) had, 0 to 1."""
    estimated_cost: str
    """A decimal, in the report's ``currency``."""


class TranslationReport(TypedDict):
    """The translation report: one language's part, or the run's (``translation.json``)."""

    languages: dict[str, LanguageFigures]
    currency: str
    stopped: str | None
    """Why DeepL calls stopped (the budget, the quota), if they did."""
    warnings: list[str]
    deepl_key: bool
    review_files: dict[str, str]
    """Target language -> its review file (XLIFF)."""
    catalog_pairs_recorded: NotRequired[int]
    """The run's only: the catalog's texts recorded in the memory."""
    imported: NotRequired[dict[str, Any]]
    """The run's only: the translators' files imported."""


class TranslatedLanguage(TypedDict):
    """The ``translate_language`` task's result."""

    files: dict[str, str]
    """Market -> its translation outcome file."""
    report: TranslationReport
    """This language's part of the report."""
    report_part: str
    """The file the part is written to."""


class Translated(TypedDict):
    """The ``translate`` task's result: the run's outcome files and report."""

    files: dict[str, str]
    """Market -> its translation outcome file."""
    report: TranslationReport
    report_path: str
    """``translation.json`` in the run's report folder."""


# --- build ---------------------------------------------------------------------------


class ShardJob(TypedDict):
    """One ``localize_shard`` task's arguments."""

    market: str
    shard: ShardSpec


class ChannelJob(TypedDict):
    """One ``write_channel`` task's arguments."""

    market: str
    channel: str


class ShardResult(TypedDict):
    """The ``localize_shard`` task's result, also its ``shards/<shard>/result.json``."""

    market: str
    shard: int
    """The shard's index."""
    products: int
    set_aside: int
    """Products of the shard the market's own rules set aside (quarantine, localize)."""
    reasons: dict[str, int]
    """Rule -> products of the shard it set aside."""
    missing: dict[str, dict[str, int]]
    """Channel -> required attribute -> listings that lack it."""
    dir: str
    """The shard's folder: its listings and its parts of the market's files."""


class FeedPart(TypedDict):
    """One file of a channel's feed."""

    channel: str
    path: str
    """The staged file."""
    items: int
    """Items written (listings, or an API channel's messages)."""
    valid: bool
    """Whether it passed the format check and goes out."""
    deletions: NotRequired[int]
    """An API channel's deletions in the file, when it has some."""


class ChannelSummary(TypedDict):
    """One channel's figures for one market."""

    listed: int
    """Products it lists (on a delta run, sent or unchanged)."""
    set_aside: int
    reasons: dict[str, int]
    """Rule -> products set aside for it (one rule per product, adding up to
    ``set_aside``)."""
    sent: int
    """Listings sent (and deletions)."""
    unchanged: int
    deleted: int
    valid: bool
    """Whether every file passed and the feed may publish."""
    withheld: str | None
    """Why the feed is withheld (it lists nothing, or lists goods its market lacks an EPR
    registration for: `schemas.epr`), if it is."""
    state: str | None
    """An API channel's content hashes (``<channel>.state.json``), for the next delta."""
    sales: NotRequired[int]
    """Listings published with a sale on the run's day."""
    team_files: NotRequired[dict[str, str]]
    """The team's rules and overrides files the channel read: location -> sha256 of the
    bytes (`pipeline.overrides.ChannelChanges.digests`)."""
    prior_price_corrections: NotRequired[int]
    """Sales whose strike price the prior-price rule lowered or dropped, or that it sent
    as the regular price (`transforms.pricing.prior_price`)."""
    history: NotRequired[str | None]
    """The channel's price history as this run leaves it, staged for `publish_market`
    (`transforms.infra.price_history`); None when the run keeps none."""


class ChannelResult(TypedDict):
    """The ``write_channel`` task's result, also its ``shards/<channel>.result.json``."""

    market: str
    channel: str
    parts: list[FeedPart]
    summary: ChannelSummary
    findings: str
    """The channel's keyed findings file."""


class ChannelFigures(ChannelSummary):
    """A channel's figures in the market's build: its summary and what its listings lack."""

    missing: dict[str, int]
    """Required attribute -> listings that lack it."""


class MarketBuild(TypedDict):
    """The ``assemble_market`` task's result (one market's build), also ``assembled.json``."""

    market: str
    products: int
    """Products considered."""
    set_aside: int
    """Products the market's own rules set aside."""
    reasons: dict[str, int]
    feeds: list[FeedPart]
    """Every channel's files, in the market's channel order."""
    channels: dict[str, ChannelFigures]
    mode: str
    """``full`` or ``delta``."""
    rate_day: str | None
    """The day of the ECB rates the prices were converted at."""
    findings: str
    """The market's ``findings.jsonl``."""
    completeness: str
    prices: str


# --- publish -------------------------------------------------------------------------


class PublishedFeed(TypedDict):
    """One file the ``publish`` task replaced live."""

    market: str
    channel: str
    path: str
    """Its live location."""
    file: str
    items: int
    listed: int
    """The channel's listings (the shrink gate's count)."""
    sha256: str


class FeedEvent(TypedDict):
    """A published feed's Asset event: the Asset's uri and name, and the event's extra."""

    uri: str
    name: str
    extra: dict[str, Any]


# --- beside the live feeds ------------------------------------------------------------


class ManifestEntry(msgspec.Struct, kw_only=True):
    """One live feed file in a market's ``manifest.json``."""

    file: str
    channel: str
    items: int
    sha256: str
    run: str | None | msgspec.UnsetType = msgspec.UNSET
    """The run that published it, for a feed held back (still live from an earlier run);
    left out for the manifest's own run's files."""


class Manifest(msgspec.Struct, kw_only=True):
    """A market's ``manifest.json``: its live feeds, and the run that published them.

    Written by `pipeline.publish.publish_market` through `write_manifest`, read through
    `read_manifest` (by publish, the delivery and the run report). A manifest written
    before a field was added reads with its default.
    """

    market: str
    run: str
    mode: str = "full"
    """``full`` or ``delta``."""
    rate_day: str | None = None
    """The day of the ECB rates its prices were converted at."""
    feeds: list[ManifestEntry] = msgspec.field(default_factory=list)

    def published_by(self, entry: ManifestEntry) -> str:
        """The run that published ``entry``'s file: its own ``run``, else the manifest's.

        >>> manifest = Manifest(market="DE", run="r2", feeds=[
        ...     ManifestEntry(file="a.xml", channel="google", items=1, sha256="ab"),
        ...     ManifestEntry(file="b.json", channel="amazon", items=1, sha256="cd", run="r1")])
        >>> [manifest.published_by(entry) for entry in manifest.feeds]
        ['r2', 'r1']
        """
        return entry.run if isinstance(entry.run, str) and entry.run else self.run


# --- reading and writing -------------------------------------------------------------


class RecordError(ValueError):
    """A staged record that does not read as its type; the message names the file."""


def write_staged(path: StoragePath | Path, record: object) -> None:
    """Write a record to the staging area as JSON (keys sorted)."""
    with path.open("w", encoding="utf-8") as stream:
        json.dump(record, stream, sort_keys=True)


def read_staged(path: StoragePath | Path, kind: type[R]) -> R:
    """A staged record, every field checked against ``kind``.

    Raises:
        FileNotFoundError: there is no such file.
        RecordError: naming the file, when it is not JSON or not a ``kind``.
    """
    with path.open("rb") as stream:
        data = stream.read()
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.DecodeError as error:  # ValidationError is one
        raise RecordError(f"{path} is not a {kind.__name__} record: {error}") from None


def read_manifest(path: StoragePath | Path) -> Manifest:
    """A market's ``manifest.json``.

    Raises:
        FileNotFoundError: there is no such file.
        RecordError: naming the file, when it is not JSON or not a `Manifest`.
    """
    return read_staged(path, Manifest)


def write_manifest(path: StoragePath | Path, manifest: Manifest) -> None:
    """Write a market's ``manifest.json`` (indented, keys sorted; a feed's ``run`` only
    where it was set)."""
    with path.open("w", encoding="utf-8") as stream:
        json.dump(msgspec.to_builtins(manifest), stream, indent=1, sort_keys=True)
        stream.write("\n")


def as_record(value: object, kind: type[R], source: str) -> R:
    """An XCom value (or any parsed JSON) as ``kind``, every field checked.

    Raises:
        RecordError: naming ``source``, when it is not a ``kind``.

    >>> as_record({"market": "DE", "channel": "google"}, ChannelJob, "plan_channels")
    {'market': 'DE', 'channel': 'google'}
    >>> as_record({"market": "DE"}, ChannelJob, "plan_channels")
    Traceback (most recent call last):
    ...
    pipeline.records.RecordError: plan_channels is not a ChannelJob record: Object missing required field `channel`
    """  # noqa: E501
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as error:
        raise RecordError(f"{source} is not a {kind.__name__} record: {error}") from None


def finished(mapped: Sequence[R] | None) -> list[R | None]:
    """A mapped task's results as far as they exist (None for a failed map index).

    >>> finished(None), finished(["a", "b"])
    ([], ['a', 'b'])
    """
    if not mapped:
        return []
    results: list[R | None] = []
    for index in range(len(mapped)):
        try:
            results.append(mapped[index])
        except (KeyError, IndexError, LookupError):
            results.append(None)
    return results


def each(mapped: Sequence[R]) -> Iterator[R]:
    """A mapped task's results, read by index (iterating Airflow's lazy sequence probes
    one past the end)."""
    for index in range(len(mapped)):
        yield mapped[index]
