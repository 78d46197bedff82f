"""Step 8, summary: the run's findings, completeness and prices gathered in one place,
and ``summary.txt``, from whatever the run got to.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from pipeline.layout import (
    COMPLETENESS,
    GATE_CLOSED,
    INGEST_FINDINGS,
    LATEST_RUN,
    MANIFEST,
    PRICES,
    RUN_INDEX,
    RUN_RECORD,
    TRANSLATION_REPORT,
    VALIDATION_FINDINGS,
    VALIDATION_RESULTS,
    for_people,
)
from pipeline.run_report.record import (
    CatalogCounts,
    FailedTask,
    FeedEntry,
    FindingsCounts,
    LiveFeed,
    RunFiles,
    RunIndexEntry,
    RunRecord,
    TranslationFigures,
    ValidationCounts,
    encode_record,
)
from pipeline.run_report.steps import read_steps, step_totals
from schemas.findings import Finding, count, write_findings_csv, write_findings_jsonl
from transforms.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from transforms.storage import StoragePath

LOG = logging.getLogger("grenzenlos")


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
    airflow_run_id: str | None = None,
    run_day: str | None = None,
    mode: str = "full",
    started: str | None = None,
    market_codes: Sequence[str] | None = None,
) -> tuple[str, str | None]:
    """Gather the run's findings and completeness and write the summary.

    Works on whatever the run got to: a run stopped by a gate still reports
    what it found, and says why it stopped.

    Returns:
        The summary text (also in ``summary.txt``) and the reason the run fails:
        why a gate stopped it, which feeds the shrink gate held back (the others
        published), or which task failed (``failed``, named from the step records
        when there are some); None when none of these.
    """
    from transforms.gates import describe_fall, held_back_reason, read_held_feeds

    ensure_dir(report_dir)
    records = read_steps(run_dir)
    failed_tasks = [
        FailedTask(task=r["task"], label=r.get("label"), error=r.get("error"))
        for r in sorted(records, key=lambda r: (r["task"], r["map_index"]))
        if r.get("state") == "failed"
    ]
    if failed and failed_tasks:
        failed = "; ".join(
            f"the task {t.task}" + (f" ({t.label})" if t.label else "") + f" failed: {t.error}"
            for t in failed_tasks
        )
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

    by_severity: dict[str, int] = {}

    def all_findings(counted: bool = False) -> Iterator[Finding]:
        for source in sources:
            with source.open("r", encoding="utf-8") as stream:
                for line in stream:
                    finding = Finding.from_json(line)
                    if counted:
                        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
                    yield finding

    with (report_dir / "findings.jsonl").open("w", encoding="utf-8") as stream:
        total = write_findings_jsonl(all_findings(counted=True), stream)
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
            f"RUN INCOMPLETE: {failed}; feeds not published stay as they were (see that task's log)"
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
    feed_lines: dict[tuple[str, str], str] = {}
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
                where = for_people(files[0]["path"])
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
            feed_lines[(result["market"], channel)] = where
            lines.append(
                f"{result['market']:<3} {channel:<9} {info['listed']:>6} listed, "
                f"{info['set_aside']:>6} set aside"
                + (f" ({reasons})" if reasons else "")
                + delta
                + f" -> {where}"
            )
    lines.append(f"findings ({total}): {for_people(str(report_dir / 'findings.csv'))}")
    lines.append(f"completeness: {for_people(str(report_dir / COMPLETENESS))}")
    lines.append(f"prices, step by step: {for_people(str(report_dir / PRICES))}")
    if (report_dir / VALIDATION_RESULTS).exists():
        lines.append(
            f"catalog rules, one by one: {for_people(str(report_dir / VALIDATION_RESULTS))}"
        )
    lines.append(f"run report: {for_people(str(report_dir / 'report.html'))}")
    summary = "\n".join(lines) + "\n"
    with (report_dir / "summary.txt").open("w", encoding="utf-8") as stream:
        stream.write(summary)
    feeds = []
    for result in markets:
        for channel, info in result["channels"].items():
            files = published_by_key.get((result["market"], channel), [])
            if (result["market"], channel) in held_by_key:
                outcome = "held_back"
            elif files:
                outcome = "published"
            elif info["sent"] == 0 and info["state"] is not None and info["valid"]:
                outcome = "nothing_to_send"
            elif dry_run and info["valid"] and not info.get("withheld"):
                outcome = "dry_run"
            else:
                outcome = "not_published"
            feeds.append(
                FeedEntry(
                    market=result["market"],
                    channel=channel,
                    listed=info["listed"],
                    set_aside=info["set_aside"],
                    reasons=info["reasons"],
                    missing=info.get("missing") or {},
                    products=result["products"],
                    sent=info["sent"],
                    unchanged=info["unchanged"],
                    deleted=info["deleted"],
                    delta=info["state"] is not None and result.get("mode") == "delta",
                    outcome=outcome,
                    outcome_text=feed_lines.get((result["market"], channel), ""),
                    files=[f["path"] for f in files],
                )
            )
    status = (
        "stopped"
        if stopped
        else "incomplete"
        if failed
        else "held_back"
        if held_reason
        else "success"
    )
    output_root = report_dir.parent.parent
    record = RunRecord(
        run_id=airflow_run_id or run_id,
        run_key=run_id,
        dag_id="localize_catalog",
        run_day=run_day,
        status=status,
        reason=stopped or failed or held_reason,
        failed_tasks=failed_tasks,
        still_live=_still_live(output_root, sorted(market_codes or [])),
        mode=mode,
        dry_run=dry_run,
        rate_date=(staged or {}).get("rates_day"),
        started=started or min((r["started"] for r in records if r.get("started")), default=None),
        finished=datetime.now().astimezone().isoformat(timespec="seconds"),
        steps=step_totals(records),
        catalog=(
            CatalogCounts(
                products=staged["products"],
                rejected_rows=staged["rejected_rows"],
                held=staged["held"],
            )
            if staged
            else None
        ),
        validation=(
            ValidationCounts(
                quarantined=validated["quarantined"],
                warnings=validated["warnings"],
                failed_expectations=validated["failed_expectations"],
                expectations=validated["expectations"],
            )
            if validated
            else None
        ),
        # The translation step's report, kept whole: every field it writes is in the type.
        translation=(
            msgspec.convert(translated["report"], TranslationFigures) if translated else None
        ),
        feeds=feeds,
        findings=FindingsCounts(total=total, by_severity=by_severity),
        files=RunFiles(
            summary=str(report_dir / "summary.txt"),
            findings_csv=str(report_dir / "findings.csv"),
            findings_jsonl=str(report_dir / "findings.jsonl"),
            completeness=str(report_dir / COMPLETENESS),
            prices=str(report_dir / PRICES),
            translation=_if_exists(report_dir / TRANSLATION_REPORT),
            validation=_if_exists(report_dir / VALIDATION_RESULTS),
            manifests={
                code: str(output_root / code / MANIFEST)
                for code in sorted(market_codes or [])
                if (output_root / code / MANIFEST).exists()
            },
        ),
    )
    _write_json(report_dir / RUN_RECORD, encode_record(record))
    _index_run(report_dir.parent, record)
    try:
        from pipeline.run_report.render import write_html_report, write_run_index

        write_html_report(report_dir, report_dir.parent)
        write_run_index(report_dir.parent)
    except Exception as error:  # the summary and findings stand without the page
        LOG.exception("The run report (report.html) could not be written: %s", error)
    return summary, stopped or held_reason or failed


def _if_exists(path: StoragePath | Path) -> str | None:
    return str(path) if path.exists() else None


def _write_json(path: StoragePath | Path, data: Any) -> None:
    with path.open("w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=1, sort_keys=True, default=str)
        stream.write("\n")


def _still_live(output_root: StoragePath | Path, codes: Sequence[str]) -> list[LiveFeed]:
    """The live feeds of the run's markets after it, from their manifests."""
    live = []
    for code in codes:
        manifest = output_root / code / MANIFEST
        if not manifest.exists():
            continue
        with manifest.open("r", encoding="utf-8") as stream:
            data = json.load(stream)
        for feed in data.get("feeds", []):
            live.append(
                LiveFeed(
                    market=code,
                    channel=feed.get("channel"),
                    file=feed["file"],
                    path=str(output_root / code / feed["file"]),
                    items=feed.get("items"),
                    run=feed.get("run", data.get("run")),
                )
            )
    return live


def _index_run(runs_root: StoragePath | Path, record: RunRecord) -> None:
    """Add (or replace) the run in ``runs/index.json``, newest first, and point
    ``runs/LATEST`` at it."""
    index_path = runs_root / RUN_INDEX
    entries: list[dict[str, Any]] = []
    if index_path.exists():
        try:
            with index_path.open("r", encoding="utf-8") as stream:
                entries = list(json.load(stream))
        except ValueError:
            entries = []
    run_key = str(record.run_key)  # write_run_report sets it
    entries = [e for e in entries if e.get("run_key") != run_key]
    entry = RunIndexEntry(
        run_key=run_key,
        run_id=record.run_id,
        status=record.status,
        started=record.started,
        finished=record.finished,
    )
    entries.append(msgspec.to_builtins(entry))
    entries.sort(key=lambda e: str(e.get("started") or e.get("finished") or ""), reverse=True)
    _write_json(index_path, entries)
    with (runs_root / LATEST_RUN).open("w", encoding="utf-8") as stream:
        stream.write(f"{entries[0]['run_key']}\n")


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
        lines.append(f"review {target}: {for_people(path)}")
    return lines


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
