"""Step 8, summary: the run's findings, completeness and prices gathered in one place,
``summary.txt`` and the run record (``run.json``), from whatever the run got to.

`write_run_report` takes which run it is (`RunParams`) and what its tasks returned
(`RunResults`), and goes step by step: how the run ended, the findings, the feeds, the
summary's lines, the record, the page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

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
from pipeline.records import read_manifest
from pipeline.run_report.changes import changes_line, team_files, team_files_line
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
    decode_index,
    encode_record,
)
from pipeline.run_report.sales import sales_line
from pipeline.run_report.steps import read_steps, step_totals
from schemas.findings import Finding, count, write_findings_csv, write_findings_jsonl
from transforms.infra.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from pipeline.records import (
        Extracted,
        MarketBuild,
        PublishedFeed,
        StagedCatalog,
        Translated,
        TranslationReport,
        Validated,
    )
    from pipeline.run_report.record import TeamFile
    from pipeline.run_report.steps import StepRecord
    from transforms.infra.gates import HeldFeeds
    from transforms.infra.storage import StoragePath

LOG = logging.getLogger("grenzenlos")


@dataclass(frozen=True)
class RunParams:
    """Which run this is and how it was asked to run."""

    run_key: str
    """The run's folder name under ``<output>/runs/`` (and its staging area's)."""
    airflow_run_id: str | None = None
    """Airflow's run id, when it differs from ``run_key``."""
    run_day: str | None = None
    mode: str = "full"
    """``full`` or ``delta``."""
    dry_run: bool = False
    """Whether nothing was to be published."""
    started: str | None = None
    """ISO time; else the first step record's."""
    market_codes: Sequence[str] = ()
    """The run's markets (their manifests say what stayed live)."""


@dataclass(frozen=True)
class RunResults:
    """What the run's tasks returned (their XCom), as far as the run got."""

    staged: Extracted | StagedCatalog | None
    """extract's result; None when it did not finish. A run stepped through without
    Airflow may hand over the staged catalog alone (no rates)."""
    validated: Validated | None
    built: Sequence[MarketBuild]
    """Each market's build result, of those that finished."""
    published: Sequence[PublishedFeed] | None
    """The published files; None when publish did not run (or a dry run)."""
    translated: Translated | None = None
    failed: str | None = None
    """Why the run is incomplete as the DAG sees it; named from the step records when
    there are some."""


def run_results(
    staged: Extracted | None,
    validated: Validated | None,
    translated: Translated | None,
    built: Sequence[MarketBuild | None],
    published: Sequence[PublishedFeed] | None,
    *,
    dry_run: bool,
) -> RunResults:
    """What the run's tasks returned, as the summary task receives them, and from that
    whether the run is incomplete: a task before the builds failed (its result is None),
    no market was built or one market's build failed (a None among `built`), or, on a run
    that was to publish, publish failed (so what is live is not what was built).

    >>> run_results({}, {}, {}, [None], None, dry_run=False).failed
    'a task failed before every market was built'
    >>> run_results({}, {}, {}, [{}], None, dry_run=True).failed is None
    True

    Args:
        staged, validated, translated: extract's, validate's and translate's results;
            None when the task failed or did not run.
        built: Each market's build result, by map index; None for a market whose
            build failed.
        published: publish's result; None when it failed, did not run, or on a dry run.
        dry_run: Whether nothing was to be published.
    """
    failed = None
    if None in (staged, validated, translated) or not built or None in built:
        failed = "a task failed before every market was built"
    elif not dry_run and published is None:
        failed = "the publish step failed"
    return RunResults(
        staged=staged,
        validated=validated,
        translated=translated,
        built=[result for result in built if result is not None],
        published=published,
        failed=failed,
    )


@dataclass(frozen=True)
class _Ending:
    """How the run ended: a gate stopped it, the shrink gate held feeds back, a task failed."""

    stopped: str | None
    held_back: HeldFeeds | None
    held_reason: str | None
    failed: str | None
    failed_tasks: list[FailedTask]

    @property
    def status(self) -> str:
        if self.stopped:
            return "stopped"
        if self.failed:
            return "incomplete"
        return "held_back" if self.held_reason else "success"


def write_run_report(
    run: RunParams,
    results: RunResults,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    path_factory: Callable[[str], StoragePath | Path] = Path,
) -> tuple[str, str | None]:
    """Gather the run's findings, completeness and prices, and write ``summary.txt``, the
    run record (``run.json``, added to ``runs/index.json``) and the report page.

    Works on whatever the run got to: a run stopped by a gate still reports
    what it found, and says why it stopped.

    Args:
        run: Which run this is.
        results: What its tasks returned.
        run_dir: The run's staging area (step records, gate verdicts, findings).
        report_dir: ``<output>/runs/<run_key>/``.
        path_factory: Makes a path of a location in the results (``ObjectStoragePath``
            in the DAG).

    Returns:
        The summary text (also in ``summary.txt``) and the reason the run fails:
        why a gate stopped it, which feeds the shrink gate held back (the others
        published), or which task failed; None when none of these.
    """
    ensure_dir(report_dir)
    records = read_steps(run_dir)
    ending = _ending(run_dir, records, results.failed)
    findings = _gather_findings(run_dir, report_dir, results.built, path_factory)
    markets = sorted(results.built, key=lambda r: r["market"])
    _concatenate_csv([path_factory(r["completeness"]) for r in markets], report_dir / COMPLETENESS)
    _concatenate_csv([path_factory(r["prices"]) for r in markets], report_dir / PRICES)
    feeds = _feeds(run, results, ending)
    team = team_files(results.built, report_dir.parent, run.run_key)  # the data team's files
    lines = _summary_lines(run, results, ending, feeds, findings, report_dir, team=team)
    summary = "\n".join(lines) + "\n"
    with (report_dir / "summary.txt").open("w", encoding="utf-8") as stream:
        stream.write(summary)
    record = _run_record(run, results, ending, records, [f for f, _ in feeds], findings, report_dir)
    if team:
        record.team_files = team
    _write_json(report_dir / RUN_RECORD, encode_record(record))
    _index_run(report_dir.parent, record)
    try:
        from pipeline.run_report.render import write_html_report, write_run_index

        write_html_report(report_dir, report_dir.parent)
        write_run_index(report_dir.parent)
    except Exception as error:  # the summary and findings stand without the page
        LOG.exception("The run report (report.html) could not be written: %s", error)
    return summary, ending.stopped or ending.held_reason or ending.failed


def _ending(
    run_dir: StoragePath | Path, records: Sequence[StepRecord], failed: str | None
) -> _Ending:
    """Whether a gate stopped the run, which feeds the shrink gate held back, and which
    tasks failed (from the step records)."""
    from transforms.infra.gates import held_back_reason, read_held_feeds

    failed_tasks = [
        FailedTask(task=r.task, label=r.label, error=r.error)
        for r in sorted(records, key=lambda r: (r.task, r.map_index))
        if r.state == "failed"
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
    return _Ending(stopped, held_back, held_back_reason(held_back), failed, failed_tasks)


def _gather_findings(
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    built: Sequence[Mapping[str, Any]],
    path_factory: Callable[[str], StoragePath | Path],
) -> FindingsCounts:
    """Every finding of the run, ingest's, validation's and each market's, in
    ``findings.jsonl`` and ``findings.csv``; returns how many, by severity."""
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
    return FindingsCounts(total=total, by_severity=by_severity)


def _feeds(run: RunParams, results: RunResults, ending: _Ending) -> list[tuple[FeedEntry, str]]:
    """Each market's feeds, by market, with what became of each, and its summary line."""
    from transforms.infra.gates import describe_fall

    if results.published is not None:
        not_published = "not published"
    else:
        not_published = "not published (dry run)" if run.dry_run else "not published"
    published_by_key: dict[tuple[str, str], list[PublishedFeed]] = {}
    for p in results.published or []:
        published_by_key.setdefault((p["market"], p["channel"]), []).append(p)
    held_by_key = {
        (f["market"], f["channel"]): f for f in (ending.held_back or {"feeds": []})["feeds"]
    }
    feeds = []
    for result in sorted(results.built, key=lambda r: r["market"]):
        for channel, info in result["channels"].items():
            reasons = ", ".join(f"{rule} {count}" for rule, count in info["reasons"].items())
            files = published_by_key.get((result["market"], channel), [])
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
            elif info["withheld"]:
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
                    f" [{result['mode']}: {info['sent']} sent, "
                    f"{info['unchanged']} unchanged, {info['deleted']} deleted]"
                )
            line = (
                f"{result['market']:<3} {channel:<9} {info['listed']:>6} listed, "
                f"{info['set_aside']:>6} set aside"
                + (f" ({reasons})" if reasons else "")
                + delta
                + f" -> {where}"
            )
            if held_feed:
                outcome = "held_back"
            elif files:
                outcome = "published"
            elif info["sent"] == 0 and info["state"] is not None and info["valid"]:
                outcome = "nothing_to_send"
            elif run.dry_run and info["valid"] and not info["withheld"]:
                outcome = "dry_run"
            else:
                outcome = "not_published"
            entry = FeedEntry(
                market=result["market"],
                channel=channel,
                listed=info["listed"],
                set_aside=info["set_aside"],
                reasons=info["reasons"],
                missing=info["missing"],
                products=result["products"],
                sent=info["sent"],
                unchanged=info["unchanged"],
                deleted=info["deleted"],
                delta=info["state"] is not None and result["mode"] == "delta",
                outcome=outcome,
                outcome_text=where,
                files=[f["path"] for f in files],
                sales=info.get("sales"),
                prior_price_corrections=info.get("prior_price_corrections"),
            )
            feeds.append((entry, line))
    return feeds


def _summary_lines(
    run: RunParams,
    results: RunResults,
    ending: _Ending,
    feeds: Sequence[tuple[FeedEntry, str]],
    findings: FindingsCounts,
    report_dir: StoragePath | Path,
    *,
    team: Sequence[TeamFile] = (),
) -> list[str]:
    """``summary.txt``: how the run ended, the catalog, translation, each feed, the team's
    files, the files."""
    lines = [f"grenzenlos run {run.run_key}"]
    if ending.stopped:
        lines.append(f"RUN STOPPED, nothing published: {ending.stopped}")
    elif ending.failed:
        lines.append(
            f"RUN INCOMPLETE: {ending.failed}; feeds not published stay as they were "
            "(see that task's log)"
        )
    if ending.held_reason:
        lines.append(f"FEEDS HELD BACK: {ending.held_reason}")
    staged, validated = results.staged, results.validated
    if staged:
        held = f", {staged['held']} held back" if staged["held"] else ""
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
    if results.translated:
        lines.extend(translation_lines(results.translated["report"]))
    lines.extend(line for _, line in feeds)
    changed = changes_line(report_dir / "findings.jsonl")  # rules and overrides files
    lines.extend([changed] if changed else [])
    read = team_files_line(team)
    lines.extend([read] if read else [])
    sales = sales_line(results.built)
    if sales:
        lines.append(sales)
    lines.append(f"findings ({findings.total}): {for_people(str(report_dir / 'findings.csv'))}")
    lines.append(f"completeness: {for_people(str(report_dir / COMPLETENESS))}")
    lines.append(f"prices, step by step: {for_people(str(report_dir / PRICES))}")
    if (report_dir / VALIDATION_RESULTS).exists():
        lines.append(
            f"catalog rules, one by one: {for_people(str(report_dir / VALIDATION_RESULTS))}"
        )
    lines.append(f"run report: {for_people(str(report_dir / 'report.html'))}")
    return lines


def _run_record(
    run: RunParams,
    results: RunResults,
    ending: _Ending,
    records: Sequence[StepRecord],
    feeds: list[FeedEntry],
    findings: FindingsCounts,
    report_dir: StoragePath | Path,
) -> RunRecord:
    """The run record, ``run.json``."""
    staged, validated, translated = results.staged, results.validated, results.translated
    output_root = report_dir.parent.parent
    codes = sorted(run.market_codes)
    return RunRecord(
        run_id=run.airflow_run_id or run.run_key,
        run_key=run.run_key,
        dag_id="localize_catalog",
        run_day=run.run_day,
        status=ending.status,
        reason=ending.stopped or ending.failed or ending.held_reason,
        failed_tasks=ending.failed_tasks,
        still_live=_still_live(output_root, codes),
        mode=run.mode,
        dry_run=run.dry_run,
        # A run stepped through without Airflow may hand over the staged catalog alone.
        rate_date=staged["rates_day"] if staged is not None and _with_rates(staged) else None,
        started=run.started or min((r.started for r in records if r.started), default=None),
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
        findings=findings,
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
                for code in codes
                if (output_root / code / MANIFEST).exists()
            },
        ),
    )


def _with_rates(staged: Extracted | StagedCatalog) -> TypeGuard[Extracted]:
    """Whether ``staged`` is extract's whole result, not the staged catalog alone."""
    return "rates_day" in staged


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
        data = read_manifest(manifest)
        for feed in data.feeds:
            live.append(
                LiveFeed(
                    market=code,
                    channel=feed.channel,
                    file=feed.file,
                    path=str(output_root / code / feed.file),
                    items=feed.items,
                    run=data.published_by(feed),
                )
            )
    return live


def _index_run(runs_root: StoragePath | Path, record: RunRecord) -> None:
    """Add (or replace) the run in ``runs/index.json``, newest first, and point
    ``runs/LATEST`` at it. An entry of the index that does not read is left out."""
    index_path = runs_root / RUN_INDEX
    entries: list[RunIndexEntry] = []
    if index_path.exists():
        try:
            with index_path.open("r", encoding="utf-8") as stream:
                entries = decode_index(json.load(stream))
        except ValueError:
            entries = []
    run_key = str(record.run_key)  # write_run_report sets it
    entries = [e for e in entries if e.run_key != run_key]
    entries.append(
        RunIndexEntry(
            run_key=run_key,
            run_id=record.run_id,
            status=record.status,
            started=record.started,
            finished=record.finished,
        )
    )
    entries.sort(key=lambda e: e.started or e.finished or "", reverse=True)
    _write_json(index_path, msgspec.to_builtins(entries))
    with (runs_root / LATEST_RUN).open("w", encoding="utf-8") as stream:
        stream.write(f"{entries[0].run_key}\n")


def translation_lines(report: TranslationReport) -> list[str]:
    """The translation part of the run summary, one line per target language."""
    lines = []
    if report["stopped"]:
        lines.append(f"translation: DeepL calls stopped: {report['stopped']}")
    elif not report["deepl_key"]:
        lines.append("translation: no DeepL key, memory only (texts it lacks are pending)")
    for target, lang in report["languages"].items():
        retries = f", {lang['retries']} retries" if lang["retries"] else ""
        lines.append(
            f"translation {target:<7} {lang['segments']:>6} texts: {lang['human']} human, "
            f"{lang['memory']} from memory, {lang['deepl']} by DeepL, {lang['pending']} pending, "
            f"{lang['flagged']} held back by QA; hit rate {lang['hit_rate']:.1%}; "
            f"{lang['characters_sent']} characters sent, {lang['characters_billed']} billed, "
            f"about {lang['estimated_cost']} {report['currency']}{retries}"
        )
        if lang["stopped"]:
            lines.append(f"translation {target:<7} stopped: {lang['stopped']}")
    for warning in report["warnings"]:
        lines.append(f"translation: {warning}")
    for target, path in report["review_files"].items():
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
