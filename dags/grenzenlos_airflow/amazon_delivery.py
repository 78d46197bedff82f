"""`DeliverAmazonFeed`: the ``deliver_amazon`` task, which hands Amazon's processing wait
to the triggerer instead of polling in the worker.

One try submits the file (createFeedDocument, the upload, createFeed: `pipeline.delivery.
amazon_feeds.flow.submit_listings_feed`), the feed id going into the delivery record at
once, and defers to `grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger`. No
worker slot is held while Amazon processes the feed (up to ``max_wait_minutes``). The
triggerer polls getFeed; the task then resumes in `DeliverAmazonFeed.resume`, which reads
the processing report and writes the same record and result as the synchronous sender
(`pipeline.delivery.senders.sp_api_sender`). A retried try finds the feed id recorded and
defers again on the same feed; nothing is sent twice.

``dag.test()`` runs the trigger in line (Airflow 3), so the integration runs take this
path too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from airflow.sdk import Context

    from pipeline.deliver import Send
    from pipeline.delivery.outcome import DeliveryOutcome
    from pipeline.delivery.records import DeliveryResult, PlannedFeed
    from schemas.config.pipeline import PipelineConfig
    from transforms.infra.storage import StoragePath

LOG = logging.getLogger("grenzenlos")


class DeliverAmazonFeed(BaseOperator):
    """Delivers one planned file through Amazon's Feeds API, the wait deferred.

    Args:
        feed: The plan's entry (mapped: one task instance per file).
    """

    def __init__(self, *, feed: PlannedFeed, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed = feed

    def execute(self, context: Context) -> DeliveryResult:
        return self._deliver(context, None)

    def resume(self, context: Context, event: Mapping[str, Any]) -> DeliveryResult:
        """Back from the triggerer: ``event`` is `AmazonFeedTrigger`'s payload."""
        return self._deliver(context, event)

    def _deliver(self, context: Context, event: Mapping[str, Any] | None) -> DeliveryResult:
        from grenzenlos_airflow.deliveries import deliver_planned
        from grenzenlos_airflow.run import pipeline_config

        config = pipeline_config()
        return deliver_planned(context, config, self.feed, lambda: self._sender(config, event))

    def _sender(self, config: PipelineConfig, event: Mapping[str, Any] | None) -> Send:
        """Submits and defers (``event`` None), or reads the report back (the event)."""
        import requests

        from feeds.amazon.marketplace import MARKETPLACE_IDS
        from feeds.checks import SCHEMAS
        from grenzenlos_airflow.connections import AirflowConnections
        from grenzenlos_providers.triggers.amazon_feeds import AmazonFeedTrigger
        from pipeline.delivery.amazon_feeds.flow import (
            feeds_client,
            resumed_outcome,
            submit_listings_feed,
        )
        from schemas.config.delivery import SpApiDelivery

        feed = self.feed
        delivery = config.channels[feed["channel"]].delivery
        if not isinstance(delivery, SpApiDelivery):
            raise TypeError(f"an SP-API delivery task for a {type(delivery).__name__}")
        conn_id = delivery.connection_id(feed["market"])
        credentials = AirflowConnections().oauth(conn_id)
        marketplace_id = MARKETPLACE_IDS[config.markets[feed["market"]].country]

        def send(
            path: StoragePath | Path,
            progress: dict[str, Any] | None,
            checkpoint: Callable[[dict[str, Any]], None],
        ) -> DeliveryOutcome:
            with path.open("rb") as stream:
                data = stream.read()
            with requests.Session() as session:
                client = feeds_client(credentials, marketplace_id, delivery.environment, session)
                if event is not None:
                    report = SCHEMAS / "amazon_processing_report.schema.json"
                    schema = json.loads(report.read_text(encoding="utf-8"))
                    return resumed_outcome(client, data, event, schema)
                feed_id = submit_listings_feed(client, data, marketplace_id, progress, checkpoint)
            deadline = datetime.now(UTC) + timedelta(minutes=delivery.max_wait_minutes)
            LOG.info("Waiting for feed %s in the triggerer until %s.", feed_id, deadline)
            self.defer(
                trigger=AmazonFeedTrigger(
                    feed_id=feed_id,
                    conn_id=conn_id,
                    marketplace_id=marketplace_id,
                    environment=delivery.environment,
                    poll_seconds=delivery.poll_seconds,
                    deadline=deadline.isoformat(),
                ),
                method_name="resume",
            )

        return send
