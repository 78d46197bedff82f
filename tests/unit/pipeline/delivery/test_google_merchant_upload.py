"""Uploads by API (`pipeline.delivery.google_merchant.upload`, `.inputs`): the Google feed
files the writer produced (the golden files under ``tests/cases/feeds``) sent as product
inputs to the Merchant API test server (`tests.google_merchant_server`, which checks
every insert body against Google's ``ProductInput`` and refuses unknown fields), in
batches, resumed after a failure, within Google's quota, the dropped products deleted,
then the statuses read back as after an SFTP upload."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree, html

from feeds.google import G_NS
from pipeline.channels import registration
from pipeline.deliver import deliver_feed, report_deliveries
from pipeline.delivery.google_merchant.inputs import feed_products
from pipeline.delivery.google_merchant.statuses import default_retry
from pipeline.delivery.google_merchant.upload import Pace, input_name, upload_feed_file
from pipeline.delivery.outcome import ConnectionNotDefined, DeliveryError
from pipeline.delivery.senders import ConnectionFields, Shipment, choose_sender
from schemas.config.channels.google import FeedTarget, GoogleChannel, GoogleFeedTarget
from schemas.config.delivery import MerchantApiDelivery
from schemas.config.loader import load_config
from tests.conftest import ROOT
from tests.google_merchant_server import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    GoogleMerchantServer,
    contract_validator,
    issue,
    product,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

CASES = ROOT / "tests" / "cases" / "feeds"
CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
DE, FR = CONFIG.market("DE"), CONFIG.market("FR")
SOURCE_DE = f"accounts/{ACCOUNT}/dataSources/2001"
SOURCE_FR = f"accounts/{ACCOUNT}/dataSources/2002"
RUN = "manual__2026-12-07T010000.000000_0000"


def _skus(path: Path) -> list[str]:
    tree = etree.parse(str(path))
    return [str(e.text).strip() for e in tree.iter(f"{{{G_NS}}}id")]


class _Connections:
    def __init__(self, defined: dict[str, ConnectionFields]) -> None:
        self.defined = defined

    def fields(self, conn_id: str) -> ConnectionFields:
        try:
            return self.defined[conn_id]
        except KeyError:
            raise ConnectionNotDefined(conn_id, f"{conn_id!r} is not defined") from None

    def oauth(self, conn_id: str) -> Any:
        raise AssertionError("not used")

    def sftp(self, conn_id: str) -> Any:
        raise AssertionError("an upload by API uses no SFTP")


@pytest.fixture
def google() -> Iterator[GoogleMerchantServer]:
    server = GoogleMerchantServer(page_limit=3).start()
    yield server
    server.stop()
    assert server.problems == []


def _channel(**delivery: Any) -> GoogleChannel:
    return GoogleChannel(
        required=["title"],
        delivery=MerchantApiDelivery(calls_per_minute=60_000, **delivery),
        merchant_account=ACCOUNT,
        markets={
            "DE": GoogleFeedTarget(data_source=SOURCE_DE),
            "FR": GoogleFeedTarget(data_source=SOURCE_FR),
        },
    )


def _connections(google: GoogleMerchantServer) -> _Connections:
    extra = google.connection_extra()
    return _Connections({"gmc_api": ConnectionFields(CLIENT_ID, CLIENT_SECRET, extra)})


def _access(google: GoogleMerchantServer) -> Any:
    from pipeline.delivery.google_merchant.access import MerchantApiAccess

    return MerchantApiAccess.from_connection("gmc_api", _connections(google).fields("gmc_api"))


def _published(output: Path, market: str, case: Path) -> dict[str, Any]:
    folder = output / market
    folder.mkdir(parents=True, exist_ok=True)
    data = case.read_bytes()
    (folder / "google.xml").write_bytes(data)
    report_dir = output / "runs" / RUN
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "run.json").write_text(
        json.dumps({"run_key": RUN, "status": "success", "feeds": [], "findings": {}}),
        encoding="utf-8",
    )
    (report_dir / "summary.txt").write_text(f"grenzenlos run {RUN}\n", encoding="utf-8")
    return {
        "market": market,
        "channel": "google",
        "file": "google.xml",
        "path": str(folder / "google.xml"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "items": len(_skus(case)),
        "run": RUN,
        "label": f"{market} google.xml",
    }


@pytest.mark.parametrize(
    "case",
    [
        "google.xml",
        "variants/google.xml",
        "shipping/google-US.xml",
        "sales/google-DE.xml",
        "sales/google-CH.xml",
        "sales/google-PL.xml",
    ],
)
def test_every_item_the_writer_produces_is_a_product_input_google_s_definition_allows(
    case: str,
) -> None:
    path = CASES / case
    products = list(feed_products(path, FeedTarget("DE", "de")))
    assert [p.offer_id for p in products] == _skus(path)
    validator = contract_validator("ProductInput")
    for item in products:
        assert [e.message for e in validator.iter_errors(item.body)] == []
        assert "customAttributes" not in item.body  # every attribute has its typed field


def test_the_item_s_values_arrive_in_the_api_s_types() -> None:
    body = next(feed_products(CASES / "sales" / "google-DE.xml", FeedTarget("DE", "de"))).body
    tree = etree.parse(str(CASES / "sales" / "google-DE.xml"))
    item = next(tree.iter("item"))

    def text(name: str) -> str:
        return str(item.findtext(f"{{{G_NS}}}{name}")).strip()

    attributes = body["productAttributes"]
    amount, currency = text("price").split()
    assert attributes["price"] == {
        "amountMicros": str(int(float(amount) * 1_000_000)),
        "currencyCode": currency,
    }
    assert attributes["availability"] == text("availability").upper()
    assert attributes["title"] == text("title")
    assert (body["offerId"], body["feedLabel"], body["contentLanguage"]) == (text("id"), "DE", "de")


def test_a_feed_is_inserted_in_batches_and_dropped_products_are_deleted(
    tmp_path: Path, google: GoogleMerchantServer
) -> None:
    case = CASES / "sales" / "google-DE.xml"
    skus = _skus(case)
    google.products[ACCOUNT] = [
        product("gone-1", "DE", "de", approved=("DE",), data_source=SOURCE_DE),
        # another data source's (an SFTP file's) and another language's: not ours to delete
        product("other-1", "DE", "de", approved=("DE",)),
        product("gone-2", "FR", "fr", approved=("FR",), data_source=SOURCE_DE),
    ]
    google.inputs[ACCOUNT] = {
        "de~DE~gone-1": {"offerId": "gone-1", "dataSource": SOURCE_DE},
    }
    recorded: list[dict[str, Any]] = []
    outcome = upload_feed_file(
        case,
        _access(google),
        ACCOUNT,
        SOURCE_DE,
        FeedTarget("DE", "de"),
        progress=None,
        checkpoint=lambda p: recorded.append(json.loads(json.dumps(p))),
        batch_size=2,
    )
    assert sorted(k.split("~")[2] for k in google.inputs[ACCOUNT]) == sorted(skus)
    assert all(v["dataSource"] == SOURCE_DE for v in google.inputs[ACCOUNT].values())
    deletes = [c for c in google.api_calls if c.method == "DELETE"]
    assert [(c.path, c.query["dataSource"], c.status) for c in deletes] == [
        (f"/products/v1/{input_name(ACCOUNT, FeedTarget('DE', 'de'), 'gone-1')}", [SOURCE_DE], 200)
    ]
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("accepted", len(skus), len(skus))
    assert f"{len(skus)} of {len(skus)} product inputs inserted, 1 deleted" in outcome.detail
    # progress recorded along the way: what to delete first, then every 2 calls
    assert recorded[0]["dropped"] == ["gone-1"] and recorded[0]["inserted"] == 0
    assert [r["inserted"] for r in recorded[1:-1]][:2] == [2, 4]


def test_a_retry_resumes_after_the_inserts_done_without_sending_them_again(
    google: GoogleMerchantServer,
) -> None:
    case = CASES / "sales" / "google-DE.xml"
    skus = _skus(case)
    progress: dict[str, Any] = {}
    # Google's quota runs out after the list and three inserts, for longer than the
    # retry waits: the delivery fails with what it did recorded.
    google.exhaust_quota(times=10_000, after_calls=4)
    with pytest.raises(DeliveryError, match="Quota exceeded") as failed:
        upload_feed_file(
            case,
            _access(google),
            ACCOUNT,
            SOURCE_DE,
            FeedTarget("DE", "de"),
            progress=None,
            checkpoint=progress.update,
            batch_size=100,
            retry=default_retry(deadline_seconds=0.5, initial_seconds=0.05),
        )
    assert "the next try resumes after them" in str(failed.value)
    assert progress["inserted"] == 3  # recorded although no batch of 100 was full
    assert len(google.inputs[ACCOUNT]) == 3

    google.exhaust_quota(times=0)  # the next minute
    sent_before = len([c for c in google.api_calls if c.method == "POST" and c.status == 200])
    outcome = upload_feed_file(
        case,
        _access(google),
        ACCOUNT,
        SOURCE_DE,
        FeedTarget("DE", "de"),
        progress=progress,
        checkpoint=progress.update,
    )
    sent = len([c for c in google.api_calls if c.method == "POST" and c.status == 200])
    assert sent - sent_before == len(skus) - 3  # the three done are not sent again
    assert (outcome.sent, outcome.accepted) == (len(skus), len(skus))
    assert sorted(k.split("~")[2] for k in google.inputs[ACCOUNT]) == sorted(skus)


def test_a_passing_quota_error_and_an_expired_token_mid_batch_are_overcome(
    google: GoogleMerchantServer,
) -> None:
    case = CASES / "sales" / "google-DE.xml"
    skus = _skus(case)
    google.expire_tokens(after_calls=3)
    access = _access(google)
    progress: dict[str, Any] = {}
    outcome = upload_feed_file(
        case,
        access,
        ACCOUNT,
        SOURCE_DE,
        FeedTarget("DE", "de"),
        progress=None,
        checkpoint=progress.update,
        retry=default_retry(deadline_seconds=30, initial_seconds=0.05),
    )
    inserts = [c.status for c in google.api_calls if c.method == "POST"]
    # the token expired after the list and 2 inserts: renewed, the 3rd insert sent again
    assert inserts == [200, 200, 401, 200, 200]
    assert outcome.accepted == len(skus)

    before = len(google.api_calls)
    # mid-batch: after the list's 2 pages and 3 inserts
    google.exhaust_quota(times=2, after_calls=5)
    again = upload_feed_file(
        case,
        access,
        ACCOUNT,
        SOURCE_DE,
        FeedTarget("DE", "de"),
        progress=None,
        checkpoint=progress.update,
        retry=default_retry(deadline_seconds=30, initial_seconds=0.05),
    )
    inserts = [c.status for c in google.api_calls[before:] if c.method == "POST"]
    assert inserts == [200, 200, 200, 429, 429, 200]  # the 4th insert tried again, accepted
    assert again.accepted == len(skus)
    tokens = [c for c in google.calls if c.path == "/token"]
    assert len(tokens) >= 2  # renewed after the 401


def test_calls_are_paced_to_the_configured_rate() -> None:
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pace = Pace(120.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(4):
        pace.wait()
    assert waits == [0.5, 0.5, 0.5]


def test_an_item_google_refuses_is_a_refused_sku_and_the_rest_go_on(
    tmp_path: Path, google: GoogleMerchantServer
) -> None:
    case = CASES / "sales" / "google-DE.xml"
    skus = _skus(case)
    google.refuse_offers({skus[1]: "[price] Invalid price: currency does not match the feed"})
    feed = _published(tmp_path, "DE", case)
    connections = _connections(google)
    send = choose_sender(registration("google"), Shipment(DE, _channel(), feed), connections)
    result = deliver_feed(feed, tmp_path, send, Path)
    assert (result["verdict"], result["sent"], result["refused"]) == ("refused", len(skus), 1)
    record = json.loads(Path(str(result["record"])).read_text(encoding="utf-8"))
    assert record["outcome"]["refused_skus"] == [skus[1]]
    [refusal] = [i for i in record["outcome"]["issues"] if i["code"] == "product_input_refused"]
    assert "Invalid price" in refusal["message"]
    # the statuses were read back after the upload, as after an SFTP upload
    assert f"{len(skus) - 1} approved, 0 disapproved" in record["outcome"]["detail"]
    assert REFRESH_TOKEN not in json.dumps(record) and CLIENT_SECRET not in json.dumps(record)


def test_without_its_connection_the_upload_is_not_configured(tmp_path: Path) -> None:
    case = CASES / "sales" / "google-DE.xml"
    feed = _published(tmp_path, "DE", case)
    with pytest.raises(ConnectionNotDefined):
        choose_sender(registration("google"), Shipment(DE, _channel(), feed), _Connections({}))


def test_the_configuration_refuses_an_upload_by_api_without_a_data_source() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    google = config.channels["google"]
    assert isinstance(google, GoogleChannel)
    channel = google.model_copy(
        update={"delivery": MerchantApiDelivery(), "merchant_account": ACCOUNT}
    )
    with pytest.raises(ValueError, match=r"markets\.\w+\.data_source"):
        channel.check_feed_targets(config.markets)


def test_disapproved_items_of_an_upload_by_api_are_refused_with_google_s_codes(
    tmp_path: Path, google: GoogleMerchantServer
) -> None:
    case = CASES / "sales" / "google-FR.xml"
    skus = _skus(case)

    def judge(body: dict[str, Any], source: str) -> dict[str, Any]:
        if body["offerId"] == skus[0]:
            return product(
                body["offerId"],
                body["feedLabel"],
                body["contentLanguage"],
                disapproved=("FR",),
                issues=(issue("invalid_upc", "DISAPPROVED", attribute="gtin"),),
                data_source=source,
            )
        return product(
            body["offerId"],
            body["feedLabel"],
            body["contentLanguage"],
            approved=("FR",),
            data_source=source,
        )

    google.judge = judge
    feed = _published(tmp_path, "FR", case)
    send = choose_sender(
        registration("google"), Shipment(FR, _channel(), feed), _connections(google)
    )
    result = deliver_feed(feed, tmp_path, send, Path)
    assert (result["verdict"], result["refused"], result["accepted"]) == (
        "refused",
        1,
        len(skus) - 1,
    )
    record = json.loads(Path(str(result["record"])).read_text(encoding="utf-8"))
    assert [(i["sku"], i["code"]) for i in record["outcome"]["issues"]] == [
        (skus[0], "invalid_upc")
    ]

    # the run's summary and report.html say the numbers and the top issue
    text, failed = report_deliveries([feed], [result], tmp_path, Path)
    assert failed == []
    approved = len(skus) - 1
    assert f"{approved} approved, 1 disapproved, 0 pending" in text
    summary = (tmp_path / "runs" / RUN / "summary.txt").read_text(encoding="utf-8")
    assert f"{approved} approved, 1 disapproved, 0 pending" in summary
    page = html.parse(str(tmp_path / "runs" / RUN / "report.html")).getroot()
    [row] = page.xpath('//table[@id="delivery-table"]//tr[@data-market="FR"]')
    figures = {td.get("data-figure"): td.text_content().strip() for td in row.xpath("td")}
    assert (figures["approved"], figures["disapproved"], figures["pending"]) == (
        str(approved),
        "1",
        "0",
    )
    [top] = page.xpath('//table[@id="marketplace-issues"]/tbody/tr')
    cells = [td.text_content().strip() for td in top.xpath("td")]
    assert cells == ["FR", "google", "invalid_upc", "Invalid upc", "1"]


def test_the_test_server_refuses_a_field_google_s_definition_does_not_have() -> None:
    import requests

    server = GoogleMerchantServer().start()
    try:
        token = requests.post(
            server.endpoint + "/token",
            data={
                "grant_type": "refresh_token",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "refresh_token": REFRESH_TOKEN,
            },
            timeout=10,
        ).json()["access_token"]
        answer = requests.post(
            f"{server.endpoint}/products/v1/accounts/{ACCOUNT}/productInputs:insert",
            params={"dataSource": SOURCE_DE},
            json={
                "offerId": "tea-1",
                "contentLanguage": "de",
                "feedLabel": "DE",
                "productAttributes": {"titel": "Tee"},
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    finally:
        server.stop()
    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert server.inputs == {}
    assert any("titel" in problem for problem in server.problems)
