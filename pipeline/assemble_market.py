"""The build's last task, ``assemble_market``: the staging merge of one market's shards
and channels into its findings, completeness and prices, and its build result."""

from __future__ import annotations

import heapq
from collections import Counter
from contextlib import ExitStack
from typing import TYPE_CHECKING, Literal, TypeVar

from pipeline.layout import (
    ASSEMBLED,
    COMPLETENESS,
    KEYED_FINDINGS,
    MARKET_FINDINGS,
    PRICES,
    RESULT,
    SHARDS,
    path_like,
)
from pipeline.records import (
    ChannelFigures,
    ChannelResult,
    MarketBuild,
    ShardResult,
    read_staged,
    write_staged,
)
from pipeline.staged_parts import keyed_lines
from transforms.infra.storage import remove_tree
from transforms.pricing.sales import SALE_COLUMNS

PRICES_HEADER = f"sku,market,price,currency,unit_price,how,{','.join(SALE_COLUMNS)}\r\n"
"""``prices.csv``: the regular price and its steps, then the sale's (empty without one);
the sale columns come last so readers of the first six columns read it as before."""

R = TypeVar("R")

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from schemas.config.market import Market
    from transforms.infra.storage import StoragePath


def assemble_market(
    shards: Sequence[ShardResult],
    channels: Sequence[ChannelResult],
    market: Market,
    market_dir: StoragePath | Path,
    *,
    mode: Literal["full", "delta"] = "full",
    rate_day: str | None = None,
) -> MarketBuild:
    """The ``assemble_market`` task: one market's build result from its shards' and
    channels' results (other markets' are ignored, so the DAG can hand it all of them).

    Writes the market's ``findings.jsonl`` (every shard's and channel's findings merged
    in snapshot order: a product's own findings, then its channels' in the market's
    order; the channels' file findings last), ``completeness.csv`` and ``prices.csv``
    (the shards' parts in order under one header), then removes the shards' folder.

    Returns:
        The market's build: its counts, every channel's files and figures, and its
        findings, completeness and prices files; also written to ``assembled.json``.
    """
    ordered = sorted((s for s in shards if s["market"] == market.code), key=lambda s: s["shard"])
    by_channel = {c["channel"]: c for c in channels if c["market"] == market.code}
    missing = [name for name in market.channels if name not in by_channel]
    if not ordered or missing:
        raise ValueError(
            f"market {market.code}: cannot assemble the build, "
            + ("no shard was localized" if not ordered else f"no result for {missing}")
        )
    reasons: Counter[str] = Counter()
    lacking: dict[str, Counter[str]] = {name: Counter() for name in market.channels}
    for result in ordered:
        reasons.update(result["reasons"])
        for name, counts in result["missing"].items():
            lacking[name].update(counts)
    sources = [path_like(market_dir, s["dir"]) / KEYED_FINDINGS for s in ordered]
    sources += [path_like(market_dir, by_channel[c]["findings"]) for c in market.channels]
    with ExitStack() as streams, (market_dir / MARKET_FINDINGS).open("w", encoding="utf-8") as out:
        keyed = [keyed_lines(streams.enter_context(p.open("r", encoding="utf-8"))) for p in sources]
        for _key, line in heapq.merge(*keyed, key=lambda item: item[0]):
            out.write(line)
    for name, header in (
        (COMPLETENESS, "sku,market,channel,completeness,missing\r\n"),
        (PRICES, PRICES_HEADER),
    ):
        with (market_dir / name).open("wb") as out:
            out.write(header.encode())
            for result in ordered:
                with (path_like(market_dir, result["dir"]) / name).open("rb") as part:
                    while chunk := part.read(1 << 20):
                        out.write(chunk)
    built = MarketBuild(
        market=market.code,
        products=sum(s["products"] for s in ordered),
        set_aside=sum(s["set_aside"] for s in ordered),
        reasons=dict(sorted(reasons.items())),
        feeds=[part for c in market.channels for part in by_channel[c]["parts"]],
        channels={
            c: ChannelFigures(**by_channel[c]["summary"], missing=dict(sorted(lacking[c].items())))
            for c in market.channels
        },
        mode=mode,
        rate_day=rate_day,
        findings=str(market_dir / MARKET_FINDINGS),
        completeness=str(market_dir / COMPLETENESS),
        prices=str(market_dir / PRICES),
    )
    write_staged(market_dir / ASSEMBLED, built)
    remove_tree(market_dir / SHARDS)  # last: a retry finds the result written above
    return built


def read_results(
    market_dir: StoragePath | Path, shards: int, channels: Sequence[str] = ()
) -> tuple[list[ShardResult], list[ChannelResult]]:
    """The results `localize_shard` wrote for shards 0 .. ``shards - 1`` of a market, and
    those `write_channel` wrote for ``channels``.

    Raises:
        FileNotFoundError: naming the shard or channel whose task left no result.
        RecordError: naming a result file that does not read as its record.
    """
    folder = market_dir / SHARDS
    return (
        [_result(folder / f"{index:05d}" / RESULT, ShardResult) for index in range(shards)],
        [_result(folder / f"{channel}.{RESULT}", ChannelResult) for channel in channels],
    )


def _result(path: StoragePath | Path, kind: type[R]) -> R:
    try:
        return read_staged(path, kind)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} is missing: its localize_shard or write_channel task did not finish"
        ) from None


def read_assembled(market_dir: StoragePath | Path) -> MarketBuild:
    """The market's build as `assemble_market` wrote it (``assembled.json``).

    Raises:
        FileNotFoundError: the market was not assembled.
        RecordError: naming the file, when it does not read as a `MarketBuild`.
    """
    return read_staged(market_dir / ASSEMBLED, MarketBuild)
