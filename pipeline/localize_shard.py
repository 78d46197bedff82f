"""The build's first task, ``localize_shard``: one shard of the snapshot localized for one
market, its listings and its parts of the market's findings, completeness and prices
staged for the market's `write_channel` and `assemble_market` tasks."""

from __future__ import annotations

import csv
from collections import Counter
from typing import TYPE_CHECKING

import msgspec

from feeds.prepared import prepare_texts
from feeds.titles import rule_key
from pipeline.layout import (
    COMPLETENESS,
    KEYED_FINDINGS,
    LISTINGS,
    PRICES,
    RESULT,
    SHARDS,
    read_snapshot,
)
from pipeline.records import ShardResult, ShardSpec, write_staged
from pipeline.staged_parts import MARKET, write_keyed, write_record
from schemas.config.channel import TitleRule
from schemas.findings import Finding
from transforms.completeness import completeness
from transforms.infra.storage import ensure_dir
from transforms.localize import localize
from transforms.pricing.money import Pricer
from transforms.pricing.sales import sale_columns
from transforms.translation.outcome import read_market_translations

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from schemas.config.channel import Requirement
    from schemas.config.market import Market
    from schemas.config.pricing import Pricing
    from transforms.infra.storage import StoragePath
    from transforms.pricing.ecb_rates import EcbRates
    from transforms.pricing.sales import SaleClock


def localize_shard(
    snapshot: StoragePath | Path,
    shard: ShardSpec | None,
    market: Market,
    market_dir: StoragePath | Path,
    *,
    pricing: Pricing,
    rates: EcbRates | None,
    requirements: Mapping[str, Sequence[Requirement]] | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    translations: StoragePath | Path | None = None,
    source_locale: str = "en_US",
    clock: SaleClock | None = None,
    title_rules: Sequence[TitleRule] | None = None,
) -> ShardResult:
    """The ``localize_shard`` task: one shard of the snapshot (`stage_catalog`'s
    ``shards``; None: all of it) localized for one market.

    Every product is checked against the quarantine, localized (texts, price, units)
    and checked against each channel's required attributes. What goes on, to the
    market's `write_channel` tasks, is a listings file (each listing with its position
    in the snapshot and the channels it is incomplete for); beside it the shard's part
    of the market's findings (keyed by position, for `assemble_market` to merge in
    snapshot order), completeness and prices (with the sale's price, period and steps;
    ``clock``: the run's day and the merchant's time zone, `transforms.localize.localize`).

    Each listing carries its title and description cleaned and its title composed by
    each of ``title_rules`` (the title rules of the market's channels; default: the
    default rule, which channels without a rule of their own use), made here once for
    every channel of the market (`feeds.prepared`) rather than once in each channel's task;
    a market with one channel gets no titles composed ahead.

    Returns:
        The shard's counts (products, set aside and why, required attributes missing
        per channel) and its folder; also written to the folder's ``result.json``.
    """
    requirements = requirements or {}
    quarantine = quarantine or {}
    index = shard["index"] if shard else 0
    folder = market_dir / SHARDS / f"{index:05d}"
    ensure_dir(folder)
    reasons: Counter[str] = Counter()
    missing_by_channel: dict[str, Counter[str]] = {name: Counter() for name in market.channels}
    products = set_aside = 0
    encode = msgspec.msgpack.Encoder(decimal_format="string").encode
    pricer = Pricer(market, pricing, rates)
    # A market with one channel gains nothing from a title composed ahead of it (its one
    # writer composes the same title), only its cleaned texts.
    rules = list({rule_key(r): r for r in title_rules or (TitleRule(),)}.values())
    if len(market.channels) < 2:
        rules = []
    with (
        (folder / LISTINGS).open("wb") as listings_stream,
        (folder / KEYED_FINDINGS).open("w", encoding="utf-8") as findings_stream,
        (folder / COMPLETENESS).open("w", encoding="utf-8", newline="") as completeness_stream,
        (folder / PRICES).open("w", encoding="utf-8", newline="") as prices_stream,
        read_market_translations(translations) as translated,
    ):
        completeness_rows = csv.writer(completeness_stream, lineterminator="\r\n")
        price_rows = csv.writer(prices_stream, lineterminator="\r\n")
        first = shard["first"] if shard else 0
        products_in = (
            read_snapshot(snapshot, shard["start"], shard["end"])
            if shard
            else read_snapshot(snapshot)
        )
        for position, product in enumerate(products_in, start=first):
            products += 1
            blocked = quarantine.get(product.sku)
            if blocked:
                set_aside += 1
                reasons["quarantined"] += 1
                finding = _quarantined(product.sku, market.code, blocked)
                write_keyed(findings_stream, position, MARKET, (finding,))
                continue
            listing = localize(
                product,
                market,
                pricer,
                translated.get(product.sku),
                source_locale=source_locale,
                clock=clock,
            )
            if isinstance(listing, list):
                set_aside += 1
                reasons[first_error(listing)] += 1
                write_keyed(findings_stream, position, MARKET, listing)
                continue
            write_keyed(findings_stream, position, MARKET, listing.warnings)
            listing.prepared = prepare_texts(listing, rules)
            price = listing.price
            price_rows.writerow(
                (
                    listing.sku,
                    market.code,
                    price.amount,
                    price.currency,
                    listing.unit_price_text or "",
                    listing.price_note,
                    *sale_columns(product, listing, pricer),
                )
            )
            incomplete: list[int] = []
            for number, name in enumerate(market.channels):
                percent, missing = completeness(listing, requirements.get(name, ()))
                completeness_rows.writerow(
                    (listing.sku, market.code, name, percent, " ".join(missing))
                )
                if missing:
                    missing_by_channel[name].update(missing)
                    incomplete.append(number)
                    found = _incomplete(listing.sku, market.code, name, percent, missing)
                    write_keyed(findings_stream, position, number, found)
            record = encode((position, incomplete, listing))
            write_record(listings_stream, record)
    result = ShardResult(
        market=market.code,
        shard=index,
        products=products,
        set_aside=set_aside,
        reasons=dict(sorted(reasons.items())),
        missing={name: dict(sorted(counts.items())) for name, counts in missing_by_channel.items()},
        dir=str(folder),
    )
    write_staged(folder / RESULT, result)  # for the market's later tasks
    return result


def first_error(findings: Sequence[Finding]) -> str:
    """The rule a product is counted under when several set it aside: the first error."""
    return next(f.rule for f in findings if f.severity == "error")


def _quarantined(sku: str, market: str, rules: Sequence[str]) -> Finding:
    return Finding(
        stage="validate",
        severity="error",
        sku=sku,
        market=market,
        field="(product)",
        rule="quarantined",
        message=f"left out: catalog rules {', '.join(rules)} failed (see the ingest and "
        "validate findings)",
    )


def _incomplete(
    sku: str, market: str, channel: str, percent: int, missing: Sequence[str]
) -> list[Finding]:
    return [
        Finding(
            stage="completeness",
            severity="error",
            sku=sku,
            market=market,
            channel=channel,
            field=name,
            rule="required_for_channel",
            message=f"{channel} in {market} requires {name}; the listing is {percent}% complete",
        )
        for name in missing
    ]
