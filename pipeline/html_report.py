"""The run report as one HTML page (``<output>/runs/<run>/report.html``), and the index of
every run's report (``<output>/runs/index.html``).

`write_html_report` reads what the run left in its report folder (``run.json``,
``findings.jsonl``, ``completeness.csv``, ``prices.csv``) and, for history, the records of
up to `HISTORY_RUNS` earlier runs listed in ``runs/index.json``; a record that is missing
or cannot be read is left out and named in the page. The page is rendered by Jinja2 with
autoescaping on (findings quote catalog texts, which may hold markup) from
``templates/report.html.j2``, and written atomically: a reader sees the old page or the
whole new one.

The page is self-contained: CSS and the findings filter's few lines of script are inline,
links to the run's files are relative where the file lies under the same output root (so
the folder can be opened from disk, copied, or served by the Airflow plugin), and nothing
is fetched from anywhere.

The charts are SVG written by this module, not drawn by a charting library. The charts
are simple (bars and lines over at most 30 runs), and so: the project takes on no
dependency for them; a chart shows without running any script (a mail client's preview,
a locked-down browser, the plugin's strict Content-Security-Policy); it prints as sharp
as the text; it needs no network, so the report works offline; and it adds a few
kilobytes to the file, not a library's hundreds.
"""

from __future__ import annotations

import csv
import heapq
import json
import os
import posixpath
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from feeds.scratch import ScratchStore
from pipeline.layout import (
    COMPLETENESS,
    PRICES,
    RUN_INDEX,
    RUN_RECORD,
    VALIDATION_RESULTS,
    for_people,
)
from schemas.findings import FINDING_COLUMNS, count
from schemas.rules import RULES
from transforms.storage import publish_atomically

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from transforms.storage import StoragePath

REPORT_PAGE = "report.html"
INDEX_PAGE = "index.html"
FINDINGS_JSONL = "findings.jsonl"
HISTORY_RUNS = 30
"""Earlier runs the history charts read (their ``run.json`` each)."""
MAX_FINDINGS_SHOWN = 5_000
"""Findings embedded in the page's table; findings.csv holds them all."""
LARGEST_MOVES = 10
"""Price changes listed one by one, the largest first."""
TEMPLATES = "templates"
"""The pages' templates, package data of `pipeline`: Jinja's `PackageLoader` finds them
through the package's import spec, in the source tree as in an installed wheel."""

PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#d55e00",
    "#cc79a7",
    "#56b4e9",
    "#8c6d31",
    "#6b6ecf",
    "#b5cf6b",
    "#843c39",
    "#7f7f7f",
    "#17becf",
)
"""Series colours, the first eight Okabe and Ito's (told apart with most colour blindness)."""

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


def write_html_report(
    report_dir: StoragePath | Path, runs_root: StoragePath | Path
) -> StoragePath | Path:
    """Write ``report.html`` into the run's report folder.

    Args:
        report_dir: The run's report folder (``<output>/runs/<run>/``), holding its
            ``run.json`` and the files the summary wrote.
        runs_root: ``<output>/runs/``, holding ``index.json`` and the earlier runs.

    Returns:
        The path of ``report.html``.

    Raises:
        ValueError: the run's own ``run.json`` is missing or is not a JSON object.
    """
    record = _read_record(report_dir / RUN_RECORD)
    if record is None:
        raise ValueError(f"{report_dir / RUN_RECORD} is missing or is not a run record")
    output_root = runs_root.parent
    links = _Links(report_dir, output_root)
    earlier, unreadable = _earlier_records(runs_root, record)
    context = report_context(
        record,
        earlier,
        completeness=_completeness(report_dir / COMPLETENESS),
        findings=_findings(report_dir / FINDINGS_JSONL),
        prices=_price_changes(report_dir, runs_root, earlier),
        links=links,
    )
    context["unreadable_runs"] = unreadable
    context["catalog_rules"] = _catalog_rules(report_dir / VALIDATION_RESULTS)
    target = report_dir / REPORT_PAGE
    _write_atomically(_render("report.html.j2", context), target)
    return target


def _catalog_rules(path: StoragePath | Path) -> list[dict[str, Any]]:
    """GX's verdict on each catalog rule (``validation.json``); none when it is missing
    or unreadable (a run stopped before validation)."""
    try:
        with path.open("r", encoding="utf-8") as stream:
            rules = json.load(stream).get("expectations", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [r for r in rules if isinstance(r, dict)]


def write_run_index(runs_root: StoragePath | Path) -> StoragePath | Path:
    """Write ``index.html`` into ``runs_root``: every run in ``index.json``, newest first,
    with its status, times and a link to its report.

    Returns:
        The path of ``index.html``.
    """
    index = _read_json(runs_root / RUN_INDEX)
    runs = []
    for entry in index if isinstance(index, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("run_key"), str):
            continue
        runs.append(
            {
                "run_key": entry["run_key"],
                "run_id": entry.get("run_id") or entry["run_key"],
                "status": entry.get("status") or "unknown",
                "status_text": STATUS_TEXT.get(entry.get("status") or "", "Unknown"),
                "started": _clock(entry.get("started")),
                "finished": _clock(entry.get("finished")),
                "duration": _duration_between(entry.get("started"), entry.get("finished")),
                "href": quote(entry["run_key"]) + "/" + REPORT_PAGE,
            }
        )
    target = runs_root / INDEX_PAGE
    _write_atomically(_render("index.html.j2", {"runs": runs}), target)
    return target


# The page's figures -----------------------------------------------------------------------


@dataclass
class FindingsView:
    """The findings the page embeds, and what the filters offer."""

    rows: list[dict[str, str]]
    total: int
    options: dict[str, list[str]]


@dataclass
class PriceMove:
    sku: str
    market: str
    currency: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        """The move as a share of the earlier price."""
        return (self.after - self.before) / self.before


@dataclass
class PriceChanges:
    """This run's prices against an earlier run's, matched on sku and market."""

    against: str
    up: int = 0
    down: int = 0
    unchanged: int = 0
    new: int = 0
    other_currency: int = 0
    largest: list[PriceMove] = field(default_factory=list)


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
    links: _Links,
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
                "seconds": _seconds(step.get("seconds")),
                "longest": _seconds(step.get("longest")),
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
            "by": _signed(catalog["products"] - previous["catalog"]["products"]),
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
        "started": _clock(record.get("started")),
        "finished": _clock(record.get("finished")),
        "duration": _duration_between(record.get("started"), record.get("finished")),
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
    links: _Links,
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
            _signed(feed["listed"] - before["listed"])
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


def _translation(report: Mapping[str, Any], links: _Links) -> dict[str, Any]:
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
                "change": _percent(m.change),
            }
            for m in prices.largest
        ],
    }


def _file_links(files: Mapping[str, Any], links: _Links) -> list[dict[str, Any]]:
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


# Reading the run's files ------------------------------------------------------------------


def _read_json(path: StoragePath | Path) -> Any:
    """The JSON document at ``path``, or None when it is missing or cannot be read."""
    try:
        with path.open("r", encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON
        return None


def _read_record(path: StoragePath | Path) -> dict[str, Any] | None:
    record = _read_json(path)
    return record if isinstance(record, dict) else None


def _earlier_records(
    runs_root: StoragePath | Path, record: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Up to `HISTORY_RUNS` earlier runs' records, newest first, and the keys of those
    whose record was missing or unreadable.

    Earlier means listed after this run in ``index.json`` (which is newest first); when
    this run is not listed, those that started before it."""
    index = _read_json(runs_root / RUN_INDEX)
    entries = [e for e in index if isinstance(e, dict)] if isinstance(index, list) else []
    keys = [e.get("run_key") for e in entries]
    own = record.get("run_key")
    if own in keys:
        entries = entries[keys.index(own) + 1 :]
    else:
        started = str(record.get("started") or "")
        entries = [e for e in entries if started and "" < str(e.get("started") or "") < started]
    records: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for entry in entries[:HISTORY_RUNS]:
        key = entry.get("run_key")
        if not isinstance(key, str) or key in (".", "..") or "/" in key:
            continue
        earlier = _read_record(runs_root / key / RUN_RECORD)
        if earlier is None or not _looks_like_a_record(earlier):
            unreadable.append(key)
            continue
        records.append({**earlier, "run_key": key})
    return records, unreadable


def _looks_like_a_record(record: Mapping[str, Any]) -> bool:
    """Whether the parts the history charts read have the contract's shapes."""
    feeds = record.get("feeds") or []
    catalog = record.get("catalog")
    translation = record.get("translation")
    return (
        isinstance(feeds, list)
        and all(isinstance(f, dict) and isinstance(f.get("listed", 0), int | None) for f in feeds)
        and (catalog is None or (isinstance(catalog, dict) and _is_int(catalog.get("products"))))
        and (
            translation is None
            or (
                isinstance(translation, dict)
                and isinstance(translation.get("languages") or {}, dict)
                and all(isinstance(v, dict) for v in (translation.get("languages") or {}).values())
            )
        )
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _completeness(path: StoragePath | Path) -> dict[tuple[str, str], Decimal]:
    """Mean completeness (percent) per market and channel, from ``completeness.csv``."""
    sums: dict[tuple[str, str], list[int]] = {}
    for row in _csv_rows(path):
        try:
            value = int(row["completeness"])
        except (KeyError, TypeError, ValueError):
            continue
        total = sums.setdefault((row.get("market") or "", row.get("channel") or ""), [0, 0])
        total[0] += value
        total[1] += 1
    return {key: Decimal(s) / Decimal(n) for key, (s, n) in sums.items()}


def _csv_rows(path: StoragePath | Path) -> Iterator[dict[str, str]]:
    """The rows of a CSV file with a header; none when the file is missing."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


def _findings(path: StoragePath | Path) -> FindingsView:
    """The first `MAX_FINDINGS_SHOWN` findings of ``findings.jsonl``, and how many there are."""
    rows: list[dict[str, str]] = []
    total = 0
    if path.exists():
        with path.open("r", encoding="utf-8") as stream:
            for line in stream:
                if not line.strip():
                    continue
                total += 1
                if len(rows) < MAX_FINDINGS_SHOWN:
                    try:
                        finding = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(finding, dict):
                        rows.append({c: _text(finding.get(c)) for c in FINDING_COLUMNS})
    options = {
        column: sorted({row[column] for row in rows})
        for column in ("market", "channel", "rule", "severity")
    }
    return FindingsView(rows=rows, total=total, options=options)


def _text(value: object) -> str:
    """A finding's value as the table shows it; ``-`` for none."""
    return "-" if value is None or value == "" else str(value)


def _price_changes(
    report_dir: StoragePath | Path,
    runs_root: StoragePath | Path,
    earlier: Sequence[Mapping[str, Any]],
) -> PriceChanges | None:
    """This run's prices against those of the newest earlier run that has any.

    The earlier prices wait in a scratch SQLite file, not in memory: a large catalog's
    prices.csv holds a row per product and market."""
    current = report_dir / PRICES
    if not current.exists():
        return None
    for entry in earlier:
        previous = runs_root / entry["run_key"] / PRICES
        if previous.exists():
            break
    else:
        return None
    changes = PriceChanges(against=entry["run_key"])
    moves: list[tuple[Decimal, str, str, PriceMove]] = []
    with ScratchStore() as store:
        before = store.mapping("prices")
        for row in _csv_rows(previous):
            if row.get("sku") and row.get("price"):
                before[f"{row.get('market')}\t{row['sku']}"] = f"{row['price']}\t{row['currency']}"
        for row in _csv_rows(current):
            old = before.get(f"{row.get('market')}\t{row.get('sku')}")
            if old is None:
                changes.new += 1
                continue
            old_price, old_currency = old.split("\t", 1)
            after, price = _decimal(row.get("price")), _decimal(old_price)
            if after is None or price is None or price <= 0:
                continue
            if old_currency != row.get("currency"):
                changes.other_currency += 1
                continue
            if after > price:
                changes.up += 1
            elif after < price:
                changes.down += 1
            else:
                changes.unchanged += 1
                continue
            move = PriceMove(row["sku"], row["market"], row["currency"], price, after)
            item = (abs(move.change), move.market, move.sku, move)
            if len(moves) < LARGEST_MOVES:
                heapq.heappush(moves, item)
            else:
                heapq.heappushpop(moves, item)
    changes.largest = [item[3] for item in sorted(moves, key=lambda m: (-m[0], m[1], m[2]))]
    return changes


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


# Links ------------------------------------------------------------------------------------


class _Links:
    """Links from the report to the run's files: relative when a file lies under the
    same output root as the report, else none (the location is shown as text)."""

    def __init__(self, report_dir: StoragePath | Path, output_root: StoragePath | Path) -> None:
        self.root = _location(output_root)
        here = _location(report_dir)
        self.here = here[len(self.root) + 1 :] if here.startswith(self.root + "/") else None

    def href(self, location: object) -> str | None:
        """The relative link to ``location``, or None.

        >>> _Links(Path("/out/runs/k"), Path("/out")).href("file:///out/DE/google.xml")
        '../../DE/google.xml'
        >>> _Links(Path("/out/runs/k"), Path("/out")).href("s3://elsewhere/google.xml")
        """
        if not isinstance(location, str) or self.here is None:
            return None
        target = _location(location)
        if not target.startswith(self.root + "/"):
            return None
        return quote(posixpath.relpath(target[len(self.root) + 1 :], self.here))

    def link(self, location: object) -> dict[str, Any]:
        """``href`` (or None) and the location as people read it, for the template."""
        text = for_people(location) if isinstance(location, str) else None
        return {"href": self.href(location), "text": text, "name": posixpath.basename(text or "")}


def _location(path: object) -> str:
    return for_people(str(path)).rstrip("/")


# Charts -----------------------------------------------------------------------------------

_FONT = 'font-family="system-ui,sans-serif" font-size="12"'


def _svg(chart_id: str, width: int, height: int, title: str, body: Iterable[str]) -> Markup:
    """One chart: an ``<svg>`` with its accessible title; ``body`` is SVG already escaped."""
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def reasons_chart(feeds: Sequence[Mapping[str, Any]], colours: Mapping[str, str]) -> Markup:
    """Products set aside per feed, one stacked bar per feed and one segment per reason
    (stacked in the order of ``colours``, the legend's)."""
    label_width, bar_width, row = 116, 270, 22
    most = max((f.get("set_aside") or 0 for f in feeds), default=0) or 1
    body = []
    for n, feed in enumerate(feeds):
        y = n * row + 4
        market, channel = escape(feed.get("market")), escape(feed.get("channel"))
        body.append(f'<text x="0" y="{y + 13}">{market} {channel}</text>')
        x = float(label_width)
        reasons = feed.get("reasons") or {}
        for rule in (rule for rule in colours if rule in reasons):
            number = reasons[rule]
            width = bar_width * number / most
            body.append(
                f'<rect class="mark" x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" '
                f'fill="{colours[rule]}" data-market="{market}" data-channel="{channel}" '
                f'data-reason="{escape(rule)}" data-count="{number}">'
                f"<title>{market} {channel}: {escape(rule)} {number}</title></rect>"
            )
            x += width
        body.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{feed.get("set_aside") or 0}</text>')
    height = len(feeds) * row + 8
    return _svg("chart-reasons", label_width + bar_width + 40, height, "Set aside per feed", body)


def listing_charts(
    history: Sequence[Mapping[str, Any]], feeds: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One small line chart per feed of this run: its listings in each run (oldest first)."""
    charts = []
    for feed in feeds:
        key = (feed.get("market"), feed.get("channel"))
        points = []
        for n, run in enumerate(history):
            for f in run.get("feeds") or []:
                if (f.get("market"), f.get("channel")) == key and _is_int(f.get("listed")):
                    points.append((n, f["listed"], str(run.get("run_key"))))
                    break
        chart_id = f"chart-listed-{key[0]}-{key[1]}"
        charts.append(
            {
                "market": key[0],
                "channel": key[1],
                "listed": feed.get("listed"),
                "change": (
                    _signed(points[-1][1] - points[-2][1])
                    if len(points) > 1 and points[-1][0] == len(history) - 1
                    else None
                ),
                "svg": _line_chart(
                    chart_id,
                    [(f"{key[0]} {key[1]}", PALETTE[0], points)],
                    runs=len(history),
                    width=200,
                    height=64,
                    scale=False,
                ),
            }
        )
    return charts


def translation_charts(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Characters billed and estimated cost per target language in each run."""
    languages = sorted(
        {
            target
            for run in history
            for target in ((run.get("translation") or {}).get("languages") or {})
        }
    )
    if not languages:
        return []
    charts = []
    for figure, title in (
        ("characters_billed", "Characters billed"),
        ("estimated_cost", "Estimated cost"),
    ):
        series = []
        for n, target in enumerate(languages):
            points = []
            for x, run in enumerate(history):
                lang = ((run.get("translation") or {}).get("languages") or {}).get(target)
                value = _decimal(str(lang.get(figure))) if isinstance(lang, dict) else None
                if value is not None:
                    points.append((x, value, str(run.get("run_key"))))
            series.append((target, PALETTE[n % len(PALETTE)], points))
        charts.append(
            {
                "title": title,
                "svg": _line_chart(
                    f"chart-{figure.replace('_', '-')}",
                    series,
                    runs=len(history),
                    width=420,
                    height=160,
                    scale=True,
                ),
                "legend": [{"name": name, "colour": colour} for name, colour, _ in series],
            }
        )
    return charts


def _line_chart(
    chart_id: str,
    series: Sequence[tuple[str, str, Sequence[tuple[int, int | Decimal, str]]]],
    *,
    runs: int,
    width: int,
    height: int,
    scale: bool,
) -> Markup:
    """Lines over the runs (x: the run's position, oldest first), a dot on every value.

    The value axis starts at zero, so that a small change looks small; ``scale`` labels
    it (the small multiples go without)."""
    left, right, top, bottom = (44, 8, 8, 18) if scale else (6, 6, 6, 6)
    high = max((Decimal(v) for _, _, points in series for _, v, _ in points), default=Decimal(0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def at(x: int, value: int | Decimal) -> tuple[float, float]:
        across = left + (plot_w * x / (runs - 1) if runs > 1 else plot_w / 2)
        return across, top + plot_h - float(plot_h * Decimal(value) / (high or 1))

    body = [
        f'<path class="axis" d="M{left} {top}V{top + plot_h}H{left + plot_w}" '
        'fill="none" stroke="#999" stroke-width="1"/>'
    ]
    if scale:
        if high:
            body.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{high}</text>')
        body.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
        body.append(
            f'<text x="{left}" y="{height - 3}">{runs} run{"s" if runs != 1 else ""}, '
            "oldest left</text>"
        )
    for name, colour, points in series:
        xy = [at(x, v) for x, v, _ in points]
        if len(xy) > 1:
            body.append(
                f'<polyline class="mark" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}" '
                f'fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for (x, y), (_, value, run) in zip(xy, points, strict=True):
            body.append(
                f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
                f'data-series="{escape(name)}" data-run="{escape(run)}" data-value="{value}">'
                f"<title>{escape(name)}, {escape(run)}: {value}</title></circle>"
            )
    return _svg(chart_id, width, height, ", ".join(name for name, _, _ in series), body)


def price_counts_chart(counts: Sequence[tuple[str, int]]) -> Markup:
    """How many prices went up, down or stayed, one bar each."""
    colours = {"up": "#d55e00", "down": "#0072b2", "unchanged": "#999999"}
    label_width, bar_width, row = 90, 300, 22
    most = max((n for _, n in counts), default=0) or 1
    body = []
    for n, (name, number) in enumerate(counts):
        y = n * row + 4
        width = max(bar_width * number / most, 1.0 if number else 0.0)
        body.append(f'<text x="0" y="{y + 13}">{escape(name)}</text>')
        body.append(
            f'<rect class="mark" x="{label_width}" y="{y}" width="{width:.1f}" height="16" '
            f'fill="{colours.get(name, PALETTE[0])}" data-kind="{escape(name)}" '
            f'data-count="{number}"><title>{escape(name)}: {number}</title></rect>'
        )
        body.append(f'<text x="{label_width + width + 4:.1f}" y="{y + 13}">{number}</text>')
    return _svg(
        "chart-price-counts",
        label_width + bar_width + 60,
        len(counts) * row + 8,
        "Prices up, down, unchanged",
        body,
    )


def price_moves_chart(moves: Sequence[PriceMove]) -> Markup:
    """The largest price moves as bars left (down) or right (up) of a middle line."""
    label_width, half, row = 150, 130, 22  # 420 wide, as the other charts
    most = max((abs(m.change) for m in moves), default=Decimal(0)) or Decimal(1)
    middle = label_width + half
    body = [
        f'<path class="axis" d="M{middle} 0V{len(moves) * row + 8}" stroke="#999" '
        'stroke-width="1"/>'
    ]
    for n, move in enumerate(moves):
        y = n * row + 4
        width = max(float(half * abs(move.change) / most), 1.0)
        x = middle if move.change > 0 else middle - width
        colour = "#d55e00" if move.change > 0 else "#0072b2"
        label = f"{escape(move.market)} {escape(move.sku)}"
        body.append(f'<text x="0" y="{y + 13}">{label}</text>')
        body.append(
            f'<rect class="mark" x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" '
            f'fill="{colour}" data-sku="{escape(move.sku)}" data-market="{escape(move.market)}" '
            f'data-change="{_percent(move.change)}"><title>{label}: {move.before} -> '
            f"{move.after} {escape(move.currency)} ({_percent(move.change)})</title></rect>"
        )
    return _svg(
        "chart-price-moves",
        label_width + 2 * half + 10,
        len(moves) * row + 8,
        "Largest price moves",
        body,
    )


# Formatting -------------------------------------------------------------------------------


def _signed(number: int) -> str:
    """A change with its sign.

    >>> _signed(3), _signed(-2), _signed(0)
    ('+3', '-2', '±0')
    """
    return f"+{number}" if number > 0 else ("±0" if number == 0 else str(number))


def _percent(share: Decimal) -> str:
    """A share as a signed percentage with one decimal.

    >>> _percent(Decimal("0.1234")), _percent(Decimal("-0.5"))
    ('+12.3 %', '-50.0 %')
    """
    return f"{share * 100:+.1f} %"


def _seconds(value: object) -> str:
    """A duration for people.

    >>> _seconds(2.14), _seconds(125), _seconds(None)
    ('2.1 s', '2 min 05 s', '-')
    """
    if not isinstance(value, int | float):
        return "-"
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s"


def _clock(value: object) -> str:
    """An ISO time to the second, as people read it.

    >>> _clock("2026-11-20T02:00:03.51234+00:00"), _clock(None)
    ('2026-11-20 02:00:03 +00:00', '-')
    """
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return "-" if value is None else str(value)
    zone = moment.strftime("%z")
    zone = f" {zone[:3]}:{zone[3:]}" if zone else ""
    return moment.strftime("%Y-%m-%d %H:%M:%S") + zone


def _duration_between(started: object, finished: object) -> str:
    """How long from one ISO time to the other.

    >>> _duration_between("2026-11-20T02:00:00+00:00", "2026-11-20T02:03:30+00:00")
    '3 min 30 s'
    """
    try:
        seconds = (
            datetime.fromisoformat(str(finished)) - datetime.fromisoformat(str(started))
        ).total_seconds()
    except (TypeError, ValueError):
        return "-"
    return _seconds(seconds)


# Rendering --------------------------------------------------------------------------------

_ENVIRONMENT: Environment | None = None


def _render(template: str, context: Mapping[str, Any]) -> str:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        # Autoescape everywhere: the templates end in .j2, which select_autoescape would skip.
        _ENVIRONMENT = Environment(
            loader=PackageLoader("pipeline", TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENVIRONMENT.get_template(template).render(**context)


def _write_atomically(text: str, target: StoragePath | Path) -> None:
    """Write ``text`` to ``target`` so that readers see the old file or the whole new one
    (`transforms.storage.publish_atomically`, on local disk and object storage alike)."""
    handle, name = tempfile.mkstemp(prefix="grenzenlos-report-", suffix=".html")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        publish_atomically(Path(name), target)
    finally:
        os.unlink(name)
