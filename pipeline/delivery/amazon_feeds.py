"""Amazon's Selling Partner API Feeds flow for a ``JSON_LISTINGS_FEED``, and its report.

`deliver_listings_feed` sends one feed file the way the Feeds API 2021-06-30 describes it
(createFeedDocument, the upload to the presigned URL, createFeed, getFeed until the feed
is processed, getFeedDocument and the download of the processing report) and reads the
report back into a `DeliveryOutcome`, one `MarketplaceIssue` per error or warning, named
by sku through the ``messageId`` of the message it concerns.

Every call stays within the operation's default usage plan (`RATE_LIMITS`, from the
model's descriptions) through one token bucket per operation and endpoint in this
process; an HTTP 429 waits as long as the ``x-amzn-RateLimit-Limit`` header says one
request takes at that rate. Login with Amazon's access token lasts an hour and a feed can
take longer to process, so it is renewed before it runs out and once more when Amazon
refuses it. Nothing here logs or raises a token or a secret.

The grant, the retries, the waits and the scrubbing are the shared HTTP client's
(`transforms.api_client`); this module keeps Amazon's calls, URLs and error answers.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import jsonschema_rs
import requests

from pipeline.delivery.outcome import (
    CredentialsError,
    DeliveryError,
    DeliveryOutcome,
    MarketplaceIssue,
)
from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    RateLimit,
    RefreshTokenGrant,
    RetryPolicy,
    TokenBucket,
    TokenRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pipeline.delivery.outcome import OAuthCredentials

log = logging.getLogger(__name__)

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
"""Login with Amazon's token endpoint, where a refresh token becomes an access token."""
FEEDS_API = "/feeds/2021-06-30"
FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
"""The feed document's content type (the presigned upload URL is signed for it)."""
TERMINAL = ("DONE", "FATAL", "CANCELLED")
"""The ``processingStatus`` values after which a feed changes no more."""

Region = Literal["na", "eu", "fe"]


RATE_LIMITS: dict[str, RateLimit] = {
    "createFeedDocument": RateLimit(0.5, 15),
    "createFeed": RateLimit(0.0083, 15),
    "getFeed": RateLimit(2.0, 15),
    "getFeedDocument": RateLimit(0.0222, 10),
}
"""The default usage plan of each operation this client calls (feeds_2021-06-30.json)."""

REGIONS: dict[str, Region] = {
    # Europe (and the marketplaces Amazon serves from its EU endpoint).
    "A1PA6795UKMFR9": "eu",  # DE
    "A13V1IB3VIYZZH": "eu",  # FR
    "APJ6JRA9NG5V4": "eu",  # IT
    "A1RKKUPIHCS9HS": "eu",  # ES
    "A1F83G8C2ARO7P": "eu",  # UK
    "A1805IZSGTT6HS": "eu",  # NL
    "A1C3SOZRARQ6R3": "eu",  # PL
    "A2NODRKZP88ZB9": "eu",  # SE
    "AMEN7PMS3EDWL": "eu",  # BE
    "A33AVAJ2PDY3EV": "eu",  # TR
    "A2VIGQ35RCS4UG": "eu",  # AE
    "A17E79C6D8DWNP": "eu",  # SA
    "ARBP9OOSHTCHU": "eu",  # EG
    "A21TJRUUN4KGV": "eu",  # IN
    # North America.
    "ATVPDKIKX0DER": "na",  # US
    "A2EUQ1WTGCTBG2": "na",  # CA
    "A1AM78C64UM0Y8": "na",  # MX
    "A2Q3Y263D00KWC": "na",  # BR
    # Far East.
    "A1VC38T7YXB528": "fe",  # JP
    "A39IBJ37TRP1C6": "fe",  # AU
    "A19VAU5U5O7RUS": "fe",  # SG
}
"""The SP-API region that serves each marketplace id."""

THROTTLED_TRIES = 6
"""Tries of one request that Amazon answers 429 before the delivery gives up."""
FAILED_TRIES = 4
"""Tries of one request that get a 5xx or no answer before the delivery gives up."""
TOKEN_MARGIN_SECONDS = 60.0
"""An access token is renewed this long before Login with Amazon says it runs out."""
POLICY = RetryPolicy(
    attempts=FAILED_TRIES,
    throttled_attempts=THROTTLED_TRIES,
    rate_limit_header="x-amzn-RateLimit-Limit",
)
"""A 429 waits one request's interval at the rate ``x-amzn-RateLimit-Limit`` states (else
1, 2, 4 ... s); a 5xx or no answer 1, 2, 4 s."""


def endpoint_for(marketplace_id: str, environment: Literal["sandbox", "production"]) -> str:
    """The SP-API base URL for a marketplace's region.

    Args:
        marketplace_id: An Amazon marketplace id (`REGIONS`).
        environment: ``sandbox`` for Amazon's static sandbox, ``production`` otherwise.

    Returns:
        The base URL, without a trailing slash.

    Raises:
        DeliveryError: The marketplace id is not in `REGIONS`.

    >>> endpoint_for("A1PA6795UKMFR9", "production")
    'https://sellingpartnerapi-eu.amazon.com'
    >>> endpoint_for("ATVPDKIKX0DER", "sandbox")
    'https://sandbox.sellingpartnerapi-na.amazon.com'
    """
    region = REGIONS.get(marketplace_id)
    if region is None:
        raise DeliveryError(
            f"Marketplace id {marketplace_id} has no known SP-API region; "
            "set the connection's endpoint."
        )
    prefix = "sandbox." if environment == "sandbox" else ""
    return f"https://{prefix}sellingpartnerapi-{region}.amazon.com"


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


def deliver_listings_feed(
    data: bytes,
    *,
    marketplace_id: str,
    credentials: OAuthCredentials,
    environment: Literal["sandbox", "production"],
    resume: Mapping[str, Any] | None = None,
    checkpoint: Callable[[dict[str, Any]], None] = lambda _: None,
    poll_seconds: float = 30.0,
    max_wait_seconds: float = 7200.0,
    report_schema: Mapping[str, Any] | None = None,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
) -> DeliveryOutcome:
    """Send a ``JSON_LISTINGS_FEED`` file to Amazon and read back what it made of it.

    The feed is polled from ``poll_seconds`` on, each wait 1.5 times the last, at most
    ten times ``poll_seconds``. Once createFeed has answered, ``checkpoint`` gets
    ``{"feed_id": ..., "feed_document_id": ...}``; given back as ``resume``, the next
    delivery polls that feed instead of sending the file again (so a retried task
    never submits a feed twice).

    Verdicts: ``DONE`` without errors is ``accepted`` (``accepted_with_warnings`` with
    warnings); ``DONE`` with errors is ``refused`` with the skus that have one (every
    sku when an error concerns the whole feed, as nothing says what was applied);
    ``FATAL`` and ``CANCELLED`` are ``refused`` with every sku of the file, so the next
    run sends them all again.

    Args:
        data: The feed file (listings feed schema v2).
        marketplace_id: The marketplace the feed is for (``marketplaceIds`` of createFeed).
        credentials: The app's credentials and the seller's refresh token.
        environment: Picks the endpoint when ``credentials.endpoint`` is None.
        resume: What ``checkpoint`` got from an earlier delivery of this file.
        checkpoint: Called once the feed exists, to keep its ids for ``resume``.
        poll_seconds: The first wait between two getFeed calls.
        max_wait_seconds: How long to poll before giving up (the feed goes on).
        report_schema: The processing report's JSON Schema; None: only the report's
            shape is checked (a ``header`` and a ``summary`` object, an ``issues`` list).
        session: The HTTP session to use (a new one, closed afterwards, when None).
        sleep: Waits between polls and retries (tests pass one that does not wait).
        timeout: Seconds to wait for each HTTP answer.

    Returns:
        What Amazon made of the feed; ``reference`` is its feedId.

    Raises:
        CredentialsError: The credentials are incomplete, Login with Amazon refused them,
            or Amazon refused a fresh access token (HTTP 401/403).
        DeliveryError: The file is not a listings feed, Amazon refused a call, a call
            failed after its retries, the report is not one, or the feed was still
            being processed after ``max_wait_seconds``.
    """
    skus, sent = _skus_by_message(data)
    if not (credentials.client_id and credentials.client_secret and credentials.refresh_token):
        raise CredentialsError(
            f"Connection {credentials.conn_id!r} lacks a client id, client secret or refresh token."
        )
    if credentials.endpoint:
        endpoint = credentials.endpoint.rstrip("/")
    else:
        endpoint = endpoint_for(marketplace_id, environment)
    http = session if session is not None else requests.Session()
    try:
        client = _FeedsClient(credentials, endpoint, http, sleep, timeout)
        feed_id = str(resume["feed_id"]) if resume and resume.get("feed_id") else None
        if feed_id is None:
            feed_id = _submit(client, data, marketplace_id, checkpoint)
        else:
            log.info("Resuming feed %s: polling it instead of sending the file again.", feed_id)
        feed = _wait_for(client, feed_id, poll_seconds, max_wait_seconds, sleep)
        status = str(feed["processingStatus"])
        report: Mapping[str, Any] | None = None
        document_id = feed.get("resultFeedDocumentId")
        if status != "CANCELLED" and document_id:
            report = _processing_report(client, str(document_id), feed_id, report_schema)
        elif status == "DONE":
            raise DeliveryError(f"Amazon processed feed {feed_id} but gave no processing report.")
        return _outcome(feed_id, status, report, skus, sent)
    finally:
        if session is None:
            http.close()


def _skus_by_message(data: bytes) -> tuple[dict[int, str], int]:
    """Each message's sku by its ``messageId``, and the number of messages."""
    try:
        feed = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError is one
        raise DeliveryError(f"The feed file is not JSON: {exc}.") from None
    messages = feed.get("messages") if isinstance(feed, dict) else None
    if not isinstance(messages, list) or not messages:
        raise DeliveryError("The feed file has no messages: it is not a JSON_LISTINGS_FEED.")
    skus: dict[int, str] = {}
    for message in messages:
        if not (
            isinstance(message, dict)
            and isinstance(message.get("messageId"), int)
            and isinstance(message.get("sku"), str)
        ):
            raise DeliveryError(
                "A message of the feed file lacks an integer messageId or a sku, "
                "so Amazon's report could not be read back by sku."
            )
        skus[message["messageId"]] = message["sku"]
    return skus, len(messages)


def _submit(
    client: _FeedsClient,
    data: bytes,
    marketplace_id: str,
    checkpoint: Callable[[dict[str, Any]], None],
) -> str:
    """Create the document, upload the file and create the feed; the feed's id."""
    document = client.call(
        "createFeedDocument", "POST", f"{FEEDS_API}/documents", {"contentType": CONTENT_TYPE}
    )
    document_id = str(document["feedDocumentId"])
    log.info("Amazon created feed document %s.", document_id)
    client.transfer(
        f"the upload of feed document {document_id}",
        "PUT",
        str(document["url"]),
        data=data,
        headers={"Content-Type": CONTENT_TYPE},
    )
    log.info("Uploaded %d bytes to feed document %s.", len(data), document_id)
    created = client.call(
        "createFeed",
        "POST",
        f"{FEEDS_API}/feeds",
        {
            "feedType": FEED_TYPE,
            "marketplaceIds": [marketplace_id],
            "inputFeedDocumentId": document_id,
        },
    )
    feed_id = str(created["feedId"])
    log.info("Amazon created feed %s for marketplace %s.", feed_id, marketplace_id)
    checkpoint({"feed_id": feed_id, "feed_document_id": document_id})
    return feed_id


def _wait_for(
    client: _FeedsClient,
    feed_id: str,
    poll_seconds: float,
    max_wait_seconds: float,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """getFeed until the feed is processed; its last answer."""
    interval = poll_seconds
    waited = 0.0
    started = time.monotonic()
    while True:
        feed = client.call("getFeed", "GET", f"{FEEDS_API}/feeds/{quote(feed_id, safe='')}")
        status = feed.get("processingStatus")
        if status in TERMINAL:
            log.info("Feed %s is %s.", feed_id, status)
            return feed
        # The waits are counted as well as the clock, so an injected `sleep` still ends.
        elapsed = max(waited, time.monotonic() - started)
        if elapsed >= max_wait_seconds:
            raise DeliveryError(
                f"Feed {feed_id} was still {status} after {elapsed:.0f} seconds of polling; "
                f"the next delivery resumes polling feed {feed_id} instead of sending it again."
            )
        pause = min(interval, max_wait_seconds - elapsed)
        log.info("Feed %s is %s; checking again in %.0f seconds.", feed_id, status, pause)
        sleep(pause)
        waited += pause
        interval = min(interval * 1.5, 10 * poll_seconds)


def _processing_report(
    client: _FeedsClient,
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


def _outcome(
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


_BUCKETS: dict[tuple[str, str], TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def _bucket(endpoint: str, operation: str) -> TokenBucket:
    # Usage plans apply per region (endpoint), so one bucket per endpoint and operation.
    with _BUCKETS_LOCK:
        key = (endpoint, operation)
        if key not in _BUCKETS:
            _BUCKETS[key] = TokenBucket(RATE_LIMITS[operation])
        return _BUCKETS[key]


class _FeedsClient:
    """Amazon's side of the HTTP client (`transforms.api_client`): the Login with Amazon
    grant, the token header, the usage plans and Amazon's error answers."""

    def __init__(
        self,
        credentials: OAuthCredentials,
        endpoint: str,
        session: requests.Session,
        sleep: Callable[[float], None],
        timeout: float,
    ) -> None:
        self._credentials = credentials
        self._endpoint = endpoint
        self._http = ApiSession(
            "Amazon",
            session=session,
            policy=POLICY,
            tokens=RefreshTokenGrant(
                token_url=credentials.token_url or LWA_TOKEN_URL,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                refresh_token=credentials.refresh_token,
                client_auth="body",
                what="the Login with Amazon token exchange",
                margin=TOKEN_MARGIN_SECONDS,
            ),
            token_header="x-amz-access-token",
            token_prefix="",
            # SP-API answers an expired token with 403 as often as with 401.
            refresh_on=frozenset({401, 403}),
            sleep=sleep,
            timeout=timeout,
        )

    def call(
        self, operation: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One SP-API operation's answer, after its waits and retries."""
        try:
            response = self._http.call(
                method,
                self._endpoint + path,
                operation,
                json=body,
                headers={"Accept": "application/json"},
                pace=_bucket(self._endpoint, operation),
            )
        except ApiUnavailable as exc:
            raise self._unavailable(exc) from None
        except TokenRefused as exc:
            raise self._refused(exc) from None
        if response.status_code in (401, 403):
            raise CredentialsError(
                f"Amazon refused {operation} for connection {self._credentials.conn_id!r} "
                f"(HTTP {response.status_code}): {self._errors(response)}."
            )
        if not response.ok:
            raise DeliveryError(
                f"Amazon refused {operation} (HTTP {response.status_code}): "
                f"{self._errors(response)}."
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise DeliveryError(f"Amazon's answer to {operation} is not a JSON object.")
        return payload

    def transfer(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request to a presigned URL: no SP-API token goes there, only the URL's own
        signature."""
        try:
            response = self._http.send(method, url, what, **kwargs)
        except ApiUnavailable as exc:
            raise self._unavailable(exc) from None
        if not response.ok:
            # S3's error bodies restate the signed request; the status says enough.
            raise DeliveryError(f"{what.capitalize()} failed (HTTP {response.status_code}).")
        return response

    def _unavailable(self, exc: ApiUnavailable) -> DeliveryError:
        if exc.wait is not None:
            return DeliveryError(f"{exc}.")
        if exc.response is None:
            return DeliveryError(
                f"{exc.what} got no answer from Amazon in {exc.attempts} tries ({exc.error})."
            )
        if exc.status == 429:
            return DeliveryError(
                f"Amazon throttled {exc.what} {exc.attempts} times in a row (HTTP 429)."
            )
        return DeliveryError(
            f"{exc.what} failed {exc.attempts} times with HTTP {exc.status}: "
            f"{self._errors(exc.response)}."
        )

    def _refused(self, exc: TokenRefused) -> DeliveryError:
        conn_id = self._credentials.conn_id
        if exc.status in (400, 401):
            code = exc.error or f"HTTP {exc.status}"
            return CredentialsError(
                f"Login with Amazon refused the credentials of connection {conn_id!r}: {code}"
                + (f" ({exc.description})." if exc.description else ".")
            )
        return DeliveryError(
            f"Login with Amazon gave connection {conn_id!r} no access token (HTTP {exc.status})."
        )

    def _errors(self, response: requests.Response) -> str:
        """The SP-API ``errors`` list of an answer, as ``code: message (details)``."""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if not isinstance(errors, list) or not errors:
            return response.reason or "no details"
        parts = []
        for error in errors:
            if not isinstance(error, dict):
                continue
            part = f"{error.get('code')}: {error.get('message')}"
            if error.get("details"):
                part += f" ({error['details']})"
            parts.append(part)
        # In case an answer echoes what it was sent.
        return self._http.scrub("; ".join(parts))
