"""A ``JSON_LISTINGS_FEED``'s processing report: downloaded and checked, its issues by
sku, and the verdict on the feed."""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import jsonschema_rs

from pipeline.delivery.amazon_feeds.client import FEEDS_API
from pipeline.delivery.outcome import DeliveryError, DeliveryOutcome, MarketplaceIssue

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pipeline.delivery.amazon_feeds.client import FeedsClient

log = logging.getLogger(__name__)


def report_issues(report: Mapping[str, Any], skus: Mapping[int, str]) -> list[MarketplaceIssue]:
    """The errors and warnings of a ``JSON_LISTINGS_FEED`` processing report, by sku.

    ``INFO`` issues are left out. An issue names its sku through its ``messageId`` (the
    report's own ``sku`` when the id is not in ``skus``); one without ``messageId`` is
    about the whole feed (``sku`` None). The attributes come from ``attributeNames``
    (the Listings Items API's form) or ``attributeName`` (the report schema v2's).

    Args:
        report: A processing report (listings-feed-processing-report-schema-v2).
        skus: Each message's sku by its ``messageId``, from the feed that was sent.

    Returns:
        One issue per reported error or warning, in the report's order.

    >>> report = {"issues": [
    ...     {"messageId": 2, "code": "90220", "severity": "ERROR",
    ...      "message": "'[batteries_required]' is required but not supplied.",
    ...      "attributeNames": ["batteries_required"]},
    ...     {"severity": "WARNING", "message": "The header names no issueLocale."},
    ...     {"messageId": 1, "severity": "INFO", "message": "Noted."}]}
    >>> for issue in report_issues(report, {1: "GL-1001", 2: "GL-1002"}):
    ...     print(issue.sku, issue.severity, repr(issue.code), repr(issue.field))
    GL-1002 error '90220' 'batteries_required'
    None warning '' ''
    """
    issues: list[MarketplaceIssue] = []
    for entry in report.get("issues") or []:
        if not isinstance(entry, dict):
            continue
        severity = {"ERROR": "error", "WARNING": "warning"}.get(str(entry.get("severity")))
        if severity is None:
            continue
        message_id = entry.get("messageId")
        sku = None if message_id is None else skus.get(message_id, entry.get("sku"))
        names = entry.get("attributeNames")
        if isinstance(names, list):
            field = ", ".join(str(name) for name in names)
        else:
            field = str(entry.get("attributeName") or "")
        issues.append(
            MarketplaceIssue(
                sku=sku,
                severity="error" if severity == "error" else "warning",
                code=str(entry.get("code") or ""),
                field=field,
                message=str(entry.get("message", "")),
            )
        )
    return issues


def processing_report(
    client: FeedsClient,
    document_id: str,
    feed_id: str,
    schema: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Download, decompress, parse and check a feed's processing report."""
    document = client.call(
        "getFeedDocument", "GET", f"{FEEDS_API}/documents/{quote(document_id, safe='')}"
    )
    what = f"the processing report of feed {feed_id}"
    response = client.transfer(f"the download of {what}", "GET", str(document["url"]))
    body = response.content
    # Only gzip bytes are unpacked: with Content-Encoding gzip on the URL (Amazon's
    # enableContentEncodingUrlHeader), requests has already done it.
    if document.get("compressionAlgorithm") == "GZIP" and body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:
            raise DeliveryError(f"{what.capitalize()} is not valid gzip: {exc}.") from None
    try:
        report = json.loads(body)
    except ValueError as exc:
        raise DeliveryError(f"{what.capitalize()} is not JSON: {exc}.") from None
    if schema is not None:
        validator = jsonschema_rs.validator_for(dict(schema), offline=True)
        error = next(validator.iter_errors(report), None)
        if error is not None:
            where = "/".join(str(part) for part in error.instance_path)
            raise DeliveryError(
                f"{what.capitalize()} does not match the report schema at /{where}: "
                f"{error.message}."
            )
    elif not (
        isinstance(report, dict)
        and isinstance(report.get("header"), dict)
        and isinstance(report.get("issues"), list)
        and isinstance(report.get("summary"), dict)
    ):
        raise DeliveryError(f"{what.capitalize()} lacks its header, issues or summary.")
    if not isinstance(report, dict):
        raise DeliveryError(f"{what.capitalize()} is not a JSON object.")
    log.info("Read %s: %d issues.", what, len(report.get("issues") or []))
    return report


def feed_outcome(
    feed_id: str,
    status: str,
    report: Mapping[str, Any] | None,
    skus: Mapping[int, str],
    sent: int,
) -> DeliveryOutcome:
    """The verdict on a processed feed."""
    issues = report_issues(report, skus) if report is not None else []
    every_sku = list(dict.fromkeys(skus.values()))
    errors = [issue for issue in issues if issue.severity == "error"]
    warnings = len(issues) - len(errors)
    if status == "CANCELLED":
        issues.append(
            MarketplaceIssue(
                None, "error", "CANCELLED", "", f"Amazon cancelled feed {feed_id} unprocessed."
            )
        )
        detail = (
            f"Amazon cancelled feed {feed_id} before processing it: "
            f"all {_count(sent, 'message')} count as refused."
        )
        return DeliveryOutcome("refused", detail, feed_id, sent, 0, issues, every_sku)
    if status == "FATAL":
        if not errors:
            fatal = MarketplaceIssue(
                None, "error", "FATAL", "", f"Amazon aborted feed {feed_id} and gave no reason."
            )
            issues.append(fatal)
            errors.append(fatal)
        detail = (
            f"Amazon aborted feed {feed_id} with a fatal error ({errors[0].message}): "
            f"all {_count(sent, 'message')} count as refused."
        )
        return DeliveryOutcome("refused", detail, feed_id, sent, 0, issues, every_sku)
    if any(issue.sku is None for issue in errors):
        refused = every_sku
    else:
        refused = list(dict.fromkeys(issue.sku for issue in errors if issue.sku is not None))
    summary = report.get("summary") if report is not None else None
    counted = summary.get("messagesAccepted") if isinstance(summary, dict) else None
    accepted = counted if isinstance(counted, int) else sent - len(refused)
    verdict: Literal["accepted", "accepted_with_warnings", "refused"] = (
        "refused" if errors else "accepted_with_warnings" if warnings else "accepted"
    )
    detail = (
        f"Amazon processed {_count(sent, 'message')} of feed {feed_id}: "
        f"{accepted} accepted, {len(refused)} refused"
        + (f" ({_count(warnings, 'warning')})." if warnings else ".")
    )
    return DeliveryOutcome(verdict, detail, feed_id, sent, accepted, issues, refused)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
