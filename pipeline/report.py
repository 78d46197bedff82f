"""Step 8, summary: the run's findings, completeness and prices gathered in one place,
and ``summary.txt``, from whatever the run got to.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.layout import (
    COMPLETENESS,
    GATE_CLOSED,
    INGEST_FINDINGS,
    PRICES,
    VALIDATION_FINDINGS,
    for_people,
)
from schemas.findings import Finding, count, write_findings_csv, write_findings_jsonl
from transforms.storage import ensure_dir

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from transforms.storage import StoragePath


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
    docs = validated.get("data_docs") if validated else None
    if docs is None and (report_dir / "data_docs" / "index.html").exists():
        docs = str(report_dir / "data_docs" / "index.html")  # built before a gate closed
    if docs:
        lines.append(f"data docs: {for_people(docs)}")
    summary = "\n".join(lines) + "\n"
    with (report_dir / "summary.txt").open("w", encoding="utf-8") as stream:
        stream.write(summary)
    return summary, stopped or held_reason


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
