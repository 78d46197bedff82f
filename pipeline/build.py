"""Step 5, build: one market's listings and feed files, unpublished, in three mapped steps:
``localize_shard`` (per market and shard, `pipeline.localize_shard`), ``write_channel``
(per market and channel, here, with `pipeline.channel_files`) and ``assemble_market``
(per market, `pipeline.assemble_market`); `build_market_feeds` runs the three in one
process. The DAG's tasks call `build_shard`, `build_channel` and `assemble`, which read
what the earlier steps left (`pipeline.records`) and the configuration."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import msgspec

from feeds.contract import WriterContext
from feeds.scratch import ScratchStore
from pipeline.assemble_market import assemble_market, read_assembled, read_results
from pipeline.channel_files import ChannelFiles, live_listings, previous_state
from pipeline.channel_prices import ChannelPrices
from pipeline.layout import KEYED_FINDINGS, LISTINGS, RESULT, SHARDS, path_like
from pipeline.localize_shard import first_error, localize_shard
from pipeline.overrides import ChannelChanges, open_overrides, read_channel_overrides
from pipeline.records import (
    ChannelJob,
    ChannelResult,
    Extracted,
    MarketBuild,
    ShardJob,
    ShardResult,
    ShardSpec,
    StagedCatalog,
    Translated,
    Validated,
    write_staged,
)
from pipeline.staged_parts import AFTER_ALL, read_records, write_keyed
from schemas.listing import Listing
from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.categories import CategoryMap
    from schemas.config.channel import Channel, Requirement
    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig
    from schemas.config.pricing import Pricing
    from transforms.infra.price_history import PriceHistoryStore
    from transforms.infra.storage import StoragePath
    from transforms.pricing.ecb_rates import EcbRates
    from transforms.pricing.sales import SaleClock


def build_market_feeds(
    snapshot: StoragePath | Path,
    market: Market,
    market_dir: StoragePath | Path,
    *,
    pricing: Pricing,
    rates: EcbRates | None,
    requirements: Mapping[str, Sequence[Requirement]] | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    translations: StoragePath | Path | None = None,
    source_locale: str = "en_US",
    channel_settings: Mapping[Any, Channel] | None = None,
    category_map: CategoryMap | None = None,
    mode: Literal["full", "delta"] = "full",
    live_dir: StoragePath | Path | None = None,
    clock: SaleClock | None = None,
    history: PriceHistoryStore | None = None,
    overrides: Mapping[str, ChannelChanges | None] | None = None,
) -> MarketBuild:
    """Localize every product for one market and write its feeds (unpublished), in this
    process: `localize_shard` over the whole snapshot, `write_channel` for each of the
    market's channels, then `assemble_market`. The DAG runs the same three steps as
    separate tasks (shards and channels spread over workers); the files are the same.

    A product goes into a channel's feed only if it is not quarantined by the
    catalog rules, localizes for the market, meets the channel's requirements
    for this market (completeness 100 %) and passes the writer's own checks.
    Each step that sets it aside writes findings; ``completeness.csv`` records
    every localized product's completeness per channel.

    Args:
        pricing: Catalog prices, VAT and the base currency (``[pricing]``).
        rates: The run's ECB rates, for prices to convert.
        requirements: Channel -> required attributes (none checked when absent).
        quarantine: Sku -> catalog rules that block it.
        translations: The market's translation outcome (`transforms.translation.outcome`).
        source_locale: Locale translations were made from.
        channel_settings: ``[channels.<name>]`` of the configuration.
        category_map: Catalog category -> each channel's category.
        mode: ``delta`` sends API channels (Amazon, eBay) only what changed since the
            last published feed, and deletions; other channels always get full files.
        live_dir: The market's published folder, where the last content hashes are.
        clock: The run's day and the merchant's time zone, for sales
            (`transforms.pricing.sales`).
        history: Where the price history is (with ``clock``: the prior-price rule and
            tonight's prices recorded, `pipeline.channel_prices`).
        overrides: Channel -> the team's rules and overrides file for it, as the DAG's
            ``write_channel`` applies them (`read_team_files` reads them).

    Returns:
        What `assemble_market` returns.
    """
    shard = localize_shard(
        snapshot,
        None,
        market,
        market_dir,
        pricing=pricing,
        rates=rates,
        requirements=requirements,
        quarantine=quarantine,
        translations=translations,
        source_locale=source_locale,
        clock=clock,
    )
    written = [
        write_channel(
            [shard],
            market,
            channel,
            market_dir,
            channel_settings=channel_settings,
            category_map=category_map,
            mode=mode,
            live_dir=live_dir,
            history=history,
            run_day=clock.run_day if clock else None,
            overrides=(overrides or {}).get(channel),
        )
        for channel in market.channels
    ]
    return assemble_market(
        [shard], written, market, market_dir, mode=mode, rate_day=_rate_day(rates)
    )


def read_team_files(
    config: PipelineConfig, market: Market, like: StoragePath | Path
) -> dict[str, ChannelChanges | None]:
    """Each of ``market``'s channels' rules and overrides file, as ``write_channel`` reads
    them for the DAG (`pipeline.overrides.read_channel_overrides`), for `build_market_feeds`.

    Raises:
        transforms.feed_rules.RulesError: The rules file does not load (its line, why).
    """
    return {c: read_channel_overrides(config, market, c, like) for c in market.channels}


def _night_of(run_day: date | None, market: Market) -> datetime | None:
    """The moment the writers judge sales against (`feeds.sales.phase`): the first moment
    of the run's logical day in the market's time zone, so a rerun judges alike and a sale
    is shown from the night of the day it starts, never before it starts."""
    if run_day is None:
        return None
    return datetime.combine(run_day, time(), ZoneInfo(market.zone))


def write_channel(
    shards: Sequence[ShardResult],
    market: Market,
    channel: str,
    market_dir: StoragePath | Path,
    *,
    channel_settings: Mapping[Any, Channel] | None = None,
    category_map: CategoryMap | None = None,
    mode: Literal["full", "delta"] = "full",
    live_dir: StoragePath | Path | None = None,
    overrides: ChannelChanges | None = None,
    history: PriceHistoryStore | None = None,
    run_day: date | None = None,
) -> ChannelResult:
    """The ``write_channel`` task: one channel's feed files for one market, from the
    listings of every shard of the market (`localize_shard`'s results, in any order:
    read in snapshot order), so the files are the same however the catalog was cut.

    A listing incomplete for the channel is counted, not written; the writer's own
    checks may set others aside (findings, keyed by the listing's position). The files
    are checked once, whole. What the channel remembers per item (content hashes,
    checked hashes, titles, the last published hashes) is kept in a scratch file
    (`feeds.scratch.ScratchStore`), removed when the task ends, so its memory does not
    grow with the catalog. The team's rules and overrides file for the channel
    (``overrides``, `pipeline.overrides`) change listings before the writer sees them.

    With a price ``history`` and the ``run_day``, each sale is checked against the prior
    price and every published price is recorded (`pipeline.channel_prices`); the history
    is staged beside the files, for `pipeline.publish.publish_market` to commit.

    Returns:
        The channel's files, its figures (`ChannelFiles.summary`) and its keyed findings
        file; also written to ``shards/<channel>.result.json`` for `assemble_market`.
    """
    from pipeline.channels import writer_class

    ordered = sorted(shards, key=lambda result: result["shard"])
    folder = path_like(market_dir, ordered[0]["dir"]).parent if ordered else market_dir / SHARDS
    ensure_dir(folder)
    products = sum(result["products"] for result in ordered)
    market_reasons: Counter[str] = Counter()
    for result in ordered:
        market_reasons.update(result["reasons"])
    number = market.channels.index(channel)
    decode = msgspec.msgpack.Decoder(tuple[int, list[int], Listing]).decode
    writer = writer_class(channel)
    findings_path = folder / f"{channel}.{KEYED_FINDINGS}"
    with (
        findings_path.open("w", encoding="utf-8") as findings_stream,
        ExitStack() as streams,
    ):
        store = streams.enter_context(ScratchStore())  # closed (and removed) last
        output = ChannelFiles(
            writer,
            market,
            market_dir,
            streams,
            WriterContext(
                channel=(channel_settings or {}).get(channel),
                categories=category_map.for_channel(channel, market.code) if category_map else {},
                run_at=_night_of(run_day, market),
            ),
            store,
            previous_state=previous_state(live_dir, channel, store),
            delta=mode == "delta",
            live_listed=live_listings(live_dir, market.code, channel),
            prices=ChannelPrices(market, channel, run_day, store, history)
            if history is not None and run_day is not None and writer.spec.carries_price
            else None,
        )
        changes = open_overrides(overrides, market, channel, folder, streams)
        for result in ordered:
            listings = path_like(market_dir, result["dir"]) / LISTINGS
            for position, incomplete, listing in read_records(listings, decode):
                if number in incomplete:
                    output.reasons["incomplete"] += 1
                    continue
                found = changes.write(output, listing) if changes else output.write(listing)
                if any(f.severity == "error" for f in found):
                    output.reasons[first_error(found)] += 1
                write_keyed(findings_stream, position, number, found)
        output.finish(products, market_reasons)
        problems = output.problems + (changes.finish() if changes else [])
        write_keyed(findings_stream, AFTER_ALL, number, problems)
        summary = output.summary(products, market_reasons)
        if overrides is not None and overrides.digests:
            summary["team_files"] = overrides.digests
    written = ChannelResult(
        market=market.code,
        channel=channel,
        parts=output.parts,
        summary=summary,
        findings=str(findings_path),
    )
    write_staged(folder / f"{channel}.{RESULT}", written)  # for assemble_market
    return written


def sale_clock(config: PipelineConfig, staged: StagedCatalog) -> SaleClock:
    """The run's day (``Extracted.run_day``; the rates' day for a result of an older
    extract) and the merchant's time zone (``[catalog] time_zone``)."""
    from transforms.pricing.sales import SaleClock

    day = staged.get("run_day") or staged.get("rates_day")
    if day is None:
        raise ValueError("the staged catalog names no run day: run extract again")
    return SaleClock(date.fromisoformat(str(day)), config.catalog.time_zone)


def _rate_day(rates: EcbRates | None) -> str | None:
    return str(rates.day) if rates is not None else None


def shard_jobs(staged: Extracted, markets: Sequence[str]) -> list[ShardJob]:
    """One ``localize_shard`` task's arguments per market and shard of the snapshot."""
    return [ShardJob(market=code, shard=shard) for code in markets for shard in staged["shards"]]


def channel_jobs(config: PipelineConfig, markets: Sequence[str]) -> list[ChannelJob]:
    """One ``write_channel`` task's arguments per market and channel."""
    return [
        ChannelJob(market=code, channel=channel)
        for code in markets
        for channel in config.market(code).channels
    ]


def build_shard(
    config: PipelineConfig,
    code: str,
    shard: ShardSpec,
    run_dir: StoragePath | Path,
    *,
    staged: Extracted,
    validated: Validated,
    translated: Translated,
) -> ShardResult:
    """The ``localize_shard`` task: `localize_shard` for market ``code`` with what the
    configuration and the earlier steps' results give it (paths of the same kind as
    ``run_dir``: local, or object storage)."""
    from pipeline.extract import load_rates

    market = config.market(code)
    with path_like(run_dir, validated["quarantine"]).open("r", encoding="utf-8") as stream:
        quarantine = config.validation.quarantine_in(json.load(stream), code)
    return localize_shard(
        path_like(run_dir, staged["snapshot"]),
        shard,
        market,
        run_dir / code,
        pricing=config.pricing,
        rates=load_rates(path_like(run_dir, staged["rates"])),
        requirements={c: config.requirements(market, c) for c in market.channels},
        quarantine=quarantine,
        translations=path_like(run_dir, translated["files"][code]),
        source_locale=config.translation.source_locale,
        clock=sale_clock(config, staged),
    )


def build_channel(
    config: PipelineConfig,
    code: str,
    channel: str,
    run_dir: StoragePath | Path,
    *,
    staged: StagedCatalog,
    output_root: StoragePath | Path,
    mode: Literal["full", "delta"] = "full",
    history_conninfo: str | None = None,
) -> ChannelResult:
    """The ``write_channel`` task: `write_channel` for market ``code`` from the results
    its ``localize_shard`` tasks left in the staging area; the live feeds are under
    ``output_root``, and so is the price history unless ``history_conninfo`` names a
    PostgreSQL database (`transforms.infra.price_history.history_store`)."""
    from schemas.categories import load_category_map
    from transforms.infra.price_history import history_store

    categories = Path(config.categories_path) if config.categories_path else None
    shards, _ = read_results(run_dir / code, len(staged["shards"]))
    return write_channel(
        shards,
        config.market(code),
        channel,
        run_dir / code,
        channel_settings=config.channels,
        category_map=load_category_map(categories, markets=config.markets),
        mode=mode,
        live_dir=output_root / code,
        overrides=read_channel_overrides(config, config.market(code), channel, run_dir),
        history=history_store(output_root, history_conninfo),
        run_day=sale_clock(config, staged).run_day,
    )


def assemble(
    config: PipelineConfig,
    code: str,
    run_dir: StoragePath | Path,
    *,
    staged: StagedCatalog,
    mode: Literal["full", "delta"] = "full",
    rate_day: str | None = None,
) -> MarketBuild:
    """The ``assemble_market`` task: `assemble_market` for market ``code`` from the
    results its shard and channel tasks left in the staging area; ``rate_day`` is the
    run's ECB rates' (`Extracted`)."""
    market = config.market(code)
    try:
        shards, channels = read_results(run_dir / code, len(staged["shards"]), market.channels)
    except FileNotFoundError as missing:
        # A retry after the shards' staging was removed: the market is assembled already.
        try:
            return read_assembled(run_dir / code)
        except FileNotFoundError:
            raise missing from None
    return assemble_market(
        shards,
        channels,
        market,
        run_dir / code,
        mode=mode,
        rate_day=rate_day,
    )
