"""`pipeline.delivery.senders`: the sender a channel's registration gives for its delivery
method, the served-file check of a channel without one, and the SFTP sender's connection
and folder, against a real SFTP server (`tests.sftp_server`) and a local web server."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.channels import BUILT_IN, ChannelRegistration, registration
from pipeline.delivery.google_merchant.flow import google_api_sender, google_sftp_sender
from pipeline.delivery.outcome import ConnectionNotDefined, CredentialsError
from pipeline.delivery.senders import (
    ConnectionFields,
    Shipment,
    choose_sender,
    ebay_inventory_sender,
    sftp_sender,
    sp_api_sender,
)
from schemas.config.channel import Channel
from schemas.config.channels.amazon import AmazonChannel
from schemas.config.delivery import SftpDelivery
from schemas.config.loader import load_config
from tests.conftest import ROOT
from tests.sftp_server import PASSWORD, USERNAME, SftpServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pipeline.delivery.outcome import OAuthCredentials

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
DE = CONFIG.market("DE")
FEED = b"<rss><channel><item><g:id>SKU-1</g:id></item></channel></rss>\n"


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "published" / "google.xml"
    path.parent.mkdir()
    path.write_bytes(FEED)
    feed = {
        "market": "DE",
        "channel": "google",
        "file": "google.xml",
        "sha256": hashlib.sha256(FEED).hexdigest(),
        "items": 1,
    }
    return path, feed


class _Connections:
    """Connections by id; those not given are not defined, as Airflow would say."""

    def __init__(self, server: SftpServer | None = None, **defined: ConnectionFields) -> None:
        self.server = server
        self.defined = defined
        self.opened: list[str] = []

    def fields(self, conn_id: str) -> ConnectionFields:
        try:
            return self.defined[conn_id]
        except KeyError:
            raise ConnectionNotDefined(
                conn_id, f"the Airflow connection {conn_id!r} is not defined"
            ) from None

    def oauth(self, conn_id: str) -> OAuthCredentials:
        raise AssertionError("no API here")

    @contextlib.contextmanager
    def sftp(self, conn_id: str) -> Iterator[Any]:
        import paramiko

        assert self.server is not None
        self.opened.append(conn_id)
        transport = paramiko.Transport(("127.0.0.1", self.server.port))
        try:
            transport.connect(username=USERNAME, password=PASSWORD)
            with paramiko.SFTPClient.from_transport(transport) as client:
                yield client
        finally:
            transport.close()


def test_each_delivering_channel_is_registered_with_its_method_s_sender() -> None:
    senders = {name: dict(built.senders) for name, built in BUILT_IN.items() if built.senders}
    assert senders == {
        "google": {"sftp": google_sftp_sender, "merchant_api": google_api_sender},
        "amazon": {"sp_api": sp_api_sender},
        "ebay": {"ebay_inventory": ebay_inventory_sender},
    }


def test_the_channel_s_delivery_method_chooses_its_sender() -> None:
    chosen: list[Shipment] = []

    def sender(shipment: Shipment, connections: Any) -> Any:
        chosen.append(shipment)
        return "the sender"

    toy = ChannelRegistration("google", "feeds.google:GoogleMerchantFeed", senders={"sftp": sender})
    channel = Channel(required=["title"], delivery=SftpDelivery())
    shipment = Shipment(DE, channel, {"market": "DE", "file": "google.xml"})
    assert choose_sender(toy, shipment, _Connections()) == "the sender"
    assert chosen == [shipment]


def test_a_method_the_channel_cannot_be_sent_by_is_refused_naming_both() -> None:
    channel = AmazonChannel(required=["title"], delivery=SftpDelivery())
    shipment = Shipment(DE, channel, {"market": "DE", "file": "amazon-0001.json"})
    with pytest.raises(ValueError, match=r"method 'sftp' is not one the amazon channel can be"):
        choose_sender(registration("amazon"), shipment, _Connections())


def test_a_channel_without_delivery_is_checked_at_its_public_url(
    published: tuple[Path, dict[str, Any]],
) -> None:
    path, feed = published
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(path.parent))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    web = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=web.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{web.server_address[1]}/{{file}}"
        channel = Channel(required=["title"], public_url=url)
        send = choose_sender(
            registration("idealo"),
            Shipment(DE, channel, {**feed, "channel": "idealo"}),
            _Connections(),
        )
        outcome = send(path, None, lambda progress: None)
    finally:
        web.shutdown()
        web.server_close()
    assert (outcome.verdict, outcome.sent) == ("served", 1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    server = SftpServer(tmp_path / "sftp")
    (server.root / "de").mkdir()
    yield server.start()
    server.shutdown()


def test_sftp_falls_back_to_the_shared_connection_and_its_market_s_folder(
    server: SftpServer, published: tuple[Path, dict[str, Any]]
) -> None:
    path, feed = published
    shared = ConnectionFields("grenzenlos", "secret", {"paths": {"DE": "/de"}})
    connections = _Connections(server, gmc_sftp=shared)
    channel = Channel(required=["title"], delivery=SftpDelivery(upload_name="gl_{market}.xml"))
    send = choose_sender(registration("google"), Shipment(DE, channel, feed), connections)
    outcome = send(path, None, lambda progress: None)
    assert (outcome.verdict, outcome.reference, outcome.sent) == ("uploaded", "/de/gl_DE.xml", 1)
    assert connections.opened == ["gmc_sftp"]
    assert server.files() == ["/de/gl_DE.xml"]


def test_a_connection_the_channel_names_has_no_fallback(
    published: tuple[Path, dict[str, Any]],
) -> None:
    _, feed = published
    shared = ConnectionFields("grenzenlos", "secret", {"path": "/de"})
    delivery = SftpDelivery(connection="merchant_center_{market}")
    channel = Channel(required=["title"], delivery=delivery)
    with pytest.raises(CredentialsError, match="'merchant_center_de' is not defined"):
        sftp_sender(Shipment(DE, channel, feed), _Connections(gmc_sftp=shared))
