"""`AmazonFeedTrigger`: the wait for Amazon to process a feed, polled from the triggerer.

The deliver task creates the feed (`pipeline.delivery.amazon_feeds.flow`), records its id
in the delivery record and defers to this trigger; the trigger polls getFeed (the Feeds
API 2021-06-30) until ``processingStatus`` is ``DONE``, ``CANCELLED`` or ``FATAL`` or its
deadline passes, and the task resumes with the event to read the processing report
(`pipeline.delivery.amazon_feeds.flow.resumed_outcome`).

Everything it needs is in its keyword arguments (no secret: the credentials are read from
the connection where it runs), so a triggerer that restarts builds it again from
`serialize` and goes on polling the same feed; it never creates one. The deadline is a
point in time, not a duration, so a restart does not extend the wait.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pipeline.delivery.amazon_feeds.client import FeedsClient


class AmazonFeedTrigger(BaseTrigger):
    """Polls one Amazon feed until it is processed or ``deadline`` passes.

    The polls are ``poll_seconds`` apart at first, each wait 1.5 times the last, at most
    ten times ``poll_seconds`` (as the worker's own wait did). The event's payload is
    ``{"status": "processed", "feed_id", "feed"}`` (``feed``: the last getFeed answer),
    ``{"status": "timeout", "feed_id", "processing_status", "deadline"}``, or
    ``{"status": "failed", "feed_id", "message", "credentials"}`` when a getFeed call
    failed after the client's own retries (``credentials``: Amazon refused them).

    Args:
        feed_id: The feed createFeed made.
        conn_id: The SP-API connection (`grenzenlos_providers.hooks.marketplaces.AmazonSpApiHook`).
        marketplace_id: Picks the endpoint when the connection sets none.
        environment: ``sandbox`` or ``production`` (with ``marketplace_id``).
        poll_seconds: The first wait between two getFeed calls.
        deadline: ISO 8601 time (with its offset) after which the wait gives up.
        timeout: Seconds to wait for each HTTP answer.
    """

    def __init__(
        self,
        *,
        feed_id: str,
        conn_id: str,
        marketplace_id: str,
        environment: Literal["sandbox", "production"],
        poll_seconds: float,
        deadline: str,
        timeout: float = 60.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.feed_id = feed_id
        self.conn_id = conn_id
        self.marketplace_id = marketplace_id
        self.environment: Literal["sandbox", "production"] = environment
        self.poll_seconds = float(poll_seconds)
        self.deadline = deadline
        self.timeout = float(timeout)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "feed_id": self.feed_id,
                "conn_id": self.conn_id,
                "marketplace_id": self.marketplace_id,
                "environment": self.environment,
                "poll_seconds": self.poll_seconds,
                "deadline": self.deadline,
                "timeout": self.timeout,
            },
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmazonFeedTrigger) and self.serialize() == other.serialize()

    __hash__ = None  # type: ignore[assignment]

    async def run(self) -> AsyncIterator[TriggerEvent]:
        import requests

        from pipeline.delivery.amazon_feeds.flow import TERMINAL, get_feed
        from pipeline.delivery.outcome import CredentialsError, DeliveryError

        deadline = datetime.fromisoformat(self.deadline)
        session = requests.Session()
        try:
            interval = self.poll_seconds
            while True:
                try:
                    # The client is synchronous (requests, its retries and token grant):
                    # each call runs in a thread so the triggerer's loop never blocks.
                    client = await asyncio.to_thread(self._client, session)
                    feed = await asyncio.to_thread(get_feed, client, self.feed_id)
                except DeliveryError as exc:  # CredentialsError is one
                    yield self._event(
                        "failed",
                        message=str(exc),
                        credentials=isinstance(exc, CredentialsError),
                    )
                    return
                status = feed.get("processingStatus")
                if status in TERMINAL:
                    self.log.info("Feed %s is %s.", self.feed_id, status)
                    yield self._event("processed", feed=feed)
                    return
                left = (deadline - datetime.now(UTC)).total_seconds()
                if left <= 0:
                    yield self._event("timeout", processing_status=status, deadline=self.deadline)
                    return
                pause = min(interval, left)
                self.log.info(
                    "Feed %s is %s; checking again in %.0f seconds.", self.feed_id, status, pause
                )
                await asyncio.sleep(pause)
                interval = min(interval * 1.5, 10 * self.poll_seconds)
        finally:
            session.close()

    def _event(self, status: str, **payload: Any) -> TriggerEvent:
        payload = {"status": status, "feed_id": self.feed_id, **payload}
        return TriggerEvent(payload)  # type: ignore[no-untyped-call]

    _feeds_client: FeedsClient | None = None

    def _client(self, session: Any) -> FeedsClient:
        """The Feeds client, made once: the connection's credentials are read where the
        trigger runs, and the access token is kept between polls."""
        if self._feeds_client is None:
            from grenzenlos_providers.hooks.marketplaces import AmazonSpApiHook
            from pipeline.delivery.amazon_feeds.flow import feeds_client

            credentials = AmazonSpApiHook(self.conn_id).credentials()
            self._feeds_client = feeds_client(
                credentials,
                self.marketplace_id,
                self.environment,
                session,
                timeout=self.timeout,
            )
        return self._feeds_client
