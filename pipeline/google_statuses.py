"""Google's statuses read again on a schedule (a DAG task calls `reread_statuses`; the
module sits beside `pipeline.deliver`, whose plan and records it reads). Google
re-evaluates products after the upload (a landing page crawled, a price checked, a
policy reviewed), so a file delivered as approved can have disapproved items a day later.

`reread_statuses` reads, for every live Google file already delivered, its items'
statuses again, replaces the answer in the file's delivery record, and returns results
of the shape `pipeline.deliver.deliver_feed` returns, for
`pipeline.deliver.report_deliveries` to bring into the publishing run (its findings,
``delivery.json``, ``summary.txt``, ``report.html``) and into ``google.refused.json``,
replacing that channel's earlier answer rather than adding to it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec

from pipeline.deliver import delivery_result, plan_deliveries
from pipeline.delivery.google_merchant.flow import combined_outcome, read_market_statuses
from pipeline.delivery.google_merchant.inputs import feed_skus
from pipeline.delivery.outcome import DeliveryError, DeliveryOutcome
from pipeline.delivery.records import (
    DeliveryResult,
    now,
    read_record,
    record_path,
    write_record,
)
from schemas.config.channels.google import GoogleChannel

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from pipeline.delivery.records import PlannedFeed
    from pipeline.delivery.senders import Connections
    from schemas.config.pipeline import PipelineConfig
    from transforms.infra.storage import StoragePath

LOG = logging.getLogger(__name__)


def _delivered(feed: PlannedFeed, record: str, outcome: DeliveryOutcome) -> DeliveryResult:
    # The result `pipeline.deliver.deliver_feed` gives for a file it sent.
    return delivery_result(feed, "delivered", record, outcome)


def reread_statuses(
    config: PipelineConfig,
    output_root: StoragePath | Path,
    connections: Connections,
    path_factory: Callable[[str], StoragePath | Path],
    *,
    markets: Sequence[str] | None = None,
) -> tuple[list[DeliveryResult], list[str]]:
    """Read Google's statuses of every delivered live Google file again.

    Args:
        config: The pipeline configuration (``[channels.google] merchant_account``).
        output_root: Where the live feeds and the delivery records are.
        connections: The Airflow connections, as the DAG hands them over.
        path_factory: Turns a plan's path string back into a path.
        markets: Only these markets (None: every market with a Google feed).

    Returns:
        The results (``status`` ``delivered``, the new counts) and the files whose
        statuses could not be read (their earlier answer stands).
    """
    channel = config.channels.get("google")
    if not isinstance(channel, GoogleChannel) or channel.merchant_account is None:
        return [], []
    results: list[DeliveryResult] = []
    unread: list[str] = []
    for feed in plan_deliveries(config, output_root, markets=markets, channels=["google"]):
        where = record_path(
            output_root, feed["market"], feed["channel"], feed["file"], feed["sha256"]
        )
        record = read_record(where)
        answered = record.done() if record is not None else None
        if record is None or answered is None:
            continue  # not delivered yet: its delivery reads the statuses
        # The upload's own outcome (a delivery that read no statuses has only that one).
        progress = record.resume_from() or {}
        uploaded = (
            msgspec.convert(progress["uploaded"], DeliveryOutcome)
            if "uploaded" in progress
            else answered
        )
        skus = feed_skus(path_factory(feed["path"]))
        market = config.market(feed["market"])
        try:
            reading = read_market_statuses(channel, market, connections, skus)
        except DeliveryError as error:
            LOG.warning("%s: Google's statuses not read again: %s", feed["label"], error)
            unread.append(feed["label"])
            continue
        outcome = combined_outcome(uploaded, reading.outcome)
        record.outcome, record.finished = outcome, now()
        write_record(where, record)
        results.append(_delivered(feed, str(where), outcome))
    return results, unread
