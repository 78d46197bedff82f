"""The overrides of one market's channel (``[overrides.<market>] <channel> = "<file>"``) as
the ``write_channel`` task applies them: after localization, before the writer's checks
(`transforms.overrides`). Each price it sets becomes a row of the market's ``prices.csv``
(staged as ``shards/<channel>.prices.csv``, which `pipeline.assemble_market` appends)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.layout import SHARDS
from schemas.findings import Finding
from transforms.overrides import (
    Applied,
    OverrideTable,
    apply_overrides,
    read_overrides,
    unknown_skus,
)

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


class ChannelOverrides:
    """One channel's overrides file, read once, applied listing by listing."""

    def __init__(
        self, table: OverrideTable, market: Market, channel: str, prices: IO[str] | None = None
    ) -> None:
        self.table = table
        self.market = market
        self.channel = channel
        self.seen: set[str] = set()
        self.name = table.source.rsplit("/", 1)[-1]
        self._prices = csv.writer(prices, lineterminator="\r\n") if prices is not None else None

    def apply(self, listing: Listing) -> Applied:
        """``listing`` as the file changes it (`transforms.overrides.apply_overrides`)."""
        self.seen.add(listing.sku)
        items = self.table.by_sku.get(listing.sku)
        if not items:
            return Applied(listing, [])
        applied = apply_overrides(listing, items, self.market, self.channel, self.name)
        if applied.price_row is not None and applied.listing is not None and self._prices:
            self._prices.writerow(applied.price_row)
        return applied

    def write(self, output: ChannelFiles, listing: Listing) -> list[Finding]:
        """Apply the overrides, then hand the listing to the channel's writer; an excluded
        listing is not written (its ``excluded_by_override`` error sets it aside)."""
        applied = self.apply(listing)
        if applied.listing is None:
            return applied.findings
        return applied.findings + output.write(applied.listing)

    def finish(self) -> list[Finding]:
        """The file's own problems and its skus no listing had."""
        return self.table.problems + unknown_skus(
            self.table, self.seen, self.market.code, self.channel
        )


def read_channel_overrides(
    config: PipelineConfig, market: Market, channel: str, like: StoragePath | Path
) -> OverrideTable | None:
    """The channel's overrides file as configured (None when there is none). A local path,
    or an object-storage URL read through the same storage layer as ``like``'s kind (the
    run's staging area): a file that cannot be read is a finding, not a stop."""
    location = config.overrides.get(market.code, {}).get(channel)
    if location is None:
        return None
    path: Any
    if isinstance(like, Path):  # a run in local folders (tests, benchmarks)
        path = Path(location.removeprefix("file://"))
    else:  # the DAG's ObjectStoragePath: s3://, gs://, file://
        factory: Any = type(like)
        path = factory(location if "://" in location else Path(location).as_uri())
    try:
        with path.open("rb") as stream:
            raw: bytes = stream.read()
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
    return read_overrides(text, location, market.code, channel)


def open_overrides(
    table: OverrideTable | None,
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
