"""Onboarding a catalog: what each market and channel would list, why the rest is set
aside, and the configuration line that fixes each reason.

`listing_overview` reads what every build already returns (`pipeline.records.MarketBuild`:
per channel, listed, set aside, the reason each product was set aside under, and the
required attributes listings lack), so the same table heads every run's report. `onboard`
runs extract, validate and the builds on a catalog without translating or publishing
anything (``python -m pipeline.onboarding``, ``make onboard``), for a merchant trying a new
catalog: texts that would need a translation go out in the catalog's language, and a
closed catalog gate is reported, not a stop.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from pipeline.config_file import DEFAULT_CONFIG

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pipeline.records import MarketBuild
    from pipeline.run_report.record import FeedEntry
    from schemas.config.pipeline import PipelineConfig

TOP_REASONS = 3
"""Reasons shown per channel: the ones that set most products aside."""

_MISSING_FIX: dict[str, str] = {
    "brand": 'set [catalog.defaults] brand, or map a column in [catalog.columns] (brand = "...")',
    "gtin": 'map the barcode column in [catalog.columns] (gtin = "..."), or take gtin out of '
    "[channels.{channel}] required if {channel} lists products without one",
    "mpn": 'map the part-number column in [catalog.columns] (mpn = "...")',
    "gtin_or_mpn": "map a barcode or part-number column in [catalog.columns], or take "
    "gtin_or_mpn out of [channels.{channel}] required",
    "image_link": "add images, or set [catalog] asset_base_url when the export's image paths "
    "are relative",
    "category": "map the catalog's categories for {channel} in the category mapping "
    "(categories_path)",
    "description": "add descriptions in the catalog's language (or their translations)",
    "title": "add titles in the catalog's language (or their translations)",
    "link": "set product_url for the market ([markets.{market}] product_url)",
    "price": "give the products a price above zero",
    "availability": 'map the stock column in [catalog.columns] (availability = "...")',
    "weight": "add weights, or set [catalog] weight_unit when the export writes bare numbers",
    "dimensions": "add package dimensions, or set [catalog] dimension_unit",
    "bullet_points": "add selling points (bullet points) to the catalog",
}
"""A required attribute listings lack -> the fix."""

_RULE_FIX: dict[str, str] = {
    "quarantined": "fix what the catalog rules found (the validate findings), or change a "
    "rule's severity in [validation.rules]",
    "product_disabled": "the catalog disables these products: enable them in the shop system",
    "excluded_by_override": "the team's overrides or rules file excludes them from {channel} "
    "in {market} (an exclude cell, or a rule with exclude = true)",
    "missing_translation": 'set when_pending = "source_text" for the market, or give the '
    "run a DeepL key ([translation])",
    "translation_pending": 'set when_pending = "source_text" for the market, or give the '
    "run a DeepL key ([translation])",
    "missing_price": "set [catalog] currency, or [pricing] base_currency so prices convert",
    "missing_rate": "the ECB publishes no rate for this currency: give the catalog prices in it",
    "unknown_tax_basis": "say in [pricing.catalog_prices] whether the catalog's prices are "
    "net or include VAT",
    "missing_vat_rate": "add the tax class's rate to the VAT table, or map the shop's tax "
    "classes in [catalog] tax_classes",
    "non_positive_price": "give the products a price above zero",
    "invalid_gtin": "correct the GTINs in the shop system (GS1 check digit); a GTIN that is "
    "wrong is worse than none",
    "missing_gtin": 'map the barcode column in [catalog.columns] (gtin = "...")',
    "missing_brand": "set [catalog.defaults] brand, or map a column in [catalog.columns]",
    "missing_category": "map the catalog's categories for {channel} in the category mapping "
    "(categories_path)",
    "missing_product_type": "map the catalog's categories to an Amazon product type in the "
    "category mapping",
    "missing_image_link": "add images, or set [catalog] asset_base_url",
    "duplicate_title": "let titles show what tells the products apart: [channels.{channel}] "
    "title distinguish_by, or distinct titles in the catalog",
    "missing_color": "map a colour column in [catalog.columns], or set [channels.amazon] "
    "color_when_none",
    "missing_country_of_origin": "set [catalog.defaults] country_of_origin",
}
"""A rule that sets products aside -> the fix."""


class Reason(TypedDict):
    """One reason products were set aside from a channel."""

    products: int
    """How many products (a product lacking two attributes counts under both)."""
    reason: str
    """What is wrong, in words (``brand missing``)."""
    fix: str
    """The configuration line or catalog change that fixes it."""


class ChannelOverview(TypedDict):
    """What one channel of one market would list, and why not the rest."""

    market: str
    channel: str
    products: int
    """Products the market considered (the catalog, less nothing)."""
    listed: int
    set_aside: int
    reasons: list[Reason]
    """The top reasons, most products first."""


class Onboarded(TypedDict):
    """What `onboard` found of a catalog."""

    products: int
    """Products read."""
    rejected_rows: int
    quarantined: int
    """Products the catalog rules keep out of every market."""
    gate: str | None
    """Why the catalog gate would stop a real run, or None."""
    overview: list[ChannelOverview]
    """`listing_overview` of the markets built."""
    findings: dict[str, str]
    """Market -> its findings file."""


def listing_overview(markets: Iterable[MarketBuild]) -> list[ChannelOverview]:
    """Per market and channel, from `assemble_market` results: how many products are
    listed, and the top reasons for the rest with their fixes.

    >>> built = [{"market": "DE", "products": 10, "channels": {"google": {"listed": 7,
    ...   "set_aside": 3, "reasons": {"incomplete": 3}, "missing": {"brand": 3}}}}]
    >>> overview = listing_overview(built)[0]
    >>> overview["listed"], overview["reasons"][0]["reason"]
    (7, 'brand missing')
    """
    rows: list[ChannelOverview] = []
    for built in sorted(markets, key=lambda m: m["market"]):
        code = built["market"]
        for channel, info in built["channels"].items():
            rows.append(
                ChannelOverview(
                    market=code,
                    channel=channel,
                    products=built["products"],
                    listed=info["listed"],
                    set_aside=info["set_aside"],
                    reasons=_reasons(code, channel, info["reasons"], info["missing"]),
                )
            )
    return rows


def feed_overview(feeds: Iterable[FeedEntry]) -> list[ChannelOverview]:
    """`listing_overview` from a run record's ``feeds`` (``run.json``), for the report.

    A record written before a count was added reads it as None: 0 here, and the
    market's products as listed plus set aside.
    """
    rows = []
    for feed in feeds:
        market, channel = str(feed.market), str(feed.channel)
        listed, set_aside = feed.listed or 0, feed.set_aside or 0
        rows.append(
            ChannelOverview(
                market=market,
                channel=channel,
                products=feed.products or listed + set_aside,
                listed=listed,
                set_aside=set_aside,
                reasons=_reasons(market, channel, feed.reasons, feed.missing),
            )
        )
    return rows


def _reasons(
    market: str, channel: str, by_rule: Mapping[str, int], missing: Mapping[str, int]
) -> list[Reason]:
    """The top reasons (`TOP_REASONS`) a channel set products aside, most products first:
    each rule but ``incomplete``, whose detail is the attributes ``missing``."""
    counts: Counter[tuple[str, str]] = Counter()
    for rule, number in by_rule.items():
        if rule != "incomplete":
            counts[("rule", rule)] += number
    for field, number in missing.items():
        counts[("missing", field)] += number
    if by_rule.get("incomplete") and not missing:
        counts[("rule", "incomplete")] += by_rule["incomplete"]
    reasons = []
    for (kind, name), number in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if kind == "missing":
            text = f"{name} missing"
            fix = _MISSING_FIX.get(name, f"add {name} to the catalog")
        else:
            text = _rule_words(name)
            fix = _RULE_FIX.get(name, f"see the findings of rule {name}")
        reasons.append(
            Reason(products=number, reason=text, fix=fix.format(channel=channel, market=market))
        )
    return reasons[:TOP_REASONS]


_RULE_WORDS: dict[str, str] = {
    "quarantined": "set aside by the catalog rules",
    "product_disabled": "disabled in the catalog",
    "missing_translation": "no text in the market's language",
    "translation_pending": "translation pending",
    "translation_qa_failed": "translation held back by its checks",
    "missing_price": "no price in the market's currency",
    "missing_rate": "no exchange rate for the catalog's currency",
    "unknown_tax_basis": "prices neither net nor gross",
    "missing_vat_rate": "no VAT rate for the tax class",
    "non_positive_price": "price not above zero",
    "invalid_gtin": "GTIN invalid",
    "missing_gtin": "GTIN missing",
    "missing_brand": "brand missing",
    "missing_category": "no category for the channel",
    "missing_product_type": "no Amazon product type",
    "missing_image_link": "no image",
    "duplicate_title": "title the same as another product's",
    "missing_color": "colour missing",
    "missing_country_of_origin": "country of origin missing",
    "schema_invalid": "breaks the channel's schema",
    "incomplete": "incomplete for the channel",
}


def _rule_words(rule: str) -> str:
    return _RULE_WORDS.get(rule, rule.replace("_", " "))


def format_overview(rows: Sequence[ChannelOverview]) -> str:
    """The overview as lines for a terminal or ``summary.txt``.

    >>> print(format_overview([ChannelOverview(market="US", channel="google", products=4,
    ...   listed=1, set_aside=3, reasons=[Reason(products=3, reason="brand missing",
    ...   fix="set [catalog.defaults] brand")])]))
    US  google         1 of 4 listed (25%)
          brand missing on 3 products: set [catalog.defaults] brand
    """
    lines = []
    for row in rows:
        share = f"{row['listed'] / row['products']:.0%}" if row["products"] else "-"
        lines.append(
            f"{row['market']:<3} {row['channel']:<9} {row['listed']:>6,} of "
            f"{row['products']:,} listed ({share})"
        )
        for reason in row["reasons"]:
            noun = "product" if reason["products"] == 1 else "products"
            lines.append(
                f"      {reason['reason']} on {reason['products']:,} {noun}: {reason['fix']}"
            )
    return "\n".join(lines)


def onboard(
    config: PipelineConfig,
    work_dir: Path,
    *,
    markets: Sequence[str] | None = None,
    run_day: date | None = None,
) -> Onboarded:
    """Read, check and build ``config``'s catalog for ``markets`` (all by default) into
    ``work_dir`` without translating or publishing: nothing is sent to DeepL, nothing is
    written to ``[storage] output_url``.

    Returns:
        What it found (see `Onboarded`).
    """
    from pipeline.build import build_market_feeds, read_team_files
    from pipeline.extract import load_rates, read_catalog, stage_catalog, stage_rates
    from pipeline.layout import QUARANTINE
    from pipeline.validate import validate_snapshot
    from schemas.categories import load_category_map
    from transforms.infra.gates import GateClosed

    run_dir = work_dir / "staging"
    staged = stage_catalog(read_catalog(config.catalog), run_dir, shard_products=1 << 62)
    gate = None
    try:
        validate_snapshot(
            Path(staged["snapshot"]),
            config.validation,
            work_dir / "report",
            work_dir / "live",
            "onboarding",
        )
    except GateClosed as closed:
        gate = str(closed)
    quarantine_file = run_dir / QUARANTINE
    quarantine = json.loads(quarantine_file.read_text("utf-8")) if quarantine_file.exists() else {}
    rates = load_rates(Path(stage_rates(config.pricing, run_dir, run_day=run_day or date.today())))
    category_map = load_category_map(
        Path(config.categories_path) if config.categories_path else None, markets=config.markets
    )
    results = []
    for code in markets or list(config.markets):
        market = config.market(code)
        # As if translated: texts the market lacks go out in the catalog's language.
        source = config.translation.source_locale
        market = market.model_copy(
            update={
                "when_pending": "source_text",
                "text_locales": [*market.text_locales, source]
                if source not in market.text_locales
                else market.text_locales,
            }
        )
        results.append(
            build_market_feeds(
                Path(staged["snapshot"]),
                market,
                work_dir / "build" / code,
                pricing=config.pricing,
                rates=rates,
                requirements={c: config.requirements(market, c) for c in market.channels},
                quarantine=config.validation.quarantine_in(quarantine, code),
                source_locale=config.translation.source_locale,
                channel_settings=config.channels,
                category_map=category_map,
                overrides=read_team_files(config, market, run_dir),
            )
        )
    return Onboarded(
        products=staged["products"],
        rejected_rows=staged["rejected_rows"],
        quarantined=len(quarantine),
        gate=gate,
        overview=listing_overview(results),
        findings={r["market"]: r["findings"] for r in results},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.onboarding [--config FILE] [--markets DE,US]``."""
    from schemas.config.loader import load_config

    parser = argparse.ArgumentParser(
        prog="python -m pipeline.onboarding",
        description="Read, check and build a catalog without translating or publishing; "
        "print what each market and channel would list and what fixes the rest.",
    )
    parser.add_argument("--config", default=None, help="pipeline config (default: the project's)")
    parser.add_argument(
        "--markets", default="", help="market codes, comma-separated (default: all)"
    )
    parser.add_argument("--keep", default=None, help="keep the work files in this folder")
    options = parser.parse_args(argv)
    if not options.config and not DEFAULT_CONFIG.is_file():
        parser.error("--config is required: no project configuration beside the package")
    config = load_config(options.config or DEFAULT_CONFIG)
    markets = [m.strip().upper() for m in options.markets.split(",") if m.strip()] or None
    with tempfile.TemporaryDirectory(prefix="grenzenlos-onboarding-") as scratch:
        work = Path(options.keep) if options.keep else Path(scratch)
        outcome = onboard(config, work, markets=markets)
        print(
            f"catalog: {outcome['products']:,} products read, {outcome['rejected_rows']:,} rows "
            f"rejected, {outcome['quarantined']:,} products set aside by the catalog rules"
        )
        if outcome["gate"]:
            print(f"a real run would stop here: {outcome['gate']}")
        print(format_overview(outcome["overview"]))
        if options.keep:
            for code, path in outcome["findings"].items():
                print(f"findings {code}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
