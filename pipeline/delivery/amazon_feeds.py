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
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import quote

import jsonschema_rs
import requests

from pipeline.delivery.outcome import (
    CredentialsError,
    DeliveryError,
    DeliveryOutcome,
    MarketplaceIssue,
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


class RateLimit(NamedTuple):
    """An operation's default usage plan, as the Feeds API model states it."""

    rate: float
    """Requests per second, sustained."""
    burst: int
    """Requests that may go at once after a quiet spell."""


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


class _TokenBucket:
    """The requests one operation may send now at one endpoint, refilled at its rate."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a request's token; the seconds to wait before sending it (0: send now).

        An empty bucket still hands out its token (it goes into debt), so callers that
        wait at the same time line up one rate interval apart instead of all going
        when the next token comes back.
        """
        with self._lock:
            now = time.monotonic()
            refilled = self._tokens + (now - self._stamp) * self._limit.rate
            self._tokens = min(float(self._limit.burst), refilled) - 1
            self._stamp = now
            return max(0.0, -self._tokens / self._limit.rate)


_BUCKETS: dict[tuple[str, str], _TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def _bucket(endpoint: str, operation: str) -> _TokenBucket:
    # Usage plans apply per region (endpoint), so one bucket per endpoint and operation.
    with _BUCKETS_LOCK:
        key = (endpoint, operation)
        if key not in _BUCKETS:
            _BUCKETS[key] = _TokenBucket(RATE_LIMITS[operation])
        return _BUCKETS[key]


class _FeedsClient:
    """The HTTP side: access tokens, rate limits, retries and Amazon's error answers."""

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
        self._session = session
        self._sleep = sleep
        self._timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0

    def call(
        self, operation: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One SP-API operation's answer, after its waits and retries."""
        renewed = False
        while True:
            token = self._access_token(renew=renewed)
            request = functools.partial(
                self._session.request,
                method,
                self._endpoint + path,
                json=body,
                headers={"x-amz-access-token": token, "Accept": "application/json"},
                timeout=self._timeout,
            )
            response = self._send(operation, request, _bucket(self._endpoint, operation))
            if response.status_code in (401, 403) and not renewed:
                log.info("Amazon refused the access token for %s; renewing it once.", operation)
                renewed = True
                continue
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
        request = functools.partial(
            self._session.request, method, url, timeout=self._timeout, **kwargs
        )
        response = self._send(what, request, None)
        if not response.ok:
            # S3's error bodies restate the signed request; the status says enough.
            raise DeliveryError(f"{what.capitalize()} failed (HTTP {response.status_code}).")
        return response

    def _access_token(self, *, renew: bool = False) -> str:
        if renew or self._token is None or time.monotonic() >= self._token_expires:
            self._token, lifetime = self._exchange_refresh_token()
            self._token_expires = time.monotonic() + lifetime - TOKEN_MARGIN_SECONDS
        return self._token

    def _exchange_refresh_token(self) -> tuple[str, float]:
        credentials = self._credentials
        request = functools.partial(
            self._session.post,
            credentials.token_url or LWA_TOKEN_URL,
            data={
                "grant_type": "refresh_token",
                "refresh_token": credentials.refresh_token,
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
            timeout=self._timeout,
        )
        response = self._send("the Login with Amazon token exchange", request, None)
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if response.status_code in (400, 401):
            code = self._scrub(str(payload.get("error") or f"HTTP {response.status_code}"))
            description = self._scrub(str(payload.get("error_description") or ""))
            raise CredentialsError(
                f"Login with Amazon refused the credentials of connection "
                f"{credentials.conn_id!r}: {code}" + (f" ({description})." if description else ".")
            )
        token = payload.get("access_token")
        if not response.ok or not isinstance(token, str) or not token:
            raise DeliveryError(
                f"Login with Amazon gave connection {credentials.conn_id!r} no access token "
                f"(HTTP {response.status_code})."
            )
        lifetime = payload.get("expires_in")
        log.info("Login with Amazon issued an access token for %s.", credentials.conn_id)
        return token, float(lifetime) if isinstance(lifetime, int | float) else 3600.0

    def _send(
        self,
        what: str,
        request: Callable[[], requests.Response],
        bucket: _TokenBucket | None,
    ) -> requests.Response:
        """``request``'s answer once it is neither a 429 nor a 5xx, within the rate limit."""
        throttled = failed = 0
        while True:
            if bucket is not None:
                wait = bucket.take()
                if wait > 0:
                    log.info("Waiting %.1f seconds to keep %s within its rate limit.", wait, what)
                    self._sleep(wait)
            try:
                response = request()
            except (requests.ConnectionError, requests.Timeout) as exc:
                failed += 1
                if failed >= FAILED_TRIES:
                    # The exception's text carries the URL, and a presigned URL its signature.
                    raise DeliveryError(
                        f"{what} got no answer from Amazon in {failed} tries "
                        f"({type(exc).__name__})."
                    ) from None
                log.warning(
                    "%s got no answer (%s); trying again (%d of %d).",
                    what,
                    type(exc).__name__,
                    failed + 1,
                    FAILED_TRIES,
                )
                self._sleep(2.0 ** (failed - 1))
                continue
            status = response.status_code
            if status == 429:
                throttled += 1
                if throttled >= THROTTLED_TRIES:
                    raise DeliveryError(
                        f"Amazon throttled {what} {throttled} times in a row (HTTP 429)."
                    )
                wait = _throttled_wait(response, throttled)
                log.warning(
                    "Amazon throttled %s (HTTP 429); trying again in %.1f seconds (%d of %d).",
                    what,
                    wait,
                    throttled + 1,
                    THROTTLED_TRIES,
                )
                self._sleep(wait)
                continue
            if status >= 500:
                failed += 1
                if failed >= FAILED_TRIES:
                    raise DeliveryError(
                        f"{what} failed {failed} times with HTTP {status}: "
                        f"{self._errors(response)}."
                    )
                log.warning(
                    "%s failed with HTTP %d; trying again (%d of %d).",
                    what,
                    status,
                    failed + 1,
                    FAILED_TRIES,
                )
                self._sleep(2.0 ** (failed - 1))
                continue
            return response

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
        return self._scrub("; ".join(parts))

    def _scrub(self, text: str) -> str:
        # In case an answer echoes what it was sent.
        for secret in (*self._credentials.secrets(), self._token or ""):
            if secret:
                text = text.replace(secret, "***")
        return text


def _throttled_wait(response: requests.Response, throttled: int) -> float:
    """How long to wait after a 429: one request at the rate Amazon says it applied,
    else 1, 2, 4 ... seconds."""
    try:
        rate = float(response.headers.get("x-amzn-RateLimit-Limit", ""))
    except ValueError:
        rate = 0.0
    if rate > 0:
        return 1.0 / rate
    return 2.0 ** (throttled - 1)
