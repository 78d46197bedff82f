"""`deliver_listings_feed`: one feed file through the Feeds flow (createFeedDocument, the
upload, createFeed, getFeed until processed) and its processing report read back."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import msgspec
import requests

from pipeline.delivery.amazon_feeds.client import FEEDS_API, FeedsClient, endpoint_for
from pipeline.delivery.amazon_feeds.report import feed_outcome, processing_report
from pipeline.delivery.outcome import CredentialsError, DeliveryError
from pipeline.records import as_record

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pipeline.delivery.outcome import DeliveryOutcome, OAuthCredentials

log = logging.getLogger(__name__)

FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
"""The feed document's content type (the presigned upload URL is signed for it)."""
TERMINAL = ("DONE", "FATAL", "CANCELLED")
"""The ``processingStatus`` values after which a feed changes no more."""


class FeedProgress(msgspec.Struct, kw_only=True):
    """How far an Amazon delivery got, as its delivery record keeps it (``progress``):
    the feed createFeed made, so that a retry polls it instead of sending the file again."""

    feed_id: str | None = None
    feed_document_id: str | None = None


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
    ``{"feed_id": ..., "feed_document_id": ...}`` (`FeedProgress`); given back as
    ``resume``, the next delivery polls that feed instead of sending the file again (so
    a retried task never submits a feed twice).

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
    http = session if session is not None else requests.Session()
    try:
        client = feeds_client(credentials, marketplace_id, environment, http, sleep, timeout)
        skus, _ = _skus_by_message(data)
        feed_id = submit_listings_feed(client, data, marketplace_id, resume, checkpoint)
        feed = _wait_for(client, feed_id, poll_seconds, max_wait_seconds, sleep)
        return read_back(client, data, feed_id, feed, report_schema)
    finally:
        if session is None:
            http.close()


def feeds_client(
    credentials: OAuthCredentials,
    marketplace_id: str,
    environment: Literal["sandbox", "production"],
    session: requests.Session,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
) -> FeedsClient:
    """The Feeds API client of a marketplace's endpoint (``credentials.endpoint`` when set).

    Raises:
        CredentialsError: The credentials lack a client id, client secret or refresh token.
        DeliveryError: The marketplace id has no known region and no endpoint is set.
    """
    if not (credentials.client_id and credentials.client_secret and credentials.refresh_token):
        raise CredentialsError(
            f"Connection {credentials.conn_id!r} lacks a client id, client secret or refresh token."
        )
    if credentials.endpoint:
        endpoint = credentials.endpoint.rstrip("/")
    else:
        endpoint = endpoint_for(marketplace_id, environment)
    return FeedsClient(credentials, endpoint, session, sleep, timeout)


def submit_listings_feed(
    client: FeedsClient,
    data: bytes,
    marketplace_id: str,
    resume: Mapping[str, Any] | None,
    checkpoint: Callable[[dict[str, Any]], None],
) -> str:
    """The feed of ``data``: the one ``resume`` records (nothing is sent again), else a
    new one (createFeedDocument, the upload, createFeed; ``checkpoint`` gets its ids).

    Raises:
        DeliveryError: The file is not a listings feed, or Amazon refused a call.
    """
    _skus_by_message(data)  # a file that is no listings feed is never sent
    earlier = as_record(resume or {}, FeedProgress, "the Amazon delivery's progress")
    if earlier.feed_id:
        log.info("Resuming feed %s: polling it instead of sending the file again.", earlier.feed_id)
        return earlier.feed_id
    return _submit(client, data, marketplace_id, checkpoint)


def get_feed(client: FeedsClient, feed_id: str) -> dict[str, Any]:
    """One getFeed answer (``processingStatus`` is one of `TERMINAL` once it is done)."""
    return client.call("getFeed", "GET", f"{FEEDS_API}/feeds/{quote(feed_id, safe='')}")


def read_back(
    client: FeedsClient,
    data: bytes,
    feed_id: str,
    feed: Mapping[str, Any],
    report_schema: Mapping[str, Any] | None,
) -> DeliveryOutcome:
    """The verdict on a processed feed (``feed`` is its last getFeed answer, its status
    one of `TERMINAL`), its processing report read back by the skus of ``data``.

    Raises:
        DeliveryError: Amazon gave no report for a ``DONE`` feed, or the report is not one.
    """
    skus, sent = _skus_by_message(data)
    status = str(feed["processingStatus"])
    report: Mapping[str, Any] | None = None
    document_id = feed.get("resultFeedDocumentId")
    if status != "CANCELLED" and document_id:
        report = processing_report(client, str(document_id), feed_id, report_schema)
    elif status == "DONE":
        raise DeliveryError(f"Amazon processed feed {feed_id} but gave no processing report.")
    return feed_outcome(feed_id, status, report, skus, sent)


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
    client: FeedsClient,
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
    client: FeedsClient,
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
        feed = get_feed(client, feed_id)
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


def resumed_outcome(
    client: FeedsClient,
    data: bytes,
    event: Mapping[str, Any],
    report_schema: Mapping[str, Any] | None,
) -> DeliveryOutcome:
    """The verdict on a feed whose wait the triggerer did: ``event`` is the payload of
    `grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger`'s event.

    Raises:
        CredentialsError: Amazon refused the credentials while the feed was polled.
        DeliveryError: The feed was still being processed at the wait's deadline (the next
            delivery polls the same feed again), getFeed failed, or the report is not one.
    """
    feed_id = str(event.get("feed_id"))
    status = event.get("status")
    if status == "processed":
        return read_back(client, data, feed_id, event["feed"], report_schema)
    if status == "timeout":
        raise DeliveryError(
            f"Feed {feed_id} was still {event.get('processing_status')} at the wait's deadline "
            f"({event.get('deadline')}); the next delivery resumes polling feed {feed_id} "
            "instead of sending it again."
        )
    message = str(event.get("message") or f"the wait for feed {feed_id} ended with {status!r}")
    if event.get("credentials"):
        raise CredentialsError(message)
    raise DeliveryError(f"Polling feed {feed_id} failed: {message}")
