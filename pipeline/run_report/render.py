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
is fetched from anywhere; the charts are SVG (`pipeline.run_report.charts`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from pipeline.layout import COMPLETENESS, RUN_INDEX, RUN_RECORD, VALIDATION_RESULTS
from pipeline.run_report.categories import read_category_gaps
from pipeline.run_report.changes import changes_view
from pipeline.run_report.formatting import clock, duration_between
from pipeline.run_report.links import RunLinks
from pipeline.run_report.prices import price_changes
from pipeline.run_report.record import decode_index
from pipeline.run_report.run_files import (
    FINDINGS_JSONL,
    earlier_records,
    read_completeness,
    read_findings,
    read_json,
    read_record,
)
from pipeline.run_report.sales import sales_view
from pipeline.run_report.view import INDEX_PAGE, STATUS_TEXT, report_context
from transforms.infra.storage import publish_atomically

if TYPE_CHECKING:
    from collections.abc import Mapping

    from transforms.infra.storage import StoragePath

REPORT_PAGE = "report.html"
TEMPLATES = "templates"
"""The pages' templates, package data of `pipeline.run_report`: Jinja's `PackageLoader` finds
them through the package's import spec, in the source tree as in an installed wheel."""


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
    record = read_record(report_dir / RUN_RECORD)
    if record is None:
        raise ValueError(f"{report_dir / RUN_RECORD} is missing or is not a run record")
    output_root = runs_root.parent
    links = RunLinks(report_dir, output_root)
    earlier, unreadable = earlier_records(runs_root, record)
    context = report_context(
        record,
        earlier,
        completeness=read_completeness(report_dir / COMPLETENESS),
        findings=read_findings(report_dir / FINDINGS_JSONL),
        prices=price_changes(report_dir, runs_root, earlier),
        links=links,
    )
    context["unreadable_runs"] = unreadable
    context["catalog_rules"] = _catalog_rules(report_dir / VALIDATION_RESULTS)
    context["category_gaps"] = read_category_gaps(report_dir)
    context["team_changes"] = changes_view(report_dir / FINDINGS_JSONL, record.team_files or ())
    context["sales"] = sales_view(record, report_dir / FINDINGS_JSONL)
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
    runs = [
        {
            "run_key": entry.run_key,
            "run_id": entry.run_id or entry.run_key,
            "status": entry.status or "unknown",
            "status_text": STATUS_TEXT.get(entry.status or "", "Unknown"),
            "started": clock(entry.started),
            "finished": clock(entry.finished),
            "duration": duration_between(entry.started, entry.finished),
            "href": quote(entry.run_key) + "/" + REPORT_PAGE,
        }
        for entry in decode_index(read_json(runs_root / RUN_INDEX))
    ]
    target = runs_root / INDEX_PAGE
    _write_atomically(_render("index.html.j2", {"runs": runs}), target)
    return target


_ENVIRONMENT: Environment | None = None


def _render(template: str, context: Mapping[str, Any]) -> str:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        # Autoescape everywhere: the templates end in .j2, which select_autoescape would skip.
        _ENVIRONMENT = Environment(
            loader=PackageLoader("pipeline.run_report", TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENVIRONMENT.get_template(template).render(**context)


def _write_atomically(text: str, target: StoragePath | Path) -> None:
    """Write ``text`` to ``target`` so that readers see the old file or the whole new one
    (`transforms.infra.storage.publish_atomically`, on local disk and object storage alike)."""
    handle, name = tempfile.mkstemp(prefix="grenzenlos-report-", suffix=".html")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        publish_atomically(Path(name), target)
    finally:
        os.unlink(name)
