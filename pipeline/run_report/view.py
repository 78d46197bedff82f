"""The run report's view model: everything the page shows, computed and formatted from the
run record (``run.json``) and the earlier runs' records, so that the template only lays it
out."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
}
"""How the report names a delivery's verdict (``delivery.json``, `pipeline.deliver`)."""


def report_context(
    record: Mapping[str, Any],
    earlier: Sequence[Mapping[str, Any]],
    *,
    completeness: Mapping[tuple[str, str], Decimal],
    findings: FindingsView,
    prices: PriceChanges | None,
    links: RunLinks,
) -> dict[str, Any]:
    """Everything the template shows, computed and formatted here so that the template
    only lays it out. ``earlier`` holds the earlier runs' records, newest first."""
    feeds = [f for f in record.get("feeds") or [] if isinstance(f, dict)]
    history = [*reversed(earlier), record]  # oldest first, this run last
    rows = [_feed_row(f, earlier, completeness, links) for f in feeds]
    reasons_used = sorted(
        {rule for f in feeds for rule in (f.get("reasons") or {})},
        key=lambda rule: (-sum((f.get("reasons") or {}).get(rule, 0) for f in feeds), rule),
    )
    colours = {rule: PALETTE[n % len(PALETTE)] for n, rule in enumerate(reasons_used)}
    rules_seen = sorted(set(reasons_used) | set(findings.options.get("rule", [])))
    translation = record.get("translation") or None
    files = record.get("files") or {}
    return {
        "run": _glance(record, earlier),
        "status": record.get("status") or "incomplete",
        "status_text": (
            "Dry run succeeded: nothing was published"
            if record.get("dry_run") and record.get("status") == "success"
            else STATUS_TEXT.get(record.get("status") or "", "Run status unknown")
        ),
        "reason": record.get("reason"),
        "failed_tasks": record.get("failed_tasks") or [],
        "still_live": [
            {**entry, "link": links.href(entry.get("path"))}
            for entry in record.get("still_live") or []
            if isinstance(entry, dict)
        ],
        "steps": [
            {
                "task": step.get("task"),
                "count": step.get("count"),
                "seconds": duration(step.get("seconds")),
                "longest": duration(step.get("longest")),
                "failed": step.get("failed") or 0,
            }
            for step in record.get("steps") or []
            if isinstance(step, dict)
        ],
        "feeds": rows,
        "overview": _overview(feeds),
        "delivery": [
            {
                **entry,
                "verdict_label": DELIVERY_TEXT.get(
                    entry.get("verdict") or entry.get("status") or "", entry.get("status")
                ),
            }
            for entry in record.get("delivery") or []
            if isinstance(entry, dict)
        ],
        "reasons_chart": reasons_chart(feeds, colours) if feeds else None,
        "reason_legend": [
            {"rule": rule, "colour": colours[rule], "meaning": _meaning(rule)}
            for rule in reasons_used
        ],
        "rules": [{"rule": rule, "meaning": _meaning(rule)} for rule in rules_seen],
        "listing_charts": listing_charts(history, feeds),
        "history_runs": len(history),
        "translation": _translation(translation, links) if translation else None,
        "translation_charts": translation_charts(history),
        "prices": _prices_view(prices),
        "findings": findings,
        "findings_cap": MAX_FINDINGS_SHOWN,
        "by_severity": ((record.get("findings") or {}).get("by_severity") or {}),
        "findings_total": (record.get("findings") or {}).get("total", findings.total),
        "files": _file_links(files, links),
        "findings_csv": links.link(files.get("findings_csv")),
        "index_href": "../" + INDEX_PAGE,
    }


def _overview(feeds: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
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


def _glance(record: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    catalog = record.get("catalog") or None
    previous = next((r for r in earlier if r.get("catalog")), None)
    change = None
    if catalog and previous:
        change = {
            "by": signed(catalog["products"] - previous["catalog"]["products"]),
            "against": previous.get("run_key"),
        }
    return {
        "run_id": record.get("run_id"),
        "run_key": record.get("run_key"),
        "dag_id": record.get("dag_id"),
        "run_day": record.get("run_day"),
        "mode": record.get("mode"),
        "dry_run": bool(record.get("dry_run")),
        "rate_date": record.get("rate_date"),
        "started": clock(record.get("started")),
        "finished": clock(record.get("finished")),
        "duration": duration_between(record.get("started"), record.get("finished")),
        "catalog": catalog,
        "catalog_change": change,
        "validation": _validation_text(record.get("validation")),
    }


def _validation_text(validation: Any) -> str | None:
    """The catalog rules' verdict in a sentence.

    >>> _validation_text({"quarantined": 1, "warnings": 2, "failed_expectations": 3,
    ...                   "expectations": 15})
    '1 product quarantined, 2 warnings; 3 of 15 expectations failed'
    """
    if not isinstance(validation, dict):
        return None
    return (
        f"{count(validation.get('quarantined', 0), 'product')} quarantined, "
        f"{count(validation.get('warnings', 0), 'warning')}; "
        f"{validation.get('failed_expectations', 0)} of "
        f"{count(validation.get('expectations', 0), 'expectation')} failed"
    )


def _feed_row(
    feed: Mapping[str, Any],
    earlier: Sequence[Mapping[str, Any]],
    completeness: Mapping[tuple[str, str], Decimal],
    links: RunLinks,
) -> dict[str, Any]:
    key = (feed.get("market"), feed.get("channel"))
    before = next(
        (
            f
            for r in earlier
            for f in r.get("feeds") or []
            if isinstance(f, dict) and (f.get("market"), f.get("channel")) == key
        ),
        None,
    )
    mean = completeness.get((str(key[0]), str(key[1])))
    outcome = feed.get("outcome") or "not_published"
    return {
        "market": feed.get("market"),
        "channel": feed.get("channel"),
        "listed": feed.get("listed"),
        "set_aside": feed.get("set_aside"),
        "sent": feed.get("sent"),
        "unchanged": feed.get("unchanged"),
        "deleted": feed.get("deleted"),
        "delta": bool(feed.get("delta")),
        "reasons": [
            {"rule": rule, "count": n, "meaning": _meaning(rule)}
            for rule, n in (feed.get("reasons") or {}).items()
        ],
        "completeness": None if mean is None else f"{mean:.1f}",
        "listed_change": (
            signed(feed["listed"] - before["listed"])
            if before is not None
            and isinstance(before.get("listed"), int)
            and isinstance(feed.get("listed"), int)
            else None
        ),
        "outcome": outcome,
        "outcome_label": OUTCOME_TEXT.get(outcome, outcome),
        # For a published feed the summary's text is its path, which the files column links.
        "outcome_text": "" if outcome == "published" else feed.get("outcome_text") or "",
        "files": [links.link(location) for location in feed.get("files") or []],
    }


def _translation(report: Mapping[str, Any], links: RunLinks) -> dict[str, Any]:
    languages = []
    for target, lang in (report.get("languages") or {}).items():
        languages.append(
            {
                "target": target,
                **lang,
                "hit_rate": f"{Decimal(str(lang.get('hit_rate') or 0)) * 100:.1f}",
                "review": links.link((report.get("review_files") or {}).get(target)),
            }
        )
    return {
        "currency": report.get("currency") or "EUR",
        "deepl_key": bool(report.get("deepl_key")),
        "stopped": report.get("stopped"),
        "warnings": report.get("warnings") or [],
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


def _file_links(files: Mapping[str, Any], links: RunLinks) -> list[dict[str, Any]]:
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
        if files.get(name):
            shown.append({"label": label, **links.link(files[name])})
    for market, location in sorted((files.get("manifests") or {}).items()):
        shown.append({"label": f"{market} manifest", **links.link(location)})
    return shown


def _meaning(rule: str) -> str:
    known = RULES.get(rule)
    return known.message if known else "not a listed rule"
