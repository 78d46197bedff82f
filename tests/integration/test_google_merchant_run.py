"""Issue #28's check: the sample catalog published for DE and FR through localize_catalog's
steps (`tests.steps`), Google's feeds delivered, DE by SFTP (a real SFTP server) and FR by
the Merchant API (the test server held to Google's discovery document), Google's statuses
read back from the Merchant API after each: the disapproved items are findings with
Google's codes, the approved counts are in the run's summary and report.html, and a
disapproved product is sent again once it changed (and only then)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree, html

from feeds.google import G_NS
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
from tests.steps import run_steps

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sftp_server import SftpServer

pytestmark = pytest.mark.integration
SOURCE_FR = f"accounts/{ACCOUNT}/dataSources/2002"
SOURCE_DE = f"accounts/{ACCOUNT}/dataSources/2001"


class _Connections:
    """What deliver_feeds hands the senders: the SFTP drop and the Merchant API's."""

    def __init__(self, sftp: SftpServer, google: GoogleMerchantServer) -> None:
        from pipeline.delivery.senders import ConnectionFields
        from tests.sftp_server import PASSWORD, USERNAME

        self.server = sftp
        self.defined = {
            "gmc_sftp": ConnectionFields(USERNAME, PASSWORD, {"paths": {"DE": "/de"}}),
            "gmc_api": ConnectionFields(CLIENT_ID, CLIENT_SECRET, google.connection_extra()),
        }
        self.uploads = 0

    def fields(self, conn_id: str) -> Any:
        from pipeline.delivery.outcome import ConnectionNotDefined

        try:
            return self.defined[conn_id]
        except KeyError:
            raise ConnectionNotDefined(conn_id, f"{conn_id!r} is not defined") from None

    def oauth(self, conn_id: str) -> Any:
        raise AssertionError("no OAuth app here")

    @contextlib.contextmanager
    def sftp(self, conn_id: str) -> Iterator[Any]:
        import paramiko

        from tests.sftp_server import PASSWORD, USERNAME

        self.uploads += 1
        transport = paramiko.Transport(("127.0.0.1", self.server.port))
        try:
            transport.connect(username=USERNAME, password=PASSWORD)
            with paramiko.SFTPClient.from_transport(transport) as client:
                yield client
        finally:
            transport.close()


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from tests.sftp_server import SftpServer

    output = tmp_path / "output"
    output.mkdir()
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", output.as_uri())
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "examples" / "sample_catalog", catalog)
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../examples/sample_catalog/', f'"{catalog}/')
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = tmp_path / "markets.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))
    sftp = SftpServer(tmp_path / "sftp").start()
    (sftp.root / "de").mkdir()
    google = GoogleMerchantServer().start()
    yield {"output": output, "config": config, "catalog": catalog, "sftp": sftp, "google": google}
    sftp.shutdown()
    google.stop()
    assert google.problems == []


def _skus(path: Path) -> list[str]:
    return [str(e.text).strip() for e in etree.parse(str(path)).iter(f"{{{G_NS}}}id")]


def _deliver(config_file: Path, output: Path, connections: _Connections) -> tuple[list, str]:
    """Plan and deliver the live Google files, DE by SFTP and FR by the Merchant API, and
    bring the answers into the publishing run (what deliver_feeds' tasks do)."""
    from pipeline.channels import registration
    from pipeline.deliver import deliver_feed, plan_deliveries, report_deliveries
    from pipeline.delivery.senders import Shipment, choose_sender
    from schemas.config.channels.google import GoogleChannel, GoogleFeedTarget
    from schemas.config.delivery import MerchantApiDelivery
    from schemas.config.loader import load_config

    config = load_config(config_file)
    sftp_channel = config.channels["google"]
    assert isinstance(sftp_channel, GoogleChannel)
    sftp_channel = sftp_channel.model_copy(update={"merchant_account": ACCOUNT})
    api_channel = sftp_channel.model_copy(
        update={
            "delivery": MerchantApiDelivery(calls_per_minute=60_000),
            "markets": {
                "DE": GoogleFeedTarget(data_source=SOURCE_DE),
                "FR": GoogleFeedTarget(data_source=SOURCE_FR),
            },
        }
    )
    api_channel.check_feed_targets({m: config.markets[m] for m in ("DE", "FR")})
    planned = plan_deliveries(config, output, markets=["DE", "FR"], channels=["google"])
    results = []
    for feed in planned:
        channel = sftp_channel if feed["market"] == "DE" else api_channel
        shipment = Shipment(config.market(feed["market"]), channel, feed)
        send = choose_sender(registration("google"), shipment, connections)
        results.append(deliver_feed(feed, output, send, Path))
    text, failed = report_deliveries(planned, results, output, Path)
    assert failed == []
    return results, text


def _raise_price(catalog: Path, sku: str) -> None:
    path = catalog / "products.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter=";"))
        fields = list(rows[0])
    for row in rows:
        if row["sku"] == sku:
            row["price-EUR"] = f"{float(row['price-EUR']) + 1:.2f}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_de_by_sftp_and_fr_by_api_come_back_with_google_s_verdicts(
    setup: dict[str, Any],
) -> None:
    output, google, sftp = setup["output"], setup["google"], setup["sftp"]
    first = run_steps(setup["config"], date(2026, 12, 7), markets=["DE", "FR"])
    assert first.state == "success", first.summary
    de_skus, fr_skus = (_skus(output / m / "google.xml") for m in ("DE", "FR"))
    bad_de, bad_fr = de_skus[0], fr_skus[1]

    # DE goes by SFTP: Google processed the uploaded file (the test says how).
    google.products[ACCOUNT] = [
        product(
            sku,
            "DE",
            "de",
            disapproved=("DE",) if sku == bad_de else (),
            approved=() if sku == bad_de else ("DE",),
            issues=(issue("invalid_upc", "DISAPPROVED", attribute="gtin"),)
            if sku == bad_de
            else (),
        )
        for sku in de_skus
    ]

    # FR goes by API: Google judges each input as it is inserted.
    def judge(body: dict[str, Any], source: str) -> dict[str, Any]:
        sku, price = body["offerId"], body["productAttributes"]["price"]["amountMicros"]
        judged[sku] = price
        wrong = sku == bad_fr and price == first_price[0]
        return product(
            sku,
            body["feedLabel"],
            body["contentLanguage"],
            disapproved=("FR",) if wrong else (),
            approved=() if wrong else ("FR",),
            issues=(
                issue(
                    "price_mismatch",
                    "DISAPPROVED",
                    attribute="price",
                    description="Mismatched price (page crawl)",
                ),
            )
            if wrong
            else (),
            data_source=source,
        )

    judged: dict[str, str] = {}
    first_price: list[str | None] = [None]
    tree = etree.parse(str(output / "FR" / "google.xml"))
    for item in tree.iter("item"):
        if item.findtext(f"{{{G_NS}}}id") == bad_fr:
            amount = str(item.findtext(f"{{{G_NS}}}price")).split()[0]
            first_price[0] = str(int(round(float(amount) * 1_000_000)))
    google.judge = judge
    connections = _Connections(sftp, google)

    results, text = _deliver(setup["config"], output, connections)
    verdicts = {r["market"]: (r["verdict"], r["refused"]) for r in results}
    assert verdicts == {"DE": ("refused", 1), "FR": ("refused", 1)}
    assert sftp.files() == ["/de/grenzenlos_DE.xml"]
    assert sorted(judged) == sorted(fr_skus)  # every FR item inserted by API

    report_dir = output / "runs" / first.report_dir.name
    findings = [
        Finding.from_json(line)
        for line in (report_dir / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    marketplace = sorted(
        (f.market, f.sku, f.rule, f.field) for f in findings if f.stage == "marketplace"
    )
    assert marketplace == [
        ("DE", bad_de, "invalid_upc", "gtin"),
        ("FR", bad_fr, "price_mismatch", "price"),
    ]
    summary = (report_dir / "summary.txt").read_text(encoding="utf-8")
    for market, skus in (("DE", de_skus), ("FR", fr_skus)):
        line = f"{len(skus) - 1} approved, 1 disapproved, 0 pending"
        assert line in summary and line in text, market
    page = html.parse(str(report_dir / "report.html")).getroot()
    for market, skus in (("DE", de_skus), ("FR", fr_skus)):
        [row] = page.xpath(f'//table[@id="delivery-table"]//tr[@data-market="{market}"]')
        cell = row.xpath('td[@data-figure="approved"]')[0]
        assert cell.text_content().strip() == str(len(skus) - 1)
    codes = [
        (tr.get("data-market"), tr.get("data-code"), tr.xpath("td")[3].text_content().strip())
        for tr in page.xpath('//table[@id="marketplace-issues"]/tbody/tr')
    ]
    assert codes == [
        ("DE", "invalid_upc", "Invalid upc"),
        ("FR", "price_mismatch", "Mismatched price (page crawl)"),
    ]
    refused_fr = json.loads((output / "FR" / "google.refused.json").read_text(encoding="utf-8"))
    assert refused_fr == [bad_fr]

    # The merchant corrects the price of the disapproved FR product; DE stays as it was.
    _raise_price(setup["catalog"], bad_fr)
    judged.clear()
    second = run_steps(setup["config"], date(2026, 12, 8), markets=["DE", "FR"])
    assert second.state == "success", second.summary
    uploads_before = connections.uploads
    results, text = _deliver(setup["config"], output, connections)
    by_market = {r["market"]: r for r in results}
    assert bad_fr in judged and judged[bad_fr] != first_price[0]  # re-sent, changed
    assert (by_market["FR"]["verdict"], by_market["FR"]["refused"]) == ("accepted", 0)
    assert f"{len(fr_skus)} approved, 0 disapproved" in text
    if by_market["DE"]["status"] == "already_delivered":  # its file did not change
        assert connections.uploads == uploads_before
    second_dir = output / "runs" / second.report_dir.name
    rules = [
        Finding.from_json(line).rule
        for line in (second_dir / "findings.jsonl").read_text(encoding="utf-8").splitlines()
        if '"marketplace"' in line
    ]
    assert "price_mismatch" not in rules
    # no secret of the Merchant API's connection in any file the runs and deliveries wrote
    written = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in output.rglob("*")
        if path.is_file()
    )
    for secret in (CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in written
