"""The ``deliver_feeds`` DAG's steps: which published files to deliver, delivering one
(once: `pipeline.delivery.records`), and bringing the marketplaces' answers back into the
run that published the files.

Where the answers go, in the publishing run's report folder ``<output>/runs/<run>/``::

    delivery.json                one entry per delivered file: verdict, counts, reference
    findings.jsonl|csv           the marketplaces' issues added (stage ``marketplace``)
    run.json, report.html        the delivery section and the new finding counts
    summary.txt                  one line per delivered file after the run's own lines

and beside the live feeds, ``<output>/<market>/<channel>.refused.json``: the skus a
marketplace refused, which the next run sends again even when they did not change.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

import msgspec

from pipeline.delivery.records import (
    DeliveryLine,
    DeliveryRecord,
    DeliveryResult,
    FeedEventExtra,
    IssueLine,
    PlannedFeed,
    now,
    read_record,
    record_path,
    write_record,
)
from pipeline.layout import MANIFEST, REFUSED_SUFFIX, RUN_RECORD, read_refused
from pipeline.records import as_record, read_manifest, read_staged
from pipeline.run_report.record import (
    DeliveryEntry,
    FindingsCounts,
    decode_record,
    encode_record,
)
from schemas.findings import Finding, write_findings_csv, write_findings_jsonl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from pipeline.delivery.outcome import DeliveryOutcome
    from pipeline.delivery.records import DeliveryStatus, TriggeringEvent
    from schemas.config.pipeline import PipelineConfig
    from transforms.infra.storage import StoragePath

    Send = Callable[
        [StoragePath | Path, dict[str, Any] | None, Callable[[dict[str, Any]], None]],
        DeliveryOutcome,
    ]
    """Sends one file: (its path, the progress an earlier try recorded, a callback that
    records progress) -> what the marketplace said."""

LOG = logging.getLogger(__name__)

DELIVERY = "delivery.json"
"""In a run's report folder: what became of each of its files at the marketplaces."""
_SUMMARY_MARK = "delivered to the marketplaces:"


def delivered_channels(config: PipelineConfig) -> set[str]:
    """Channels whose feeds ``deliver_feeds`` sends or checks."""
    return {
        name
        for name, channel in config.channels.items()
        if channel.delivery is not None or channel.public_url
    }


def plan_deliveries(
    config: PipelineConfig,
    output_root: StoragePath | Path,
    *,
    events: Sequence[TriggeringEvent] = (),
    markets: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
) -> list[PlannedFeed]:
    """The live files to deliver, read from the markets' live manifests so that what is
    delivered is what is live.

    Args:
        config: The pipeline configuration (which channels deliver how).
        output_root: Where the live feeds are.
        events: The Asset events that triggered the run: only the files they name, in
            the markets they name. Empty: ``markets``.
        markets: For a run by hand: these markets (None: every configured one).
        channels: Only these channels (None: every channel that delivers).
    """
    wanted = delivered_channels(config)
    if channels:
        unknown = sorted(set(channels) - set(config.channels))
        if unknown:
            raise ValueError(f"no such channel in the configuration: {', '.join(unknown)}")
        wanted &= set(channels)
    files: dict[str, set[str]] | None = None
    if events:
        files = {}
        for event in events:
            uri = event["uri"]
            extra = as_record(event["extra"], FeedEventExtra, f"the Asset event of {uri}")
            market = extra.market or uri.rstrip("/").rsplit("/", 2)[-2]
            files.setdefault(market, set()).add(extra.file or uri.rsplit("/", 1)[-1])
        codes = sorted(files)
    else:
        codes = sorted(markets) if markets else sorted(config.markets)
    unknown = sorted(set(codes) - set(config.markets))
    if unknown:
        raise ValueError(f"no such market in the configuration: {', '.join(unknown)}")
    plan: list[PlannedFeed] = []
    for code in codes:
        manifest_path = output_root / code / MANIFEST
        if not manifest_path.exists():
            continue  # nothing published there yet
        manifest = read_manifest(manifest_path)
        for entry in manifest.feeds:
            if entry.channel not in wanted:
                continue
            if entry.channel not in config.markets[code].channels:
                continue
            if files is not None and entry.file not in files[code]:
                continue
            plan.append(
                PlannedFeed(
                    market=code,
                    channel=entry.channel,
                    file=entry.file,
                    path=str(output_root / code / entry.file),
                    sha256=entry.sha256,
                    items=entry.items,
                    run=manifest.published_by(entry),
                    label=f"{code} {entry.file}",
                )
            )
    return plan


def file_sha256(path: StoragePath | Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def deliver_feed(
    feed: PlannedFeed,
    output_root: StoragePath | Path,
    send: Send,
    path_factory: Any,
    *,
    dry_run: bool = False,
) -> DeliveryResult:
    """Deliver one live file once.

    A file whose record says it was delivered is not sent again; a delivery that an
    earlier try started resumes from its recorded progress (Amazon polls the feed it
    created; eBay skips the calls that finished). A file that no longer has the sha256
    its manifest gave (a later run replaced it) is not sent: that run's delivery sends
    the new one. Delivery reads the file and never changes it.

    Returns:
        The feed with its ``status`` (``delivered``, ``already_delivered``, ``dry_run``,
        ``superseded``), its ``record`` and, when sent, the marketplace's answer.
    """
    where = record_path(output_root, feed["market"], feed["channel"], feed["file"], feed["sha256"])
    record = read_record(where)
    done = record.done() if record is not None else None
    if done is not None:
        return delivery_result(feed, "already_delivered", str(where), done)
    path = path_factory(feed["path"])
    if not path.exists() or file_sha256(path) != feed["sha256"]:
        reason = (
            f"{feed['file']} changed since it was published (a later run replaced it); "
            "that run's delivery sends it"
        )
        return delivery_result(feed, "superseded", str(where), reason)
    if dry_run:
        return delivery_result(feed, "dry_run", str(where), f"{feed['file']} would be sent")
    if record is None:
        record = DeliveryRecord(
            market=feed["market"],
            channel=feed["channel"],
            file=feed["file"],
            sha256=feed["sha256"],
            run=feed["run"],
            started=now(),
        )
    record.status = "submitted"
    write_record(where, record)

    def checkpoint(progress: dict[str, Any]) -> None:
        record.progress = {**(record.resume_from() or {}), **progress}
        write_record(where, record)

    outcome = send(path, record.resume_from(), checkpoint)
    record.status, record.outcome, record.finished = "done", outcome, now()
    write_record(where, record)
    return delivery_result(feed, "delivered", str(where), outcome)


def not_configured(feed: PlannedFeed, reason: str) -> DeliveryResult:
    """The result of a file whose channel has no connection on this installation (and is
    not ``delivery.required``): nothing was sent, and that is no failure.

    >>> feed = PlannedFeed(market="DE", channel="amazon", file="amazon-0001.json",
    ...     path="", sha256="", items=67, run="", label="")
    >>> print(describe_delivery(not_configured(feed,
    ...     "the Airflow connection 'amazon_sp_api' is not defined")))
    ... # doctest: +NORMALIZE_WHITESPACE
    DE  amazon    amazon-0001.json: not configured: the Airflow connection 'amazon_sp_api'
    is not defined
    """
    return delivery_result(feed, "not_configured", None, reason)


def delivery_result(
    feed: PlannedFeed,
    status: DeliveryStatus,
    record: str | None,
    answer: DeliveryOutcome | str,
) -> DeliveryResult:
    """``feed``'s result: with the marketplace's ``answer`` when it was sent, else with
    why it was not."""
    if isinstance(answer, str):
        return DeliveryResult(
            **feed,
            status=status,
            record=record,
            detail=answer,
            verdict=None,
            reference=None,
            sent=0,
            accepted=0,
            refused=0,
            errors=0,
            warnings=0,
            states={},
            top_issues=[],
        )
    return DeliveryResult(
        **feed,
        status=status,
        record=record,
        detail=answer.detail,
        verdict=answer.verdict,
        reference=answer.reference,
        sent=answer.sent,
        accepted=answer.accepted,
        refused=len(answer.refused_skus),
        errors=sum(1 for i in answer.issues if i.severity == "error"),
        warnings=sum(1 for i in answer.issues if i.severity == "warning"),
        states=dict(answer.states),
        top_issues=[
            IssueLine(code=i.code, description=i.description, products=i.products)
            for i in answer.top_issues
        ],
    )


_VERDICT_WORDS = {
    "accepted": "accepted",
    "accepted_with_warnings": "accepted with warnings",
    "refused": "REFUSED in part or whole",
    "uploaded": "uploaded",
    "served": "served at its URL",
}


def describe_delivery(result: DeliveryResult) -> str:
    """One summary line for a delivered (or not delivered) file.

    >>> feed = PlannedFeed(market="DE", channel="amazon", file="amazon-0001.json",
    ...     path="", sha256="", items=67, run="", label="")
    >>> print(describe_delivery(DeliveryResult(**feed, status="delivered", record="",
    ...     detail="", verdict="refused", reference="50014", sent=67, accepted=65,
    ...     refused=2, errors=2, warnings=1, states={}, top_issues=[])))
    ... # doctest: +NORMALIZE_WHITESPACE
    DE  amazon    amazon-0001.json: REFUSED in part or whole
    (67 sent, 65 accepted, 2 refused, 1 warning) [50014]
    """
    head = f"{result['market']:<3} {result['channel']:<9} {result['file']}: "
    status, verdict = result["status"], result["verdict"]
    if status == "failed":
        return head + f"NOT DELIVERED: {result['detail']}"
    if status == "not_configured":
        return head + f"not configured: {result['detail']}"
    if status in ("dry_run", "superseded") or verdict is None:
        return head + f"not sent: {result['detail']}"
    words = _VERDICT_WORDS[verdict]
    if status == "already_delivered":
        words += ", delivered before: not sent again"
    counts = f"{result['sent']} sent"
    if verdict not in ("uploaded", "served"):
        counts += f", {result['accepted']} accepted, {result['refused']} refused"
    warnings = result["warnings"]
    if warnings:
        counts += f", {warnings} warning" + ("s" if warnings != 1 else "")
    states = result.get("states")
    if states:
        counts += "; " + ", ".join(f"{n} {state}" for state, n in states.items())
    reference = f" [{result['reference']}]" if result["reference"] else ""
    return f"{head}{words} ({counts}){reference}"


def marketplace_findings(record: DeliveryRecord, outcome: DeliveryOutcome) -> list[Finding]:
    """The marketplace's issues in a done record, as findings of stage ``marketplace``."""
    return [
        Finding(
            stage="marketplace",
            severity=issue.severity,
            sku=issue.sku,
            field=issue.field or "",
            rule=str(issue.code),
            message=issue.message,
            market=record.market,
            channel=record.channel,
        )
        for issue in outcome.issues
    ]


def report_deliveries(
    plan: Sequence[PlannedFeed],
    results: Iterable[DeliveryResult | None],
    output_root: StoragePath | Path,
    path_factory: Any,
) -> tuple[str, list[str]]:
    """Bring the answers back: into each publishing run's report folder (see the module's
    docstring) and, for refused skus, into ``<channel>.refused.json`` beside the feeds.

    Args:
        plan: What `plan_deliveries` returned.
        results: `deliver_feed`'s results as far as they exist, in any order (None for a
            deliver task that failed); a planned file without one was not delivered.
        output_root: Where the live feeds and ``runs/`` are.
        path_factory: Turns a record's path string back into a path.

    Returns:
        The delivery summary (one line per file) and the files not delivered.
    """
    # Matched by market and file, not by position: Airflow reads a mapped task's
    # results by offset among those that exist, so a failed one shifts the rest.
    by_file = {(r["market"], r["file"]): r for r in results if r is not None}
    done: list[DeliveryResult] = []
    failed: list[str] = []
    for feed in plan:
        key = (feed["market"], feed["file"])
        if key in by_file:
            done.append(by_file[key])
            continue
        where = record_path(
            output_root, feed["market"], feed["channel"], feed["file"], feed["sha256"]
        )
        record = read_record(where)
        detail = "its deliver task failed (see that task's log)"
        if record is not None and record.resume_from():
            detail += "; the next delivery resumes where it stopped"
        done.append(delivery_result(feed, "failed", None, detail))
        failed.append(f"{feed['market']} {feed['file']}")
    lines = [describe_delivery(r) for r in done]
    by_run: dict[str, list[DeliveryResult]] = {}
    for result in done:
        if result["run"]:
            by_run.setdefault(result["run"], []).append(result)
    refused: dict[tuple[str, str], set[str]] = {}
    for run, results_of_run in by_run.items():
        findings: list[Finding] = []
        for result in results_of_run:
            where_recorded = result["record"]
            record = read_record(path_factory(where_recorded)) if where_recorded else None
            outcome = record.done() if record is not None else None
            if record is None or outcome is None:
                continue
            findings.extend(marketplace_findings(record, outcome))
            if outcome.refused_skus and result["status"] == "delivered":
                refused.setdefault((result["market"], result["channel"]), set()).update(
                    outcome.refused_skus
                )
        _add_to_run(output_root / "runs" / run, results_of_run, findings)
    for (market, channel), skus in refused.items():
        _mark_refused(output_root / market / f"{channel}{REFUSED_SUFFIX}", skus)
    return "\n".join([_SUMMARY_MARK, *lines]) + "\n", failed


def delivery_line(result: DeliveryResult) -> DeliveryLine:
    """``result`` as its run's ``delivery.json`` keeps it: without its live path and
    label, the marketplace's figures only when it answered, and its summary line."""
    line = DeliveryLine(
        market=result["market"],
        channel=result["channel"],
        file=result["file"],
        status=result["status"],
        line=describe_delivery(result),
        sha256=result["sha256"],
        items=result["items"],
        run=result["run"],
        detail=result["detail"],
    )
    if result["record"] is not None:
        line["record"] = result["record"]
    if result["verdict"] is not None:
        line["verdict"] = result["verdict"]
        line["reference"] = result["reference"]
        line["sent"] = result["sent"]
        line["accepted"] = result["accepted"]
        line["refused"] = result["refused"]
        line["errors"] = result["errors"]
        line["warnings"] = result["warnings"]
        if result.get("states"):  # a result from before states were kept has none
            line["states"] = result["states"]
        if result.get("top_issues"):
            line["top_issues"] = result["top_issues"]
    return line


def _mark_refused(path: StoragePath | Path, skus: Iterable[str]) -> None:
    known: set[str] = set(read_refused(path))
    with path.open("w", encoding="utf-8") as stream:
        json.dump(sorted(known | set(skus)), stream, indent=0)
        stream.write("\n")


def _add_to_run(
    report_dir: StoragePath | Path,
    results: Sequence[DeliveryResult],
    findings: Sequence[Finding],
) -> None:
    """Merge this delivery into a run's report folder; a second delivery of the same
    files replaces their entries and findings instead of adding them twice."""
    if not (report_dir / RUN_RECORD).exists():
        return  # the run's report is gone (cleaned up): nothing to add to
    keys = {(r["market"], r["file"]) for r in results}
    channels = {(r["market"], r["channel"]) for r in results}
    entries: list[DeliveryLine] = []
    if (report_dir / DELIVERY).exists():
        earlier = read_staged(report_dir / DELIVERY, list[DeliveryLine])
        entries = [e for e in earlier if (e["market"], e["file"]) not in keys]
    entries += [delivery_line(r) for r in results]
    entries.sort(key=lambda e: (e["market"], e["channel"], e["file"]))
    with (report_dir / DELIVERY).open("w", encoding="utf-8") as stream:
        json.dump(entries, stream, indent=1, sort_keys=True)
        stream.write("\n")

    kept: list[Finding] = []
    jsonl = report_dir / "findings.jsonl"
    if jsonl.exists():
        with jsonl.open("r", encoding="utf-8") as stream:
            for line in stream:
                finding = Finding.from_json(line)
                if finding.stage == "marketplace" and (finding.market, finding.channel) in channels:
                    continue  # this delivery's answer replaces the last one for the channel
                kept.append(finding)
    every = kept + list(findings)
    with jsonl.open("w", encoding="utf-8") as stream:
        write_findings_jsonl(every, stream)
    with (report_dir / "findings.csv").open("w", encoding="utf-8", newline="") as stream:
        write_findings_csv(every, stream)

    with (report_dir / RUN_RECORD).open("r", encoding="utf-8") as stream:
        try:
            run = decode_record(json.load(stream))
        except ValueError:
            run = None
    if run is None:  # the page names it too; the delivery's own files above stand
        LOG.warning("%s is not a run record: the delivery is not added to it", report_dir)
    else:
        by_severity: Counter[str] = Counter(finding.severity for finding in every)
        run.findings = FindingsCounts(total=len(every), by_severity=dict(by_severity))
        run.delivery = [msgspec.convert(entry, DeliveryEntry) for entry in entries]
        with (report_dir / RUN_RECORD).open("w", encoding="utf-8") as stream:
            json.dump(encode_record(run), stream, indent=1, sort_keys=True)
            stream.write("\n")

    summary = report_dir / "summary.txt"
    if summary.exists():
        with summary.open("r", encoding="utf-8") as stream:
            text = stream.read()
        own = text.split(_SUMMARY_MARK, 1)[0].rstrip("\n")
        lines = [e["line"] for e in entries]
        with summary.open("w", encoding="utf-8") as stream:
            stream.write("\n".join([own, _SUMMARY_MARK, *lines]) + "\n")
    try:
        from pipeline.run_report.render import write_html_report

        write_html_report(report_dir, report_dir.parent)
    except Exception as error:  # the files above stand without the page
        LOG.exception("report.html not rewritten: %s", error)
