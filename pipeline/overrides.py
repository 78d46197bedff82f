"""The rules (``rules_path``, `transforms.feed_rules`) and the overrides of one market's
channel (``[overrides.<market>] <channel> = "<file>"``) as the ``write_channel`` task
applies them: after localization, before the writer's checks (`transforms.overrides`); the
rules in their order first, the overrides file last. Each price they set becomes a row of
the market's ``prices.csv`` (staged as ``shards/<channel>.prices.csv``, which
`pipeline.assemble_market` appends)."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from pipeline.layout import SHARDS
from schemas.findings import Finding
from transforms.feed_rules import FeedRule, load_rules, matching_overrides
from transforms.overrides import (
    Applied,
    OverrideTable,
    apply_overrides,
    read_overrides,
    unknown_skus,
)
from transforms.pricing.sales import SALE_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import ExitStack

    from pipeline.channel_files import ChannelFiles
    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig
    from schemas.listing import Listing
    from transforms.infra.storage import StoragePath

PRICES_SUFFIX = ".prices.csv"
"""``shards/<channel>.prices.csv``: the prices a channel's overrides set."""


@dataclass
class ChannelChanges:
    """What the team's files change in one channel of one market: its overrides file (None
    without one) and the rules file's rules (`transforms.feed_rules`)."""

    table: OverrideTable | None
    rules: list[FeedRule] = field(default_factory=list)
    rules_source: str = ""
    digests: dict[str, str] = field(default_factory=dict)
    """Location -> sha256 of the bytes read, of each file read (an unreadable overrides
    file has none): the run record keeps them, the next run's summary compares."""


class ChannelOverrides:
    """One channel's rules and overrides file, read once, applied listing by listing."""

    def __init__(
        self,
        changes: ChannelChanges | OverrideTable,
        market: Market,
        channel: str,
        prices: IO[str] | None = None,
    ) -> None:
        if isinstance(changes, OverrideTable):
            changes = ChannelChanges(changes)
        self.table = changes.table or OverrideTable("")
        self.rules = changes.rules
        self.rules_name = changes.rules_source.rsplit("/", 1)[-1]
        self.market = market
        self.channel = channel
        self.seen: set[str] = set()
        self.matched: set[int] = set()
        """The lines of the rules whose condition held for a listing."""
        self.name = self.table.source.rsplit("/", 1)[-1]
        self._prices = csv.writer(prices, lineterminator="\r\n") if prices is not None else None

    def apply(self, listing: Listing) -> Applied:
        """``listing`` as the rules, then the file, change it
        (`transforms.overrides.apply_overrides`). Where several set one field, each
        ``override_applied`` finding says which of them wins (`explain_order`)."""
        self.seen.add(listing.sku)
        findings: list[Finding] = []
        setters: list[Setter] = []
        price_row = None
        current: Listing | None = listing
        if self.rules:
            items, failed = matching_overrides(self.rules, listing, self.channel)
            findings += [self._not_judged(listing, rule, why) for rule, why in failed]
            self.matched.update(item.row for item in items)
            if items:
                by_rules = apply_overrides(
                    listing, items, self.market, self.channel, self.rules_name
                )
                findings += by_rules.findings
                setters += [
                    Setter(f"{self.rules_name} {o.where}", True, f) for o, f in by_rules.applied
                ]
                current, price_row = by_rules.listing, by_rules.price_row
        cells = self.table.by_sku.get(listing.sku)
        if cells and current is not None:
            by_file = apply_overrides(current, cells, self.market, self.channel, self.name)
            findings += by_file.findings
            setters += [Setter(f"{self.name} {o.where}", False, f) for o, f in by_file.applied]
            current, price_row = by_file.listing, by_file.price_row or price_row
        if price_row is not None and current is not None and self._prices:
            # The sale's columns stay empty: the overridden price is the regular one.
            self._prices.writerow((*price_row, *("" for _ in SALE_COLUMNS)))
        return Applied(current, explain_order(findings, setters), price_row)

    def _not_judged(self, listing: Listing, rule: FeedRule, why: str) -> Finding:
        return Finding(
            stage="feed",
            severity="warning",
            sku=listing.sku,
            market=self.market.code,
            channel=self.channel,
            field="(rule)",
            rule="feed_rule_not_judged",
            message=f"{self.rules_name} rule {rule.name!r} (line {rule.line}) could not be "
            f"judged for this listing ({why}): it does not apply",
        )

    def write(self, output: ChannelFiles, listing: Listing) -> list[Finding]:
        """Apply the overrides, then hand the listing to the channel's writer; an excluded
        listing is not written (its ``excluded_by_override`` error sets it aside)."""
        applied = self.apply(listing)
        if applied.listing is None:
            return applied.findings
        return applied.findings + output.write(applied.listing)

    def finish(self) -> list[Finding]:
        """The file's own problems, its skus no listing had and the rules that matched no
        listing of the channel."""
        return (
            self.table.problems
            + unknown_skus(self.table, self.seen, self.market.code, self.channel)
            + [self._unmatched(rule) for rule in self.rules if rule.line not in self.matched]
        )

    def _unmatched(self, rule: FeedRule) -> Finding:
        return Finding(
            stage="feed",
            severity="info",
            sku=None,
            market=self.market.code,
            channel=self.channel,
            field="(rule)",
            rule="feed_rule_unmatched",
            message=f"{self.rules_name} rule {rule.name!r} (line {rule.line}) matched no "
            f"{self.channel} listing in {self.market.code}",
            value=rule.name,
        )


ORDER_RULES: Final = "a later rule wins over an earlier one"
ORDER_FILE: Final = "the overrides file wins over the rules"
ORDER_ROWS: Final = "a later row of the file wins"


@dataclass(frozen=True, slots=True)
class Setter:
    """Who set a field of a listing: ``feed-rules.toml rule 'x' (line 3)`` or
    ``CH-google.csv row 2``, and its ``override_applied`` finding."""

    who: str
    by_rule: bool
    finding: Finding


def explain_order(findings: list[Finding], setters: Sequence[Setter]) -> list[Finding]:
    """``findings`` with each ``override_applied`` finding of a field that more than one
    rule or file row set saying which wins: the last to apply (the rules in their file's
    order, then the overrides file). ``setters``: who set what, in the order it applied.

    >>> def set_(field):
    ...     return Finding("feed", "info", "A", field, "override_applied", f"{field} set by ..")
    >>> first, second, other = set_("title"), set_("title"), set_("price")
    >>> found = explain_order([first, second, other], [
    ...     Setter("r.toml rule 'a' (line 1)", True, first), Setter("f.csv row 2", False, second),
    ...     Setter("f.csv row 2", False, other)])
    >>> for finding in found:
    ...     print(finding.message)
    title set by .. (overridden by f.csv row 2: the overrides file wins over the rules)
    title set by .. (wins over r.toml rule 'a' (line 1): the overrides file wins over the rules)
    price set by ..
    """
    if len(setters) < 2:
        return findings  # most listings: nothing to explain
    by_field: dict[str, list[Setter]] = {}
    for setter in setters:
        by_field.setdefault(setter.finding.field, []).append(setter)
    notes: dict[int, str] = {}
    for group in by_field.values():
        if len(group) < 2:
            continue
        *losers, winner = group
        if winner.by_rule:
            why = ORDER_RULES
        elif any(loser.by_rule for loser in losers):
            why = ORDER_FILE
        else:
            why = ORDER_ROWS
        for loser in losers:
            notes[id(loser.finding)] = f" (overridden by {winner.who}: {why})"
        beaten = " and ".join(loser.who for loser in losers)
        notes[id(winner.finding)] = f" (wins over {beaten}: {why})"
    if not notes:
        return findings
    return [replace(f, message=f.message + notes[id(f)]) if id(f) in notes else f for f in findings]


def read_channel_overrides(
    config: PipelineConfig, market: Market, channel: str, like: StoragePath | Path
) -> ChannelChanges | None:
    """The channel's rules and overrides file as configured (None when there are none).
    A local path, or an object-storage URL read through the same storage layer as
    ``like``'s kind (the run's staging area). An overrides file that cannot be read is a
    finding, not a stop; a rules file that does not load stops the task, naming its line
    (`transforms.feed_rules.RulesError`)."""
    location = config.overrides.get(market.code, {}).get(channel)
    rules: list[FeedRule] = []
    digests: dict[str, str] = {}
    if config.rules_path:
        raw = _read_bytes(config.rules_path, like)
        rules = [
            r
            for r in load_rules(raw.decode("utf-8"), config.rules_path)
            if not r.channels or channel in r.channels
        ]
        digests[config.rules_path] = hashlib.sha256(raw).hexdigest()
    if location is None and not rules:
        return None
    table = None
    if location is not None:
        table = _read_table(location, market, channel, like, digests)
    return ChannelChanges(table, rules, config.rules_path or "", digests)


def _read_bytes(location: str, like: StoragePath | Path) -> bytes:
    path: Any
    if isinstance(like, Path):  # a run in local folders (onboarding, tests, benchmarks)
        if "://" in location and not location.startswith("file://"):
            raise OSError(
                f"{location}: an object-storage URL is read by the DAG's tasks, through the "
                "Airflow connection it names; a build in local folders reads local files only"
            )
        path = Path(location.removeprefix("file://"))
    else:  # the DAG's ObjectStoragePath: s3://, gs://, file://
        factory: Any = type(like)
        path = factory(location if "://" in location else Path(location).as_uri())
    with path.open("rb") as stream:
        raw: bytes = stream.read()
    return raw


def _read_table(
    location: str,
    market: Market,
    channel: str,
    like: StoragePath | Path,
    digests: dict[str, str],
) -> OverrideTable:
    """The overrides file at ``location``, its sha256 added to ``digests`` when read."""
    try:
        raw = _read_bytes(location, like)
        text = raw.decode("utf-8")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        table = OverrideTable(location)
        table.problems.append(
            Finding(
                stage="feed",
                severity="warning",
                sku=None,
                market=market.code,
                channel=channel,
                field="(file)",
                rule="override_file_unreadable",
                message=f"{location} cannot be read ({exc}): no override of {channel} in "
                f"{market.code} applies (save the spreadsheet as CSV UTF-8)",
            )
        )
        return table
    digests[location] = hashlib.sha256(raw).hexdigest()
    return read_overrides(text, location, market.code, channel)


def open_overrides(
    table: ChannelChanges | None,
    market: Market,
    channel: str,
    folder: StoragePath | Path,
    streams: ExitStack,
) -> ChannelOverrides | None:
    """The channel's overrides for a ``write_channel`` task, its prices part opened in
    ``folder`` (closed with ``streams``); None when the channel has no overrides file."""
    if table is None:
        return None
    prices = streams.enter_context(
        (folder / f"{channel}{PRICES_SUFFIX}").open("w", encoding="utf-8", newline="")
    )
    return ChannelOverrides(table, market, channel, prices)


def channel_prices(market_dir: StoragePath | Path, channels: Sequence[str]) -> list[Any]:
    """Where each channel's overrides left the prices they set (a file per channel that
    has an overrides file)."""
    return [market_dir / SHARDS / f"{channel}{PRICES_SUFFIX}" for channel in channels]
