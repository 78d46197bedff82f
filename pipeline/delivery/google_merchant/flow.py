"""Google's delivery: the SFTP upload (or the upload by API, ``delivery = { method =
"merchant_api" }``, `pipeline.delivery.google_merchant.upload`), then the statuses read
back through the Merchant API when ``[channels.google] merchant_account`` is set.

The upload is recorded as progress (``{"uploaded": <its outcome>}``), so a retry after a
failed reading reads again without uploading twice. Google processes an uploaded file
within minutes to hours; until then it lists each product as its last processing left
it. ``statuses_wait_minutes`` makes the delivery wait for no item of the file to be
pending or unprocessed (looking again every ``poll_seconds``); with 0 it reads once, and
`read_market_statuses` (the schedule's step) reads again later.

When the Merchant API cannot be read (credentials refused, quota exhausted past the
retry's deadline), the upload stands: the outcome is the upload's, with a warning
``merchant_api_unavailable`` that says why the statuses are missing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec

from pipeline.delivery.google_merchant.inputs import feed_skus
from pipeline.delivery.outcome import DeliveryError, DeliveryOutcome, MarketplaceIssue

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from pathlib import Path

    from google.api_core.retry import Retry

    from pipeline.deliver import Send
    from pipeline.delivery.google_merchant.statuses import StatusReading
    from pipeline.delivery.senders import Connections, Shipment
    from schemas.config.channels.google import FeedTarget, GoogleChannel
    from schemas.config.market import Market
    from transforms.infra.storage import StoragePath

STATUSES_UNREAD = "merchant_api_unavailable"
"""The code of the warning that says the statuses could not be read."""


def combined_outcome(upload: DeliveryOutcome, statuses: DeliveryOutcome) -> DeliveryOutcome:
    """The upload's reference and count with Google's verdict, issues and refusals (and
    the items an upload by API had refused already)."""
    refused = sorted(set(upload.refused_skus) | set(statuses.refused_skus))
    return DeliveryOutcome(
        verdict="refused" if upload.refused_skus else statuses.verdict,
        detail=f"{upload.detail} {statuses.detail}".strip(),
        reference=upload.reference,
        sent=upload.sent,
        accepted=max(0, statuses.accepted - len(set(upload.refused_skus))),
        issues=[*upload.issues, *statuses.issues],
        refused_skus=refused,
        states=statuses.states,
        top_issues=statuses.top_issues,
    )


def unread_outcome(upload: DeliveryOutcome, error: DeliveryError) -> DeliveryOutcome:
    """The upload's outcome with a warning saying why Google's statuses are missing."""
    warning = MarketplaceIssue(None, "warning", STATUSES_UNREAD, "", str(error))
    return DeliveryOutcome(
        verdict=upload.verdict,
        detail=f"{upload.detail} Google's statuses were not read: {error}",
        reference=upload.reference,
        sent=upload.sent,
        accepted=upload.accepted,
        issues=[*upload.issues, warning],
        refused_skus=upload.refused_skus,
    )


def wait_for_statuses(
    read: Callable[[], StatusReading],
    *,
    wait_seconds: float,
    poll_seconds: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryOutcome:
    """Read until no item is pending or unprocessed, or until the next look would come
    after ``wait_seconds``; the last reading counts."""
    deadline = clock() + wait_seconds
    while True:
        reading = read()
        if not reading.unsettled or clock() + poll_seconds > deadline:
            return reading.outcome
        sleep(poll_seconds)


def google_sftp_sender(shipment: Shipment, connections: Connections) -> Send:
    """The SFTP upload (`pipeline.delivery.senders.sftp_sender`), then Google's statuses
    of the file's items when the channel names its Merchant Center account."""
    from pipeline.delivery.senders import sftp_sender
    from schemas.config.channels.google import GoogleChannel

    upload = sftp_sender(shipment, connections)
    channel = shipment.channel
    if not isinstance(channel, GoogleChannel) or channel.merchant_account is None:
        return upload
    return then_statuses(upload, channel, shipment.market, connections)


def google_api_sender(shipment: Shipment, connections: Connections) -> Send:
    """The upload by API (`pipeline.delivery.google_merchant.upload`) under the market's
    data source, then Google's statuses of the file's items."""
    from pipeline.delivery.google_merchant.access import MerchantApiAccess
    from pipeline.delivery.google_merchant.upload import Pace, upload_feed_file
    from schemas.config.channels.google import GoogleChannel
    from schemas.config.delivery import MerchantApiDelivery

    channel, market = shipment.channel, shipment.market
    delivery = channel.delivery
    if not isinstance(channel, GoogleChannel) or not isinstance(delivery, MerchantApiDelivery):
        raise TypeError(f"a Merchant API sender for a {type(delivery).__name__}")
    account, data_source = channel.merchant_account, channel.data_source(market)
    if account is None or data_source is None:  # the configuration's check refuses it
        raise ValueError(f"market {market.code}: merchant_api needs an account and data_source")
    # The delivery's own connection, else the one the statuses are read with.
    conn_id = delivery.connection_id(market.code) if delivery.connection else channel.api_connection
    access = MerchantApiAccess.from_connection(conn_id, connections.fields(conn_id))
    target = channel.feed_target(market)

    def upload(
        path: StoragePath | Path,
        progress: dict[str, Any] | None,
        checkpoint: Callable[[dict[str, Any]], None],
    ) -> DeliveryOutcome:
        return upload_feed_file(
            path,
            access,
            account,
            data_source,
            target,
            progress=progress,
            checkpoint=checkpoint,
            batch_size=delivery.batch_size,
            pace=Pace(delivery.calls_per_minute),
        )

    return then_statuses(upload, channel, market, connections)


def then_statuses(
    upload: Send, channel: GoogleChannel, market: Market, connections: Connections
) -> Send:
    """``upload``, recorded as done (``{"uploaded": <its outcome>}``), then Google's
    statuses of the file's items (`read_market_statuses`, waiting as
    ``statuses_wait_minutes`` says); a retry after a failed reading reads again without
    uploading twice."""

    def send(
        path: StoragePath | Path,
        progress: dict[str, Any] | None,
        checkpoint: Callable[[dict[str, Any]], None],
    ) -> DeliveryOutcome:
        done = (progress or {}).get("uploaded")
        if done is None:
            uploaded = upload(path, progress, checkpoint)
            checkpoint({"uploaded": uploaded.to_json()})
        else:
            uploaded = msgspec.convert(done, DeliveryOutcome)
        skus = feed_skus(path)
        try:
            statuses = wait_for_statuses(
                lambda: read_market_statuses(channel, market, connections, skus),
                wait_seconds=channel.statuses_wait_minutes * 60,
            )
        except DeliveryError as error:  # CredentialsError too: the upload stands
            return unread_outcome(uploaded, error)
        return combined_outcome(uploaded, statuses)

    return send


def read_market_statuses(
    channel: GoogleChannel,
    market: Market,
    connections: Connections,
    skus: Collection[str] | None = None,
    *,
    retry: Retry | None = None,
) -> StatusReading:
    """Google's statuses of ``market``'s products (its feed label and language, in its
    country), read with ``[channels.google] api_connection``: what a delivery reads after
    its upload, and what a scheduled reading calls for items Google re-evaluated since.

    Raises:
        ValueError: the channel names no ``merchant_account``.
        CredentialsError: the connection is missing, incomplete or refused.
        DeliveryError: the Merchant API could not be read.
    """
    from pipeline.delivery.google_merchant.access import MerchantApiAccess
    from pipeline.delivery.google_merchant.statuses import read_statuses

    if channel.merchant_account is None:
        raise ValueError("[channels.google] merchant_account is not set: no statuses to read")
    target: FeedTarget = channel.feed_target(market)
    conn_id = channel.api_connection
    access = MerchantApiAccess.from_connection(conn_id, connections.fields(conn_id))
    return read_statuses(
        access, channel.merchant_account, target, market.country, skus, retry=retry
    )
