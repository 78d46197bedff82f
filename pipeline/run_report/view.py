"""The run report's view model: everything the page shows, computed and formatted from the
run record (``run.json``) and the earlier runs' records, so that the template only lays it
out."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UnsetType

from pipeline.run_report.charts import (
    PALETTE,
    listing_charts,
    price_counts_chart,
    price_moves_chart,
    reasons_chart,
    translation_charts,
)
from pipeline.run_report.formatting import clock, duration, duration_between, percent, signed
from pipeline.run_report.run_files import MAX_FINDINGS_SHOWN
from schemas.findings import count
from schemas.rules import RULES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pipeline.run_report.links import RunLinks
    from pipeline.run_report.prices import PriceChanges
    from pipeline.run_report.record import (
        DeliveryEntry,
        FeedEntry,
        RunFiles,
        RunRecord,
        TranslationFigures,
        ValidationCounts,
    )
    from pipeline.run_report.run_files import FindingsView

INDEX_PAGE = "index.html"

OUTCOME_TEXT = {
    "published": "published",
    "held_back": "held back",
    "not_published": "not published",
    "nothing_to_send": "nothing to send",
    "dry_run": "dry run, not published",
}

STATUS_TEXT = {
    "success": "Run succeeded",
    "stopped": "Run stopped: nothing was published",
    "held_back": "Feeds held back: the others were published",
    "incomplete": "Run incomplete: a task failed",
}


DELIVERY_TEXT = {
    "accepted": "accepted",
    "accepted_with_warnings": "accepted, with warnings",
    "refused": "refused (in part or whole)",
    "uploaded": "uploaded",
    "served": "served at its URL",
    "failed": "not delivered",
    "dry_run": "not sent (dry run)",
    "superseded": "not sent (replaced by a later run)",
    "not_configured": "not configured (no connection)",
}
"""How the report names a delivery's verdict (``delivery.json``, `pipeline.deliver`)."""


def report_context(
    record: RunRecord,
    earlier: Sequence[RunRecord],
    *,
    completeness: Mapping[tuple[str, str], Decimal],
    findings: FindingsView,
    prices: PriceChanges | None,
    links: RunLinks,
) -> dict[str, Any]:
    """Everything the template shows, computed and formatted here so that the template
    only lays it out. ``earlier`` holds the earlier runs' records, newest first."""
    feeds = record.feeds
    history = [*reversed(earlier), record]  # oldest first, this run last
    rows = [_feed_row(f, earlier, completeness, links) for f in feeds]
    reasons_used = sorted(
        {rule for f in feeds for rule in f.reasons},
        key=lambda rule: (-sum(f.reasons.get(rule, 0) for f in feeds), rule),
    )
    colours = {rule: PALETTE[n % len(PALETTE)] for n, rule in enumerate(reasons_used)}
    rules_seen = sorted(set(reasons_used) | set(findings.options.get("rule", [])))
    delivery = [] if isinstance(record.delivery, UnsetType) else record.delivery
    return {
        "run": _glance(record, earlier),
        "status": record.status or "incomplete",
        "status_text": (
            "Dry run succeeded: nothing was published"
            if record.dry_run and record.status == "success"
            else STATUS_TEXT.get(record.status or "", "Run status unknown")
        ),
        "reason": record.reason,
        "failed_tasks": record.failed_tasks,
        "still_live": [
            {**msgspec.structs.asdict(entry), "link": links.href(entry.path)}
            for entry in record.still_live
        ],
        "steps": [
            {
                "task": step.task,
                "count": step.count,
                "seconds": duration(step.seconds),
                "longest": duration(step.longest),
                "failed": step.failed,
            }
            for step in record.steps
        ],
        "feeds": rows,
        "overview": _overview(feeds),
        "delivery": [_delivery_row(entry) for entry in delivery],
        "reasons_chart": reasons_chart(feeds, colours) if feeds else None,
        "reason_legend": [
            {"rule": rule, "colour": colours[rule], "meaning": _meaning(rule)}
            for rule in reasons_used
        ],
        "rules": [{"rule": rule, "meaning": _meaning(rule)} for rule in rules_seen],
        "listing_charts": listing_charts(history, feeds),
        "history_runs": len(history),
        "translation": _translation(record.translation, links) if record.translation else None,
        "translation_charts": translation_charts(history),
        "prices": _prices_view(prices),
        "findings": findings,
        "findings_cap": MAX_FINDINGS_SHOWN,
        "by_severity": record.findings.by_severity if record.findings else {},
        "findings_total": (
            record.findings.total
            if record.findings and record.findings.total is not None
            else findings.total
        ),
        "files": _file_links(record.files, links),
        "findings_csv": links.link(record.files.findings_csv),
        "index_href": "../" + INDEX_PAGE,
    }


def _overview(feeds: Sequence[FeedEntry]) -> list[dict[str, Any]]:
    """What each feed lists of the market's products, and the top reasons for the rest
    with the fix of each (`pipeline.onboarding.feed_overview`)."""
    from pipeline.onboarding import feed_overview

    return [
        {
            **row,
            "share": f"{row['listed'] / row['products']:.0%}" if row["products"] else "-",
        }
        for row in feed_overview(feeds)
    ]


def _glance(record: RunRecord, earlier: Sequence[RunRecord]) -> dict[str, Any]:
    catalog = record.catalog
    previous = next((r for r in earlier if r.catalog), None)
    change = None
    if catalog and previous and previous.catalog:
        change = {
            "by": signed(catalog.products - previous.catalog.products),
            "against": previous.run_key,
        }
    return {
        "run_id": record.run_id,
        "run_key": record.run_key,
        "dag_id": record.dag_id,
        "run_day": record.run_day,
        "mode": record.mode,
        "dry_run": record.dry_run,
        "rate_date": record.rate_date,
        "started": clock(record.started),
        "finished": clock(record.finished),
        "duration": duration_between(record.started, record.finished),
        "catalog": catalog,
        "catalog_change": change,
        "validation": _validation_text(record.validation),
    }


def _validation_text(validation: ValidationCounts | None) -> str | None:
    """The catalog rules' verdict in a sentence.

    >>> from pipeline.run_report.record import ValidationCounts
    >>> _validation_text(ValidationCounts(quarantined=1, warnings=2, failed_expectations=3,
    ...                                   expectations=15))
    '1 product quarantined, 2 warnings; 3 of 15 expectations failed'
    """
    if validation is None:
        return None
    return (
        f"{count(validation.quarantined, 'product')} quarantined, "
        f"{count(validation.warnings, 'warning')}; "
        f"{validation.failed_expectations} of "
        f"{count(validation.expectations, 'expectation')} failed"
    )


def _delivery_row(entry: DeliveryEntry) -> dict[str, Any]:
    """One delivered file in "At the marketplaces": its figures, its products per state
    (Google's approved, disapproved, pending) and the issues most of them have."""
    states = {} if isinstance(entry.states, UnsetType) else entry.states
    issues = [] if isinstance(entry.top_issues, UnsetType) else entry.top_issues
    return {
        **msgspec.structs.asdict(entry),
        "verdict_label": DELIVERY_TEXT.get(entry.verdict or entry.status or "", entry.status),
        "states": states,
        "top_issues": [msgspec.structs.asdict(issue) for issue in issues],
    }


def _feed_row(
    feed: FeedEntry,
    earlier: Sequence[RunRecord],
    completeness: Mapping[tuple[str, str], Decimal],
    links: RunLinks,
) -> dict[str, Any]:
    key = (feed.market, feed.channel)
    before = next(
        (f for r in earlier for f in r.feeds if (f.market, f.channel) == key),
        None,
    )
    mean = completeness.get((str(key[0]), str(key[1])))
    outcome = feed.outcome or "not_published"
    return {
        "market": feed.market,
        "channel": feed.channel,
        "listed": feed.listed,
        "set_aside": feed.set_aside,
        "sent": feed.sent,
        "unchanged": feed.unchanged,
        "deleted": feed.deleted,
        "delta": feed.delta,
        "reasons": [
            {"rule": rule, "count": n, "meaning": _meaning(rule)}
            for rule, n in feed.reasons.items()
        ],
        "completeness": None if mean is None else f"{mean:.1f}",
        "listed_change": (
            signed(feed.listed - before.listed)
            if before is not None and before.listed is not None and feed.listed is not None
            else None
        ),
        "outcome": outcome,
        "outcome_label": OUTCOME_TEXT.get(outcome, outcome),
        # For a published feed the summary's text is its path, which the files column links.
        "outcome_text": "" if outcome == "published" else feed.outcome_text,
        "files": [links.link(location) for location in feed.files],
    }


def _translation(report: TranslationFigures, links: RunLinks) -> dict[str, Any]:
    languages = []
    for target, lang in report.languages.items():
        languages.append(
            {
                "target": target,
                **msgspec.structs.asdict(lang),
                "hit_rate": f"{Decimal(str(lang.hit_rate or 0)) * 100:.1f}",
                "review": links.link(report.review_files.get(target)),
            }
        )
    return {
        "currency": report.currency or "EUR",
        "deepl_key": report.deepl_key,
        "stopped": report.stopped,
        "warnings": report.warnings,
        "languages": languages,
    }


def _prices_view(prices: PriceChanges | None) -> dict[str, Any] | None:
    if prices is None:
        return None
    counts = [
        ("up", prices.up),
        ("down", prices.down),
        ("unchanged", prices.unchanged),
    ]
    return {
        "against": prices.against,
        "up": prices.up,
        "down": prices.down,
        "unchanged": prices.unchanged,
        "new": prices.new,
        "other_currency": prices.other_currency,
        "counts_chart": price_counts_chart(counts),
        "moves_chart": price_moves_chart(prices.largest) if prices.largest else None,
        "largest": [
            {
                "sku": m.sku,
                "market": m.market,
                "currency": m.currency,
                "before": str(m.before),
                "after": str(m.after),
                "change": percent(m.change),
            }
            for m in prices.largest
        ],
    }


def _file_links(files: RunFiles, links: RunLinks) -> list[dict[str, Any]]:
    labels = {
        "summary": "Summary (summary.txt)",
        "findings_csv": "Every finding (findings.csv)",
        "findings_jsonl": "Every finding (findings.jsonl)",
        "completeness": "Completeness per listing (completeness.csv)",
        "prices": "Prices, step by step (prices.csv)",
        "translation": "Translation figures (translation.json)",
        "validation": "Catalog rules, GX verdict (validation.json)",
    }
    shown = []
    for name, label in labels.items():
        location = getattr(files, name)
        if location:
            shown.append({"label": label, **links.link(location)})
    for market, location in sorted(files.manifests.items()):
        shown.append({"label": f"{market} manifest", **links.link(location)})
    return shown


def _meaning(rule: str) -> str:
    known = RULES.get(rule)
    return known.message if known else "not a listed rule"
