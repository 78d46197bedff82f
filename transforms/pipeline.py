"""The pipeline's steps as plain functions; the DAG wires them, tests call them directly.

A run lays out its staging area like this (``<run>`` is the logical date)::

    <staging>/<run>/catalog.jsonl              staged snapshot of the catalog
    <staging>/<run>/eurofxref-daily.xml        the ECB rates this run converts with
    <staging>/<run>/ingest_findings.jsonl      rows that could not be read
    <staging>/<run>/ingest_holds.json          sku -> rules of products read but held back
    <staging>/<run>/validation_findings.jsonl  what the catalog rules found
    <staging>/<run>/quarantine.json            sku -> rules that keep it out of every market
    <staging>/<run>/gate_closed.txt            why the run stopped, when a gate closed
    <staging>/<run>/held_feeds.json            feeds held back because they shrank
    <staging>/<run>/<market>/<channel>.xml     feeds, written but not yet published
    <staging>/<run>/<market>/findings.jsonl    products set aside in that market
    <staging>/<run>/<market>/completeness.csv  each listing's completeness per channel
    <staging>/<run>/<market>/prices.csv        each listing's price and how it was made

and publishes to::

    <output>/<market>/<channel>.<ext>          the live feed, replaced atomically
    <output>/<market>/manifest.json            file, channel, items and sha256 of each feed
    <output>/last_successful_run.json          counts the shrink guard compares with
    <output>/runs/<run>/findings.csv|jsonl     every finding of the run
    <output>/runs/<run>/completeness.csv       completeness of every market's listings
    <output>/runs/<run>/prices.csv             every feed price and how it was made
    <output>/runs/<run>/data_docs/             Great Expectations Data Docs
    <output>/runs/<run>/summary.txt            what the run did, one line per feed

Steps exchange small JSON-ready dicts (paths and counts), never data sets.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from feeds.contract import WriterContext
from schemas.findings import Finding, count, write_findings_csv, write_findings_jsonl
from schemas.product import Product, product_from_json, product_to_json
from transforms.completeness import completeness
from transforms.gates import GateClosed
from transforms.localize import localize
from transforms.money import Pricer
from transforms.storage import ensure_dir, publish_atomically
from transforms.translate import read_market_translations

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
    from datetime import date

    from feeds.contract import FeedWriter
    from schemas.categories import CategoryMap
    from schemas.findings import Finding as FindingType
    from schemas.listing import Listing
    from schemas.market import (
        CatalogSource,
        Channel,
        Market,
        Pricing,
        Requirement,
        Translation,
        Validation,
    )
    from transforms.ecb_rates import EcbRates
    from transforms.storage import StoragePath

SNAPSHOT = "catalog.jsonl"
INGEST_FINDINGS = "ingest_findings.jsonl"
INGEST_HOLDS = "ingest_holds.json"
VALIDATION_FINDINGS = "validation_findings.jsonl"
QUARANTINE = "quarantine.json"
GATE_CLOSED = "gate_closed.txt"
MARKET_FINDINGS = "findings.jsonl"
COMPLETENESS = "completeness.csv"
PRICES = "prices.csv"
RATES = "eurofxref-daily.xml"
MANIFEST = "manifest.json"
TRANSLATION_REPORT = "translation.json"
STATE_SUFFIX = ".state.json"
"""Beside an API channel's feeds: content hash per sku, for the next delta run."""


def read_catalog(
    source: CatalogSource, *, conninfo: str | None = None
) -> Iterator[Product | Finding]:
    """Stream the configured catalog as products and ingestion findings.

    Args:
        source: The catalog section of the configuration.
        conninfo: libpq connection string, for the ``postgres`` format.
    """
    if source.format == "akeneo":
        from transforms.catalog_akeneo import read_akeneo

        assert source.path is not None
        return read_akeneo(
            Path(source.path),
            product_models=Path(source.product_models_path) if source.product_models_path else None,
            attribute_options=(
                Path(source.attribute_options_path) if source.attribute_options_path else None
            ),
            asset_base_url=source.asset_base_url,
            description_scopes=source.description_scopes,
            encoding=source.encoding,
            decimal_mark=source.decimal_mark,
        )
    if source.format == "csv":
        from transforms.catalog_native import read_native_csv

        assert source.path is not None
        return read_native_csv(
            Path(source.path), encoding=source.encoding, decimal_mark=source.decimal_mark
        )
    if source.format == "jsonl":
        from transforms.catalog_native import read_jsonl

        assert source.path is not None
        return read_jsonl(
            Path(source.path), encoding=source.encoding, decimal_mark=source.decimal_mark
        )
    from transforms.catalog_native import read_postgres

    if conninfo is None or source.query is None:
        raise ValueError("the postgres catalog needs a connection and a query")
    return read_postgres(conninfo, source.query, decimal_mark=source.decimal_mark)


def stage_catalog(
    items: Iterable[Product | Finding], run_dir: StoragePath | Path
) -> dict[str, Any]:
    """Write the staged snapshot and the ingestion findings of one run.

    An ``error`` finding whose rule holds a product back (`HOLDING_RULES`: an
    ambiguous price, say) comes with its product, which validation then quarantines
    (``ingest_holds.json``); any other ``error`` finding is a rejected row.

    Returns:
        ``snapshot`` path, ``products`` read, ``rejected_rows`` skipped, ``held``
        products read but set aside, ``warnings`` about values that were ignored or
        changed, and ``holds`` (the file of held skus and their rules).
    """
    from transforms.catalog_values import HOLDING_RULES
    from transforms.gates import HELD_FEEDS

    ensure_dir(run_dir)
    for stale in (GATE_CLOSED, HELD_FEEDS):  # from an earlier attempt of this run's date
        if (run_dir / stale).exists():
            (run_dir / stale).unlink()
    products = warnings = 0
    rejected_rows: set[int | None] = set()
    holds: dict[str, list[str]] = {}
    with (
        (run_dir / SNAPSHOT).open("w", encoding="utf-8") as snapshot,
        (run_dir / INGEST_FINDINGS).open("w", encoding="utf-8") as findings,
    ):
        for item in items:
            if isinstance(item, Product):
                snapshot.write(
                    json.dumps(product_to_json(item), ensure_ascii=False, sort_keys=True)
                )
                snapshot.write("\n")
                products += 1
                continue
            write_findings_jsonl((item,), findings)
            if item.severity != "error":
                warnings += 1
            elif item.rule in HOLDING_RULES and item.sku is not None:
                rules = holds.setdefault(item.sku, [])
                if item.rule not in rules:
                    rules.append(item.rule)
            else:
                rejected_rows.add(item.row)
    with (run_dir / INGEST_HOLDS).open("w", encoding="utf-8") as stream:
        json.dump(holds, stream, sort_keys=True)
    return {
        "snapshot": str(run_dir / SNAPSHOT),
        "products": products,
        "rejected_rows": len(rejected_rows),
        "held": len(holds),
        "warnings": warnings,
        "holds": str(run_dir / INGEST_HOLDS),
    }


def check_catalog_read(
    staged: Mapping[str, Any], settings: Validation, run_dir: StoragePath | Path
) -> None:
    """Stop the run when the catalog read nothing, or rejected too many of its rows.

    Marketplaces read an empty (or half-empty) full feed as "delete everything that is
    missing", so such a catalog publishes nothing, first run or not.

    Raises:
        GateClosed: after writing ``gate_closed.txt`` with the reason.
    """
    products, rejected = staged["products"], staged["rejected_rows"]
    rows = products + rejected
    reason = None
    if products == 0:
        reason = (
            f"the catalog read 0 products ({count(rejected, 'row')} rejected, see the ingest "
            "findings); "
            "nothing is published"
        )
    elif rejected / rows > settings.max_rejected_share:
        reason = (
            f"{rejected} of {rows} catalog rows ({rejected / rows:.1%}) could not be read; "
            f"the limit is {settings.max_rejected_share:.1%}. Fix the export (see the ingest "
            "findings) or raise validation.max_rejected_share."
        )
    if reason is not None:
        record_stop(run_dir, reason)
        raise GateClosed(reason)


def record_stop(run_dir: StoragePath | Path, reason: str) -> None:
    """Write why the run stopped (``gate_closed.txt``), for the summary to say."""
    ensure_dir(run_dir)
    with (run_dir / GATE_CLOSED).open("w", encoding="utf-8") as stream:
        stream.write(f"{reason}\n")


def record_extract_failure(run_dir: StoragePath | Path, error: BaseException) -> str:
    """Name why extract failed, as a finding and as the run's stop reason; return it."""
    from schemas.characters import remove_invisible

    reason = remove_invisible(f"extract failed: {error}")[0]
    ensure_dir(run_dir)
    finding = Finding(
        stage="ingest",
        severity="error",
        sku=None,
        field="(file)",
        rule="catalog_unreadable",
        message=f"{reason}; nothing was published",
    )
    with (run_dir / INGEST_FINDINGS).open("a", encoding="utf-8") as stream:
        write_findings_jsonl((finding,), stream)
    record_stop(run_dir, reason)
    return reason


def stage_rates(
    pricing: Pricing, run_dir: StoragePath | Path, *, run_day: date | None = None
) -> str:
    """Keep the run's ECB rates beside its snapshot, fetched once per logical date.

    A rerun of the same date reuses the staged file, so its prices do not move
    because the ECB published a newer day in between.

    Given the run's logical date, ``run_day``, the rates' age is checked
    (`transforms.rates_freshness`), on a rerun too. Rates older than
    ``pricing.max_rate_age_business_days`` TARGET business days write a ``stale_rates``
    finding to the ingest findings: with ``stale_rates = "fail"`` an error, the run's
    stop reason and `StaleRates`, before anything is staged; with ``"warn"`` a warning,
    and the rates are staged.

    Returns:
        The staged file's path.

    Raises:
        RatesError: the file is not in the ECB's format.
        StaleRates: the rates are too old and ``pricing.stale_rates`` is ``fail``.
    """
    from transforms.ecb_rates import parse_ecb_rates
    from transforms.rates_freshness import StaleRates, check_rates_age

    ensure_dir(run_dir)
    staged = run_dir / RATES
    if staged.exists():
        with staged.open("rb") as stream:
            data = stream.read()
    elif pricing.rates.startswith(("https://", "http://")):
        from urllib.request import urlopen

        with urlopen(pricing.rates, timeout=30) as response:  # noqa: S310 - configured URL
            data = response.read()
    else:
        data = Path(pricing.rates).read_bytes()
    rates = parse_ecb_rates(io.BytesIO(data))  # refuse a broken file before anything uses it
    too_old = check_rates_age(rates.day, run_day, pricing) if run_day is not None else None
    if too_old is not None:
        fail = pricing.stale_rates == "fail"
        if fail:
            message = (
                f"{too_old}: the rates source has not updated. Fix it, or set [pricing] "
                'stale_rates = "warn" to convert with these rates'
            )
        else:
            message = f'{too_old}; prices are converted with them ([pricing] stale_rates = "warn")'
        finding = Finding(
            stage="ingest",
            severity="error" if fail else "warning",
            sku=None,
            field="pricing.rates",
            rule="stale_rates",
            message=f"{message}; nothing was published" if fail else message,
            value=str(rates.day),
        )
        with (run_dir / INGEST_FINDINGS).open("a", encoding="utf-8") as stream:
            write_findings_jsonl((finding,), stream)
        if fail:
            record_stop(run_dir, message)
            raise StaleRates(message)
    if staged.exists():
        return str(staged)
    temporary = run_dir / f"{RATES}.partial"
    with temporary.open("wb") as stream:
        stream.write(data)
    try:
        publish_atomically(temporary, staged)
    finally:
        temporary.unlink()
    return str(staged)


def load_rates(path: StoragePath | Path) -> EcbRates:
    """The ECB rates staged for a run."""
    from transforms.ecb_rates import parse_ecb_rates

    with path.open("rb") as stream:
        return parse_ecb_rates(stream)


def read_snapshot(path: StoragePath | Path) -> Iterator[Product]:
    """Stream the products of a staged snapshot."""
    with path.open("r", encoding="utf-8") as stream:
        for line in stream:
            yield product_from_json(json.loads(line))


def validate_snapshot(
    snapshot: StoragePath | Path,
    settings: Validation,
    docs_dir: Path | None,
    output_root: StoragePath | Path,
    run_id: str,
    *,
    docs_url: str | None = None,
) -> dict[str, Any]:
    """Run the catalog rules on the staged snapshot and close the gate if it must.

    Writes ``validation_findings.jsonl`` and ``quarantine.json`` (sku -> rules)
    beside the snapshot and GX Data Docs into ``docs_dir``. Then checks the
    blocked share and the catalog's shrink against the last successful run.
    ``docs_url`` is where people will find the Data Docs' index (when the
    caller uploads them elsewhere).

    Raises:
        GateClosed: after writing ``gate_closed.txt`` with the reason.
    """
    from transforms.gates import check_blocked_share, check_shrink, read_state
    from transforms.validation import validate_catalog

    run_dir = snapshot.parent
    gate_file = run_dir / GATE_CLOSED
    if gate_file.exists():  # an earlier attempt of this run closed it
        gate_file.unlink()
    result = validate_catalog(
        read_snapshot(snapshot),
        source_locale=settings.source_locale,
        docs_dir=docs_dir,
        run_name=run_id,
    )
    with (run_dir / VALIDATION_FINDINGS).open("w", encoding="utf-8") as stream:
        write_findings_jsonl(result.findings, stream)
    quarantined = dict(result.quarantined)
    if (run_dir / INGEST_HOLDS).exists():  # products read with a value that holds them back
        with (run_dir / INGEST_HOLDS).open("r", encoding="utf-8") as stream:
            for sku, rules in json.load(stream).items():
                quarantined[sku] = [*quarantined.get(sku, []), *rules]
    with (run_dir / QUARANTINE).open("w", encoding="utf-8") as stream:
        json.dump(quarantined, stream, sort_keys=True)
    summary = {
        "products": result.products,
        "quarantined": len(quarantined),
        "warnings": sum(1 for f in result.findings if f.severity == "warning"),
        "expectations": result.expectations,
        "failed_expectations": result.failed_expectations,
        "quarantine": str(run_dir / QUARANTINE),
        "findings": str(run_dir / VALIDATION_FINDINGS),
        "data_docs": docs_url or (str(docs_dir / "index.html") if docs_dir is not None else None),
    }
    previous = read_state(output_root)
    try:
        check_blocked_share(result.products, len(quarantined), settings.max_blocked_share)
        check_shrink(
            {"catalog": result.products},
            previous["products"],
            settings.max_shrink_share,
            "products",
        )
    except GateClosed as closed:
        with gate_file.open("w", encoding="utf-8") as stream:
            stream.write(f"{closed}\n")
        raise
    return summary


def translate_snapshot(
    snapshot: StoragePath | Path,
    markets: Sequence[Market],
    settings: Translation,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    glossary_targets: Sequence[str] = (),
) -> dict[str, Any]:
    """Translate what the markets lack (see `transforms.translate`) and report it.

    ``glossary_targets``: every configured market's target language, so the DeepL
    glossary stays the same whichever markets a run translates for.

    The memory is PostgreSQL when ``memory_conninfo`` is given, else the SQLite
    file of ``settings.memory_path`` (default: in the local staging folder).
    Review XLIFF files and ``translation.json`` go to ``report_dir``.

    Returns:
        ``files`` (market -> translation outcome file), ``report`` (per target
        language: segments, memory hits, characters sent and billed, cost,
        pending, flagged) and ``report_path``.
    """
    from transforms.glossary import load_glossary
    from transforms.storage import local_path
    from transforms.translate import import_human_translations, translate_catalog
    from transforms.translation_memory import TranslationMemory

    if memory_conninfo:
        memory = TranslationMemory.open_postgres(memory_conninfo)
    else:
        location = settings.memory_path
        if location is None:
            local = local_path(run_dir)
            if local is None:
                raise ValueError(
                    "[translation] needs memory_path or memory_conn_id when staging is "
                    "not on a local disk"
                )
            location = str(local.parent / "translation_memory.sqlite")
        memory = TranslationMemory.open_sqlite(location)
    glossary_file = Path(settings.glossary_path) if settings.glossary_path else None
    glossary = load_glossary(glossary_file, settings.source_lang)
    with memory:
        variants = {m.locale for m in markets if m.translation_variant}
        imported = import_human_translations(
            memory, [Path(f) for f in settings.human_translations], settings, variants, run_id
        )
        ensure_dir(report_dir)
        outcome = translate_catalog(
            lambda: read_snapshot(snapshot),
            markets,
            settings,
            glossary,
            memory,
            run_dir / "translations",
            review_dir=report_dir,
            auth_key=auth_key,
            run=run_id,
            skip=quarantine,
            glossary_targets=glossary_targets,
        )
    report = {**outcome.report, "imported": imported}
    with (run_dir / TRANSLATION_REPORT).open("w", encoding="utf-8") as stream:
        json.dump(report, stream, indent=1, sort_keys=True)
    publish_atomically(run_dir / TRANSLATION_REPORT, report_dir / TRANSLATION_REPORT)
    return {
        "files": outcome.files,
        "report": report,
        "report_path": str(report_dir / TRANSLATION_REPORT),
    }


def translation_lines(report: Mapping[str, Any]) -> list[str]:
    """The translation part of the run summary, one line per target language."""
    lines = []
    if report.get("stopped"):
        lines.append(f"translation: DeepL calls stopped: {report['stopped']}")
    elif not report.get("deepl_key"):
        lines.append("translation: no DeepL key, memory only (texts it lacks are pending)")
    for target, lang in report.get("languages", {}).items():
        retries = f", {lang['retries']} retries" if lang.get("retries") else ""
        lines.append(
            f"translation {target:<7} {lang['segments']:>6} texts: {lang['human']} human, "
            f"{lang['memory']} from memory, {lang['deepl']} by DeepL, {lang['pending']} pending, "
            f"{lang['flagged']} held back by QA; hit rate {lang['hit_rate']:.1%}; "
            f"{lang['characters_sent']} characters sent, {lang['characters_billed']} billed, "
            f"about {lang['estimated_cost']} {report.get('currency', 'EUR')}{retries}"
        )
        if lang.get("stopped"):
            lines.append(f"translation {target:<7} stopped: {lang['stopped']}")
    for warning in report.get("warnings", []):
        lines.append(f"translation: {warning}")
    for target, path in report.get("review_files", {}).items():
        lines.append(f"review {target}: {_for_people(path)}")
    return lines


def check_feed_shrink(
    built: Iterable[dict[str, Any]],
    settings: Validation,
    output_root: StoragePath | Path,
    run_dir: StoragePath | Path,
) -> dict[str, Any]:
    """Hold back each feed that lost more listings than allowed since the last good run.

    Only the feeds that shrank are held: `publish_market` leaves their live files as
    they are, every other feed publishes, and the run's summary fails the run naming
    them. Written to ``held_feeds.json`` in ``run_dir`` (every time, so a rerun that
    holds nothing back clears an earlier attempt's list).

    Returns:
        What `transforms.gates.hold_shrunk_feeds` returns: ``max_shrink_share`` and
        ``feeds`` (``market``, ``channel``, ``before``, ``listed``, ``reason`` each).
    """
    from transforms.gates import HELD_FEEDS, hold_shrunk_feeds, read_state

    current = {
        f"{b['market']}/{channel}": info["listed"]
        for b in built
        for channel, info in b["channels"].items()
    }
    held = hold_shrunk_feeds(current, read_state(output_root)["feeds"], settings.max_shrink_share)
    ensure_dir(run_dir)
    with (run_dir / HELD_FEEDS).open("w", encoding="utf-8") as stream:
        json.dump(held, stream, indent=1)
        stream.write("\n")
    return held


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
    channel_settings: Mapping[str, Channel] | None = None,
    category_map: CategoryMap | None = None,
    mode: Literal["full", "delta"] = "full",
    live_dir: StoragePath | Path | None = None,
) -> dict[str, Any]:
    """Localize every product for one market and write its feeds (unpublished).

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
        translations: The market's translation outcome (`transforms.translate`).
        source_locale: Locale translations were made from.
        channel_settings: ``[channels.<name>]`` of the configuration.
        category_map: Catalog category -> each channel's category.
        mode: ``delta`` sends API channels (Amazon, eBay) only what changed since the
            last published feed, and deletions; other channels always get full files.
        live_dir: The market's published folder, where the last content hashes are.

    Returns:
        ``market``, ``products`` considered, ``set_aside`` for the whole market,
        ``reasons`` (rule -> number of products it set aside; channel rules
        are prefixed with the channel), ``feeds`` (one dict per channel with
        ``channel``, ``path`` and ``items`` written) and the ``findings`` and
        ``completeness`` files.
    """
    from feeds.registry import writer_class

    requirements = requirements or {}
    quarantine = quarantine or {}
    ensure_dir(market_dir)
    reasons: Counter[str] = Counter()
    products = set_aside = 0
    feeds: list[dict[str, Any]] = []
    with (
        (market_dir / MARKET_FINDINGS).open("w", encoding="utf-8") as findings_stream,
        (market_dir / COMPLETENESS).open("w", encoding="utf-8", newline="") as completeness_stream,
        (market_dir / PRICES).open("w", encoding="utf-8", newline="") as prices_stream,
        ExitStack() as streams,
    ):
        completeness_rows = csv.writer(completeness_stream, lineterminator="\r\n")
        completeness_rows.writerow(("sku", "market", "channel", "completeness", "missing"))
        price_rows = csv.writer(prices_stream, lineterminator="\r\n")
        price_rows.writerow(("sku", "market", "price", "currency", "unit_price", "how"))
        pricer = Pricer(market, pricing, rates)
        translated = read_market_translations(translations)
        outputs = [
            _ChannelFiles(
                writer_class(channel),
                market,
                market_dir,
                streams,
                WriterContext(
                    channel=(channel_settings or {}).get(channel),
                    categories=category_map.for_channel(channel, market.code)
                    if category_map
                    else {},
                ),
                previous_state=_previous_state(live_dir, channel),
                delta=mode == "delta",
                live_listed=_live_listings(live_dir, market.code, channel),
            )
            for channel in market.channels
        ]
        for product in read_snapshot(snapshot):
            products += 1
            blocked = quarantine.get(product.sku)
            if blocked:
                set_aside += 1
                reasons["quarantined"] += 1
                write_findings_jsonl(
                    (_quarantined(product.sku, market.code, blocked),), findings_stream
                )
                continue
            listing = localize(
                product,
                market,
                pricer,
                translated.get(product.sku),
                source_locale=source_locale,
            )
            if isinstance(listing, list):
                set_aside += 1
                reasons[_first_error(listing)] += 1
                write_findings_jsonl(listing, findings_stream)
                continue
            if listing.warnings:
                write_findings_jsonl(listing.warnings, findings_stream)
            price = listing.price
            price_rows.writerow(
                (
                    listing.sku,
                    market.code,
                    price.amount,
                    price.currency,
                    listing.unit_price_text or "",
                    listing.price_note,
                )
            )
            for output in outputs:
                name = output.name
                percent, missing = completeness(listing, requirements.get(name, ()))
                completeness_rows.writerow(
                    (listing.sku, market.code, name, percent, " ".join(missing))
                )
                if missing:
                    output.reasons["incomplete"] += 1
                    incomplete = _incomplete(listing.sku, market.code, name, percent, missing)
                    write_findings_jsonl(incomplete, findings_stream)
                    continue
                found = output.write(listing)
                if any(f.severity == "error" for f in found):
                    output.reasons[_first_error(found)] += 1
                write_findings_jsonl(found, findings_stream)
        channels: dict[str, Any] = {}
        for output in outputs:
            output.finish(products, reasons)
            feeds.extend(output.parts)
            channels[output.name] = output.summary(products, reasons)
            for problem in output.problems:
                write_findings_jsonl((problem,), findings_stream)
    return {
        "market": market.code,
        "products": products,
        "set_aside": set_aside,
        "reasons": dict(sorted(reasons.items())),
        "feeds": feeds,
        "channels": channels,
        "mode": mode,
        "rate_day": str(rates.day) if rates is not None else None,
        "findings": str(market_dir / MARKET_FINDINGS),
        "completeness": str(market_dir / COMPLETENESS),
        "prices": str(market_dir / PRICES),
    }


def _previous_state(live_dir: StoragePath | Path | None, channel: str) -> dict[str, str] | None:
    """Content hashes of the channel's last published feed (None when there is none)."""
    if live_dir is None:
        return None
    path = live_dir / f"{channel}{STATE_SUFFIX}"
    if not path.exists():
        return None
    with path.open("r", encoding="utf-8") as stream:
        loaded: dict[str, str] = json.load(stream)
    return loaded


class _ChannelFiles:
    """One channel's files for one market: parts of at most ``max_items_per_file`` items,
    deletions at the end, a format check of every file, the content hashes for next time."""

    def __init__(
        self,
        cls: type[FeedWriter],
        market: Market,
        market_dir: StoragePath | Path,
        streams: ExitStack,
        context: WriterContext,
        *,
        previous_state: dict[str, str] | None,
        delta: bool,
        live_listed: int = 0,
    ) -> None:
        self.cls = cls
        self.live_listed = live_listed
        self.reasons: Counter[str] = Counter()
        """Rule -> listings of this channel set aside by it (one rule per product)."""
        self.withheld: str | None = None
        self.name = cls.spec.name
        self.market = market
        self.market_dir = market_dir
        self.streams = streams
        self.context = context
        self.previous_state = previous_state
        self.api = cls.spec.delta
        if self.api and delta:
            context.previous = previous_state or {}
        self.parts: list[dict[str, Any]] = []
        self.problems: list[FindingType] = []
        self.writer: FeedWriter | None = None
        self._open()

    def _open(self) -> FeedWriter:
        spec = self.cls.spec
        part = len(self.parts) + 1
        name = f"{spec.name}-{part:04d}" if spec.max_items_per_file else spec.name
        path = self.market_dir / f"{name}.{spec.extension}"
        stream = self.streams.enter_context(path.open("wb"))
        self.writer = self.cls(stream, self.market, self.context, part=part)
        self.writer.write_header()
        self.parts.append({"channel": spec.name, "path": str(path), "items": 0})
        return self.writer

    def write(self, listing: Listing) -> list[FindingType]:
        writer = self.writer or self._open()
        found = writer.write_item(listing)
        self._rotate()
        return found

    def _rotate(self) -> None:
        limit = self.cls.spec.max_items_per_file
        if self.writer is not None and limit and self.writer.items_written >= limit:
            self._close()

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.write_footer()
            self.writer.close()
            self.parts[-1]["items"] = self.writer.items_written
            self.writer = None

    def listed(self) -> int:
        """Products this channel lists (on a delta run, sent or unchanged)."""
        return len(self.context.hashes) if self.api else sum(p["items"] for p in self.parts)

    def finish(self, products: int, market_reasons: Mapping[str, int]) -> None:
        """Write deletions, close the last file, check every file's format, and withhold
        a feed with no listings (see `Market.allow_empty_feeds`)."""
        if self.api and self.previous_state:
            for sku in sorted(set(self.previous_state) - set(self.context.hashes)):
                writer = self.writer or self._open()
                writer.write_deletion(sku)
                self._rotate()
        self._close()
        for part in self.parts:
            part["valid"] = True
            if self.api and part["items"] == 0:
                part["valid"] = False  # nothing to send: no file goes out
                continue
            found = self.cls.check_file(
                _path_like(self.market_dir, part["path"]), self.context.checked
            )
            if found:
                part["valid"] = False
                self._file_problem(
                    "feed_file_invalid",
                    f"{part['path'].rsplit('/', 1)[-1]} fails the {self.name} format check "
                    "and is not published: " + "; ".join(found),
                )
        if self.listed() == 0 and (self.live_listed or not self.market.allow_empty_feeds):
            self._withhold(products, market_reasons)
        if self.api:
            state = self.market_dir / f"{self.name}{STATE_SUFFIX}"
            with state.open("w", encoding="utf-8") as stream:
                json.dump(self.context.hashes, stream, indent=0, sort_keys=True)
            self.state_path: str | None = str(state)
        else:
            self.state_path = None

    def _withhold(self, products: int, market_reasons: Mapping[str, int]) -> None:
        if self.live_listed:
            why = (
                f"the live {self.name} feed lists {self.live_listed} products and this run's "
                "lists none; the live feed stays"
            )
        else:
            why = (
                f"this run's {self.name} feed lists none of the market's {products} products; "
                "nothing is published (allow_empty_feeds is off for the market)"
            )
        causes = Counter(market_reasons) + self.reasons
        if causes:
            why += " (set aside: " + ", ".join(f"{r} {n}" for r, n in causes.most_common(3)) + ")"
        self.withheld = why
        for part in self.parts:
            part["valid"] = False
        self._file_problem(
            "empty_feed_withheld", f"{why}; an empty full feed would delist every product"
        )

    def _file_problem(self, rule: str, message: str) -> None:
        """A finding about the channel's file as a whole (it is not published)."""
        self.problems.append(
            Finding(
                stage="feed",
                severity="error",
                sku=None,
                market=self.market.code,
                channel=self.name,
                field="(file)",
                rule=rule,
                message=message,
            )
        )

    def summary(self, products: int, market_reasons: Mapping[str, int]) -> dict[str, Any]:
        """Per channel: listed, set aside and why (one reason per product, adding up to
        ``products - listed``), sent, unchanged, deleted, whether every file passed."""
        listed = self.listed()
        reasons = Counter(market_reasons) + self.reasons
        unexplained = products - listed - sum(reasons.values())
        if unexplained:  # a bug, shown rather than hidden: the line must add up
            reasons["unexplained"] += unexplained
        return {
            "listed": listed,
            "set_aside": products - listed,
            "reasons": dict(sorted(reasons.items())),
            "sent": sum(p["items"] for p in self.parts),
            "unchanged": self.context.unchanged,
            "deleted": len(self.context.deleted),
            "valid": self.withheld is None
            and all(p["valid"] or (self.api and p["items"] == 0) for p in self.parts),
            "withheld": self.withheld,
            "state": self.state_path,
        }


def _first_error(findings: Sequence[FindingType]) -> str:
    """The rule a product is counted under when several set it aside: the first error."""
    return next(f.rule for f in findings if f.severity == "error")


def _live_listings(live_dir: StoragePath | Path | None, market: str, channel: str) -> int:
    """Listings of the channel's live feed: the last successful run's count, or 1 when
    there is a live file but no count (so an empty feed never replaces it)."""
    from transforms.gates import read_state

    if live_dir is None:
        return 0
    listed = int(read_state(live_dir.parent)["feeds"].get(f"{market}/{channel}", 0))
    if listed == 0 and live_dir.exists():
        if any(p.name.startswith((f"{channel}.", f"{channel}-")) for p in live_dir.iterdir()):
            return 1
    return listed


def _path_like(like: StoragePath | Path, location: str) -> Any:
    """``location`` as the same kind of path as ``like`` (local or object storage)."""
    if isinstance(like, Path):
        return Path(location)
    factory: Any = type(like)
    return factory(location)


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


def publish_market(
    built: dict[str, Any],
    output_root: StoragePath | Path,
    path_factory: Any = Path,
    *,
    run_id: str = "",
    held: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Publish one market's staged feeds atomically under ``<output>/<market>/``.

    After the feeds, ``manifest.json`` is published beside them (also
    atomically): per feed its file, channel, item count and sha256, and the
    run that produced them, so an uploader can check what it sends.

    Args:
        built: What `build_market_feeds` returned.
        output_root: Root of the published feeds.
        path_factory: Turns the staged path strings back into path objects
            (``ObjectStoragePath`` in the DAG).
        run_id: The run's key, recorded in the manifest.
        held: Channels the shrink gate held back (`check_feed_shrink`): their live
            files and delta state stay as they are, and so do their manifest entries
            (each with the ``run`` that produced it).

    Returns:
        One dict per feed: ``market``, ``channel``, ``path``, ``items``, ``sha256``.
    """
    market_dir = output_root / built["market"]
    ensure_dir(market_dir)
    published = []
    channels = built["channels"]
    for feed in built["feeds"]:
        info = channels[feed["channel"]]
        if feed["channel"] in held:
            continue
        if not feed.get("valid", True) or not info["valid"]:
            continue  # an API file with nothing to send, or a channel that failed its check
        source = path_factory(feed["path"])
        target = market_dir / source.name
        sha256 = publish_atomically(source, target)
        published.append(
            {
                "market": built["market"],
                "channel": feed["channel"],
                "path": str(target),
                "file": source.name,
                "items": feed["items"],
                "listed": info["listed"],
                "sha256": sha256,
            }
        )
    for channel, info in channels.items():
        if info.get("state") and info["valid"] and channel not in held:
            source = path_factory(info["state"])
            publish_atomically(source, market_dir / source.name)
    replaced = {channel: info for channel, info in channels.items() if channel not in held}
    _remove_stale_parts(market_dir, replaced, {p["file"] for p in published})
    still_live: list[dict[str, Any]] = []
    if held and (market_dir / MANIFEST).exists():
        with (market_dir / MANIFEST).open("r", encoding="utf-8") as stream:
            live = json.load(stream)
        still_live = [
            {**entry, "run": entry.get("run", live.get("run"))}
            for entry in live.get("feeds", [])
            if entry["channel"] in held
        ]
    manifest = {
        "market": built["market"],
        "run": run_id,
        "mode": built.get("mode", "full"),
        "rate_day": built.get("rate_day"),
        "feeds": [
            {
                "file": p["file"],
                "channel": p["channel"],
                "items": p["items"],
                "sha256": p["sha256"],
            }
            for p in published
        ]
        + still_live,
    }
    staged_manifest = path_factory(built["findings"]).parent / MANIFEST
    with staged_manifest.open("w", encoding="utf-8") as stream:
        json.dump(manifest, stream, indent=1, sort_keys=True)
        stream.write("\n")
    publish_atomically(staged_manifest, market_dir / MANIFEST)
    return published


def _remove_stale_parts(
    market_dir: StoragePath | Path, channels: Mapping[str, Any], published: set[str]
) -> None:
    """Remove a channel's files this run did not replace (an older, longer Amazon file set,
    or last night's delta when nothing changed), so the folder holds this run's files only.
    Channels whose files failed their check keep theirs."""
    from feeds.registry import writer_class

    for channel, info in channels.items():
        if not info["valid"]:
            continue
        extension = writer_class(channel).spec.extension
        pattern = re.compile(rf"^{re.escape(channel)}(-\d{{4}})?\.{re.escape(extension)}$")
        for path in market_dir.iterdir():
            if pattern.match(path.name) and path.name not in published:
                path.unlink()


def write_run_report(
    run_id: str,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    staged: dict[str, Any] | None,
    validated: dict[str, Any] | None,
    built: Sequence[dict[str, Any]],
    published: Sequence[dict[str, Any]] | None,
    translated: dict[str, Any] | None = None,
    dry_run: bool = False,
    path_factory: Any = Path,
    failed: str | None = None,
) -> tuple[str, str | None]:
    """Gather the run's findings and completeness and write the summary.

    Works on whatever the run got to: a run stopped by a gate still reports
    what it found, and says why it stopped.

    Returns:
        The summary text (also in ``summary.txt``) and the reason the run fails:
        why a gate stopped it, or which feeds the shrink gate held back (the
        others published); None when neither.
    """
    from transforms.gates import describe_fall, held_back_reason, read_held_feeds

    ensure_dir(report_dir)
    gate_file = run_dir / GATE_CLOSED
    stopped = None
    if gate_file.exists():
        with gate_file.open("r", encoding="utf-8") as stream:
            stopped = stream.read().strip()
    held_back = read_held_feeds(run_dir) if not stopped else None
    held_reason = held_back_reason(held_back)
    sources = [run_dir / INGEST_FINDINGS, run_dir / VALIDATION_FINDINGS]
    sources += [path_factory(b["findings"]) for b in built]
    sources = [source for source in sources if source.exists()]

    def all_findings() -> Iterator[Finding]:
        for source in sources:
            with source.open("r", encoding="utf-8") as stream:
                for line in stream:
                    yield Finding.from_json(line)

    with (report_dir / "findings.jsonl").open("w", encoding="utf-8") as stream:
        total = write_findings_jsonl(all_findings(), stream)
    with (report_dir / "findings.csv").open("w", encoding="utf-8", newline="") as stream:
        write_findings_csv(all_findings(), stream)
    markets = sorted(built, key=lambda r: r["market"])
    for name, key in ((COMPLETENESS, "completeness"), (PRICES, "prices")):
        _concatenate_csv([path_factory(r[key]) for r in markets], report_dir / name)

    lines = [f"grenzenlos run {run_id}"]
    if stopped:
        lines.append(f"RUN STOPPED, nothing published: {stopped}")
    elif failed:
        lines.append(
            f"RUN INCOMPLETE: {failed}; feeds not published stay as they were (see the "
            "failed task's log)"
        )
    if held_reason:
        lines.append(f"FEEDS HELD BACK: {held_reason}")
    if staged:
        held = f", {staged['held']} held back" if staged.get("held") else ""
        lines.append(
            f"catalog: {count(staged['products'], 'product')} read{held}, "
            f"{count(staged['rejected_rows'], 'row')} rejected"
        )
    if validated:
        lines.append(
            f"catalog rules: {count(validated['quarantined'], 'product')} quarantined, "
            f"{count(validated['warnings'], 'warning')}, {validated['failed_expectations']} of "
            f"{count(validated['expectations'], 'expectation')} failed"
        )
    if translated:
        lines.extend(translation_lines(translated["report"]))
    if published is not None:
        not_published = "not published"
    else:
        not_published = "not published (dry run)" if dry_run else "not published"
    published_by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in published or []:
        published_by_key.setdefault((p["market"], p["channel"]), []).append(p)
    held_by_key = {(f["market"], f["channel"]): f for f in (held_back or {}).get("feeds", [])}
    for result in sorted(built, key=lambda r: r["market"]):
        for channel, info in result["channels"].items():
            reasons = ", ".join(f"{rule} {count}" for rule, count in info["reasons"].items())
            files = published_by_key.get((result["market"], channel))
            held_feed = held_by_key.get((result["market"], channel))
            if held_feed:
                fall = describe_fall(held_feed["before"], held_feed["listed"], "listings")
                where = (
                    f"HELD BACK: {fall} since the last successful run; the last good file "
                    "stays live"
                )
            elif files:
                where = _for_people(files[0]["path"])
                if len(files) > 1:
                    where += f" (+{len(files) - 1} more files)"
            elif info.get("withheld"):
                where = f"NOT PUBLISHED: {info['withheld']}"
            elif not info["valid"]:
                where = "NOT PUBLISHED: the file failed its format check (see findings)"
            elif info["sent"] == 0 and info["state"] is not None:
                where = "nothing to send"
            else:
                where = not_published
            delta = ""
            if info["state"] is not None:
                delta = (
                    f" [{result.get('mode', 'full')}: {info['sent']} sent, "
                    f"{info['unchanged']} unchanged, {info['deleted']} deleted]"
                )
            lines.append(
                f"{result['market']:<3} {channel:<9} {info['listed']:>6} listed, "
                f"{info['set_aside']:>6} set aside"
                + (f" ({reasons})" if reasons else "")
                + delta
                + f" -> {where}"
            )
    lines.append(f"findings ({total}): {_for_people(str(report_dir / 'findings.csv'))}")
    lines.append(f"completeness: {_for_people(str(report_dir / COMPLETENESS))}")
    lines.append(f"prices, step by step: {_for_people(str(report_dir / PRICES))}")
    docs = validated.get("data_docs") if validated else None
    if docs is None and (report_dir / "data_docs" / "index.html").exists():
        docs = str(report_dir / "data_docs" / "index.html")  # built before a gate closed
    if docs:
        lines.append(f"data docs: {_for_people(docs)}")
    summary = "\n".join(lines) + "\n"
    with (report_dir / "summary.txt").open("w", encoding="utf-8") as stream:
        stream.write(summary)
    return summary, stopped or held_reason


def _concatenate_csv(sources: Sequence[StoragePath | Path], target: StoragePath | Path) -> None:
    """One CSV from several with the same header (kept once)."""
    with target.open("w", encoding="utf-8", newline="") as out:
        for number, source in enumerate(sources):
            with source.open("r", encoding="utf-8", newline="") as src:
                header = src.readline()
                if number == 0:
                    out.write(header)
                for line in src:
                    out.write(line)


def _for_people(location: str) -> str:
    """A local file URL as a plain path, which terminals and file managers open."""
    return location.removeprefix("file://")
