"""How one published file is sent: the sender of its channel's delivery method, built
with the credentials the ``deliver_feeds`` DAG reads from Airflow connections.

A sender factory takes the `Shipment` (the market, the channel's settings and the planned
file) and the `Connections`, and returns a `pipeline.deliver.Send`: a function of (the
file's path, the progress an earlier try recorded, a callback that records progress).
A channel's registration (`pipeline.channels.ChannelRegistration`) names the delivery
methods it can be sent by and their factories; a channel with no ``delivery`` but a
``public_url`` is checked by `pull_sender` whatever it is. `choose_sender` picks one.

Nothing here knows Airflow: `Connections` is what the DAG hands over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.delivery.outcome import ConnectionNotDefined, CredentialsError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager
    from pathlib import Path

    from pipeline.channels import ChannelRegistration
    from pipeline.deliver import Send
    from pipeline.delivery.outcome import DeliveryOutcome, OAuthCredentials
    from pipeline.delivery.records import PlannedFeed
    from pipeline.delivery.sftp_upload import SftpClient
    from schemas.config.channel import Channel
    from schemas.config.market import Market
    from transforms.infra.storage import StoragePath


@dataclass(frozen=True, slots=True)
class ConnectionFields:
    """What a sender reads of an Airflow connection."""

    login: str
    password: str
    extra: Mapping[str, Any] = field(default_factory=dict)


class Connections(Protocol):
    """The credentials of the Airflow connections, as the DAG reads them."""

    def fields(self, conn_id: str) -> ConnectionFields:
        """The connection's login, password and extra.

        Raises:
            ConnectionNotDefined: naming the connection when it is not defined.
        """
        ...

    def oauth(self, conn_id: str) -> OAuthCredentials:
        """An API's OAuth credentials from the connection (secrets masked in the logs)."""
        ...

    def sftp(self, conn_id: str) -> AbstractContextManager[SftpClient]:
        """A connected SFTP client of the connection, closed on leaving.

        Raises:
            CredentialsError: naming the connection when the server refuses its login
                (another try would be refused the same way).
        """
        ...


@dataclass(frozen=True, slots=True)
class Shipment:
    """One planned file and what its delivery is configured by.

    Attributes:
        market: The market the file is for.
        channel: The channel's settings (``[channels.<name>]``).
        feed: The plan's entry (`pipeline.deliver.plan_deliveries`).
    """

    market: Market
    channel: Channel
    feed: PlannedFeed


if TYPE_CHECKING:
    SenderFactory = Callable[[Shipment, Connections], Send]
    """Builds the sender of one shipment."""


def choose_sender(
    registration: ChannelRegistration, shipment: Shipment, connections: Connections
) -> Send:
    """The sender of ``shipment``: the channel's for its ``delivery.method``, or the
    served-file check of a channel without a delivery.

    Raises:
        ValueError: naming the channel, the method and those the channel can be sent by.
    """
    delivery = shipment.channel.delivery
    if delivery is None:
        return pull_sender(shipment, connections)
    factory = registration.senders.get(delivery.method)
    if factory is None:
        known = ", ".join(sorted(registration.senders)) or "none: give it a public_url"
        raise ValueError(
            f"[channels.{registration.name}] delivery method {delivery.method!r} is not one "
            f"the {registration.name} channel can be sent by ({known})"
        )
    return factory(shipment, connections)


def pull_sender(shipment: Shipment, connections: Connections) -> Send:
    """Checks that the channel's ``public_url`` serves the file just published
    (`pipeline.delivery.pull_check`)."""
    from pipeline.delivery.pull_check import check_served_file

    feed, channel = shipment.feed, shipment.channel
    url = str(channel.public_url).format(market=feed["market"], file=feed["file"])
    auth = None
    if channel.public_url_connection:
        conn = connections.fields(channel.public_url_connection)
        auth = (conn.login, conn.password)

    def check(path: StoragePath | Path, progress: Any, checkpoint: Any) -> DeliveryOutcome:
        outcome = check_served_file(url, feed["sha256"], auth=auth)
        outcome.sent = feed["items"]
        return outcome

    return check


def sftp_sender(shipment: Shipment, connections: Connections) -> Send:
    """Uploads the file to the SFTP server of the market's connection, into the folder its
    extra names for the market (``paths``) or ``path`` (`pipeline.delivery.sftp_upload`)."""
    from pipeline.delivery.sftp_upload import upload_feed
    from schemas.config.delivery import SftpDelivery

    feed, delivery = shipment.feed, shipment.channel.delivery
    if not isinstance(delivery, SftpDelivery):
        raise TypeError(f"an SFTP sender for a {type(delivery).__name__}")
    conn_id = delivery.connection_id(feed["market"])
    try:
        conn = connections.fields(conn_id)
    except CredentialsError:  # not defined (Airflow's: ConnectionNotDefined)
        if delivery.connection is not None:
            raise
        own, conn_id = conn_id, "gmc_sftp"  # one account, a folder per market
        try:
            conn = connections.fields(conn_id)
        except ConnectionNotDefined as missing:
            raise ConnectionNotDefined(
                own, f"neither {own!r} nor {conn_id!r} is defined: {missing}"
            ) from None
    extra = conn.extra
    folder = (extra.get("paths") or {}).get(feed["market"]) or extra.get("path") or "."
    name = delivery.upload_name.format(market=feed["market"], file=feed["file"])

    def upload(path: StoragePath | Path, progress: Any, checkpoint: Any) -> DeliveryOutcome:
        with connections.sftp(conn_id) as client:
            outcome = upload_feed(client, path, folder, name, sha256=feed["sha256"])
        outcome.sent = feed["items"]
        return outcome

    return upload


def sp_api_sender(shipment: Shipment, connections: Connections) -> Send:
    """Sends the file as a ``JSON_LISTINGS_FEED`` through Amazon's Selling Partner API and
    waits for its processing report (`pipeline.delivery.amazon_feeds`)."""
    from feeds.amazon.marketplace import MARKETPLACE_IDS
    from feeds.checks import SCHEMAS
    from pipeline.delivery.amazon_feeds.flow import deliver_listings_feed
    from schemas.config.delivery import SpApiDelivery

    feed, delivery = shipment.feed, shipment.channel.delivery
    if not isinstance(delivery, SpApiDelivery):
        raise TypeError(f"an SP-API sender for a {type(delivery).__name__}")
    credentials = connections.oauth(delivery.connection_id(feed["market"]))
    report = SCHEMAS / "amazon_processing_report.schema.json"
    report_schema = json.loads(report.read_text(encoding="utf-8"))
    marketplace_id = MARKETPLACE_IDS[shipment.market.country]

    def submit(
        path: StoragePath | Path,
        progress: dict[str, Any] | None,
        checkpoint: Callable[[dict[str, Any]], None],
    ) -> DeliveryOutcome:
        with path.open("rb") as stream:
            data = stream.read()
        return deliver_listings_feed(
            data,
            marketplace_id=marketplace_id,
            credentials=credentials,
            environment=delivery.environment,
            resume=progress,
            checkpoint=checkpoint,
            poll_seconds=delivery.poll_seconds,
            max_wait_seconds=delivery.max_wait_minutes * 60,
            report_schema=report_schema,
        )

    return submit


def ebay_inventory_sender(shipment: Shipment, connections: Connections) -> Send:
    """Sends each line of the file as one eBay Inventory API call, recording the calls
    done so that a retry resumes after them (`pipeline.delivery.ebay_inventory`)."""
    import msgspec

    from pipeline.delivery.ebay_inventory.calls import InventoryProgress
    from pipeline.delivery.ebay_inventory.flow import deliver_inventory_file
    from pipeline.records import as_record
    from schemas.config.delivery import EbayInventoryDelivery

    feed, delivery = shipment.feed, shipment.channel.delivery
    if not isinstance(delivery, EbayInventoryDelivery):
        raise TypeError(f"an eBay Inventory sender for a {type(delivery).__name__}")
    credentials = connections.oauth(delivery.connection_id(feed["market"]))

    def call(
        path: StoragePath | Path,
        progress: dict[str, Any] | None,
        checkpoint: Callable[[dict[str, Any]], None],
    ) -> DeliveryOutcome:
        earlier = as_record(progress or {}, InventoryProgress, f"{feed['label']}'s progress")
        done = {int(k): msgspec.to_builtins(v) for k, v in earlier.calls.items()}

        def finished(index: int, result: dict[str, Any]) -> None:
            done[index] = result
            checkpoint({"calls": {str(k): v for k, v in done.items()}})

        with path.open("r", encoding="utf-8") as stream:
            lines = stream.read().splitlines()
        return deliver_inventory_file(
            lines,
            credentials=credentials,
            environment=delivery.environment,
            done=done,
            checkpoint=finished,
        )

    return call
