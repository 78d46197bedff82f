"""`pipeline.delivery.google_merchant.flow`: Google's delivery uploads the feed by SFTP
(a real SFTP server, `tests.sftp_server`) and then reads its items' statuses through the
Merchant API (`tests.google_merchant_server`); the answers reach the publishing run's
findings and report as Amazon's and eBay's do, and a disapproved sku is marked so the
next run sends it again."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.channels import registration
from pipeline.deliver import deliver_feed, plan_deliveries, report_deliveries
from pipeline.delivery.google_merchant.flow import STATUSES_UNREAD, wait_for_statuses
from pipeline.delivery.google_merchant.statuses import StatusReading
from pipeline.delivery.outcome import CredentialsError, DeliveryOutcome
from pipeline.delivery.senders import ConnectionFields, Shipment, choose_sender
from pipeline.google_statuses import reread_statuses
from pipeline.layout import read_refused
from schemas.config.channels.google import GoogleChannel
from schemas.config.delivery import SftpDelivery
from schemas.config.loader import load_config
from schemas.findings import Finding
from tests.conftest import ROOT
from tests.google_merchant_server import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    GoogleMerchantServer,
    issue,
    product,
)
from tests.sftp_server import PASSWORD, USERNAME, SftpServer

if TYPE_CHECKING:
    from collections.abc import Iterator

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
DE = CONFIG.market("DE")
RUN = "manual__2026-12-07T010000.000000_0000"
FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
    b"<item><g:id>tea-1</g:id></item><item><g:id>lamp-1</g:id></item>"
    b"</channel></rss>\n"
)


class _Connections:
    """The Airflow connections the DAG would hand over: the SFTP drop and the API's."""

    def __init__(self, sftp: SftpServer, defined: dict[str, ConnectionFields]) -> None:
        self.server = sftp
        self.defined = defined
        self.uploads = 0

    def fields(self, conn_id: str) -> ConnectionFields:
        try:
            return self.defined[conn_id]
        except KeyError:
            raise CredentialsError(f"the Airflow connection {conn_id!r} is not defined") from None

    def oauth(self, conn_id: str) -> Any:
        raise AssertionError("no OAuth app here")

    @contextlib.contextmanager
    def sftp(self, conn_id: str) -> Iterator[Any]:
        import paramiko

        self.uploads += 1
        transport = paramiko.Transport(("127.0.0.1", self.server.port))
        try:
            transport.connect(username=USERNAME, password=PASSWORD)
            with paramiko.SFTPClient.from_transport(transport) as client:
                yield client
        finally:
            transport.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[SftpServer, GoogleMerchantServer]]:
    sftp = SftpServer(tmp_path / "sftp")
    (sftp.root / "de").mkdir()
    google = GoogleMerchantServer()
    yield sftp.start(), google.start()
    sftp.shutdown()
    google.stop()
    assert google.problems == []


def _published(output: Path) -> dict[str, Any]:
    folder = output / "DE"
    folder.mkdir(parents=True)
    (folder / "google.xml").write_bytes(FEED)
    report_dir = output / "runs" / RUN
    report_dir.mkdir(parents=True)
    (report_dir / "run.json").write_text(
        json.dumps({"run_key": RUN, "status": "success", "feeds": [], "findings": {}}),
        encoding="utf-8",
    )
    (report_dir / "summary.txt").write_text(f"grenzenlos run {RUN}\n", encoding="utf-8")
    return {
        "market": "DE",
        "channel": "google",
        "file": "google.xml",
        "path": str(folder / "google.xml"),
        "sha256": hashlib.sha256(FEED).hexdigest(),
        "items": 2,
        "run": RUN,
        "label": "DE google.xml",
    }


def _channel(**settings: Any) -> GoogleChannel:
    return GoogleChannel(
        required=["title"],
        delivery=SftpDelivery(upload_name="grenzenlos_{market}.xml"),
        merchant_account=ACCOUNT,
        **settings,
    )


def _connections(sftp: SftpServer, google: GoogleMerchantServer) -> _Connections:
    return _Connections(
        sftp,
        {
            "gmc_sftp": ConnectionFields(USERNAME, PASSWORD, {"paths": {"DE": "/de"}}),
            "gmc_api": ConnectionFields(CLIENT_ID, CLIENT_SECRET, google.connection_extra()),
        },
    )


def test_google_s_answers_reach_the_run_and_a_disapproved_sku_is_sent_again(
    tmp_path: Path, servers: tuple[SftpServer, GoogleMerchantServer]
) -> None:
    sftp, google = servers
    google.products[ACCOUNT] = [
        product("tea-1", "DE", "de", approved=("DE",)),
        product(
            "lamp-1",
            "DE",
            "de",
            disapproved=("DE",),
            issues=(issue("invalid_upc", "DISAPPROVED", attribute="gtin"),),
        ),
    ]
    feed = _published(tmp_path)
    connections = _connections(sftp, google)
    send = choose_sender(registration("google"), Shipment(DE, _channel(), feed), connections)
    result = deliver_feed(feed, tmp_path, send, Path)

    assert sftp.files() == ["/de/grenzenlos_DE.xml"]
    assert (result["verdict"], result["sent"], result["accepted"], result["refused"]) == (
        "refused",
        2,
        1,
        1,
    )
    text, failed = report_deliveries([feed], [result], tmp_path, Path)
    assert failed == []
    assert (
        "google.xml: REFUSED in part or whole (2 sent, 1 accepted, 1 refused; "
        "1 approved, 1 disapproved, 0 pending)"
    ) in text
    report_dir = tmp_path / "runs" / RUN
    record = json.loads(Path(result["record"]).read_text(encoding="utf-8"))
    assert "1 approved, 1 disapproved, 0 pending of 2 products" in record["outcome"]["detail"]
    lines = (report_dir / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    findings = [Finding.from_json(line) for line in lines]
    assert [(f.stage, f.sku, f.rule, f.field, f.channel) for f in findings] == [
        ("marketplace", "lamp-1", "invalid_upc", "gtin", "google")
    ]
    assert read_refused(tmp_path / "DE" / "google.refused.json") == ["lamp-1"]
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-channel="google" data-verdict="refused"' in html
    assert "1 approved, 1 disapproved, 0 pending of 2 products." in html


def test_a_retry_reads_the_statuses_again_without_uploading_twice(
    tmp_path: Path, servers: tuple[SftpServer, GoogleMerchantServer]
) -> None:
    sftp, google = servers
    google.products[ACCOUNT] = [product("tea-1", "DE", "de", approved=("DE",))]
    feed = _published(tmp_path)
    connections = _connections(sftp, google)
    send = choose_sender(registration("google"), Shipment(DE, _channel(), feed), connections)
    recorded: dict[str, Any] = {}
    first = send(Path(feed["path"]), None, recorded.update)
    assert "uploaded" in recorded
    again = send(Path(feed["path"]), recorded, recorded.update)
    assert connections.uploads == 1
    assert first.to_json() == again.to_json()
    assert "1 not yet processed of 2 products" in again.detail


def test_when_the_api_cannot_be_read_the_upload_stands_with_a_warning(
    tmp_path: Path, servers: tuple[SftpServer, GoogleMerchantServer]
) -> None:
    sftp, google = servers
    google.refuse_refresh()
    feed = _published(tmp_path)
    connections = _connections(sftp, google)
    send = choose_sender(registration("google"), Shipment(DE, _channel(), feed), connections)
    outcome = send(Path(feed["path"]), None, lambda progress: None)
    assert outcome.verdict == "uploaded"
    assert [(i.code, i.severity) for i in outcome.issues] == [(STATUSES_UNREAD, "warning")]
    assert "gmc_api" in outcome.issues[0].message
    assert REFRESH_TOKEN not in json.dumps(outcome.to_json())
    assert sftp.files() == ["/de/grenzenlos_DE.xml"]


def test_without_a_merchant_account_google_is_uploaded_only(
    tmp_path: Path, servers: tuple[SftpServer, GoogleMerchantServer]
) -> None:
    sftp, google = servers
    feed = _published(tmp_path)
    channel = _channel().model_copy(update={"merchant_account": None})
    send = choose_sender(
        registration("google"), Shipment(DE, channel, feed), _connections(sftp, google)
    )
    outcome = send(Path(feed["path"]), None, lambda progress: None)
    assert outcome.verdict == "uploaded"
    assert google.calls == []


def test_the_wait_ends_when_nothing_is_pending_or_at_its_limit() -> None:
    waits: list[float] = []
    now = [0.0]
    readings = iter(
        [
            StatusReading(DeliveryOutcome("accepted", "first"), unsettled=2),
            StatusReading(DeliveryOutcome("accepted", "second"), unsettled=0),
            StatusReading(DeliveryOutcome("accepted", "never read"), unsettled=0),
        ]
    )

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    settled = wait_for_statuses(
        lambda: next(readings),
        wait_seconds=3600,
        poll_seconds=300,
        sleep=sleep,
        clock=lambda: now[0],
    )
    assert (settled.detail, waits) == ("second", [300])
    pending = StatusReading(DeliveryOutcome("accepted", "pending"), unsettled=1)
    waits.clear()
    last = wait_for_statuses(
        lambda: pending, wait_seconds=900, poll_seconds=300, sleep=sleep, clock=lambda: now[0]
    )
    assert (last.detail, waits) == ("pending", [300, 300, 300])


def test_a_scheduled_reading_brings_a_later_disapproval_into_the_run(
    tmp_path: Path, servers: tuple[SftpServer, GoogleMerchantServer]
) -> None:
    sftp, google = servers
    google.products[ACCOUNT] = [
        product("tea-1", "DE", "de", approved=("DE",)),
        product("lamp-1", "DE", "de", pending=("DE",)),
    ]
    feed = _published(tmp_path)
    manifest = {
        "market": "DE",
        "run": RUN,
        "feeds": [{k: feed[k] for k in ("file", "channel", "items", "sha256")}],
    }
    (tmp_path / "DE" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    config = load_config(ROOT / "config" / "markets.toml", env={})
    config.channels["google"] = _channel()
    connections = _connections(sftp, google)
    [planned] = plan_deliveries(config, tmp_path, markets=["DE"], channels=["google"])
    send = choose_sender(registration("google"), Shipment(DE, _channel(), planned), connections)
    first = deliver_feed(planned, tmp_path, send, Path)
    report_deliveries([planned], [first], tmp_path, Path)
    assert first["verdict"] == "accepted"

    # A day later Google has crawled the lamp's landing page.
    google.products[ACCOUNT][1] = product(
        "lamp-1",
        "DE",
        "de",
        disapproved=("DE",),
        issues=(issue("landing_page_error", "DISAPPROVED", attribute="link"),),
    )
    results, unread = reread_statuses(config, tmp_path, connections, Path, markets=["DE"])
    assert unread == []
    assert connections.uploads == 1  # read again, not uploaded again
    text, _ = report_deliveries(results, results, tmp_path, Path)
    assert "REFUSED in part or whole (2 sent, 1 accepted, 1 refused; 1 approved" in text
    assert read_refused(tmp_path / "DE" / "google.refused.json") == ["lamp-1"]
    lines = (tmp_path / "runs" / RUN / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    assert [Finding.from_json(line).rule for line in lines] == ["landing_page_error"]
