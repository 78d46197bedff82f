"""Real Airflow runs: localize_catalog publishes the sample, deliver_feeds sends it to an
SFTP server, Amazon's and eBay's APIs (local test servers that hold themselves to the
published contracts) and checks the URL idealo fetches from; the answers come back.

The scheduler is not run here: that the publish's Asset events start deliver_feeds is
checked in Airflow's own queue of asset-triggered runs (AssetDagRunQueue), and the files
those events name are the files a run by hand delivers. The tests of one delivery's
faults publish the feeds they deliver through localize_catalog's steps (`tests.steps`),
then run deliver_feeds with dag.test (its retries are what they test)."""

from __future__ import annotations

import functools
import json
import os
import threading
from datetime import UTC, date, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from schemas.findings import Finding
from tests.conftest import ROOT, run_folder
from tests.steps import run_steps

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.ebay_api_server import EbayApiServer
    from tests.sftp_server import SftpServer
    from tests.sp_api_server import SpApiServer

pytestmark = pytest.mark.integration
MARKETS = ["DE", "FR"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def marketplaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Storage, a config that delivers every channel, the servers and the connections."""
    from tests.ebay_api_server import EbayApiServer
    from tests.sftp_server import SftpServer
    from tests.sp_api_server import SpApiServer

    output = tmp_path / "output"
    output.mkdir()
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", output.as_uri())
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    # Asset-triggered runs are queued only for an unpaused consumer.
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")

    web = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(output)))
    threading.Thread(target=web.serve_forever, args=(0.05,), daemon=True).start()
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    text = text.replace("poll_seconds = 60", "poll_seconds = 0.05")
    url = f"http://127.0.0.1:{web.server_address[1]}/{{market}}/{{file}}"
    text = text.replace(
        '# public_url = "https://feeds.grenzenlos.example/{market}/{file}"',
        f'public_url = "{url}"',
    )
    config = tmp_path / "markets.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))

    sftp = SftpServer(tmp_path / "sftp").start()
    for folder in ("de", "fr"):
        (sftp.root / folder).mkdir()
    amazon = SpApiServer().start()
    ebay = EbayApiServer().start()
    # DE has its own Merchant Center account (key auth); FR shares one account with a
    # folder per market (password auth).
    monkeypatch.setenv("AIRFLOW_CONN_GMC_SFTP_DE", sftp.connection("key", path="/de"))
    shared = json.loads(sftp.connection("password"))
    shared["extra"]["paths"] = {"FR": "/fr"}
    monkeypatch.setenv("AIRFLOW_CONN_GMC_SFTP", json.dumps(shared))
    monkeypatch.setenv("AIRFLOW_CONN_AMAZON_SP_API", amazon.connection())
    monkeypatch.setenv("AIRFLOW_CONN_EBAY_API", ebay.connection())
    yield {"output": output, "sftp": sftp, "amazon": amazon, "ebay": ebay, "web": web}
    web.shutdown()
    ebay.stop()
    amazon.stop()
    sftp.shutdown()
    assert amazon.violations == []
    assert ebay.problems == []


LAST_RUN_ID: list[str] = []
"""The run id of the last `_run` (as in test_localize_catalog_run)."""


def _run(dag_id: str, day: int, conf: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """One dag.test() run; its state and the tries of each deliver task."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dag = DagBag(dag_folder=str(ROOT / "dags" / f"{dag_id}.py")).dags[dag_id]
    run = dag.test(logical_date=datetime(2026, 12, day, tzinfo=UTC), run_conf=conf)
    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.try_number).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
            )
        ).all()
    LAST_RUN_ID[:] = [run.run_id]
    return str(run.state), {f"{t}.{i}": tries for t, i, tries in rows}


def _publish(day: int) -> str:
    """The sample's DE feeds published through localize_catalog's steps (`tests.steps`):
    what a delivery starts from, where the localize run's Airflow side is not tested."""
    return run_steps(
        Path(os.environ["GRENZENLOS_CONFIG"]), date(2026, 12, day), markets=["DE"]
    ).state


def _unpause_delivery() -> None:
    """deliver_feeds in the metadata database and unpaused: only an unpaused consumer gets
    asset-triggered runs queued. The DAGs folder's bundle is written to the database
    first, as ``dag.test()`` and the DAG processor write it: a new DAG is created paused,
    and updating a row that does not exist yet would leave it so."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)
    with create_session() as session:
        unpaused = session.execute(
            update(DagModel).where(DagModel.dag_id == "deliver_feeds").values(is_paused=False)
        )
        assert unpaused.rowcount == 1  # type: ignore[attr-defined]


def _queued_for_delivery() -> int:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AssetDagRunQueue)
                .where(AssetDagRunQueue.target_dag_id == "deliver_feeds")
            )
            or 0
        )


def _events(run_id: str) -> list[dict[str, Any]]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return [{"uri": uri, "extra": extra or {}} for uri, extra in rows]


def _header(headers: dict[str, str], name: str) -> str:
    return {k.lower(): v for k, v in headers.items()}[name.lower()]


def _every_file_text(folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in folder.rglob("*")
        if path.is_file()
    )


def test_published_feeds_are_delivered_once_and_the_answers_come_back(
    airflow_db: Path,
    marketplaces: dict[str, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    from pipeline.deliver import plan_deliveries
    from schemas.config.loader import load_config
    from tests import ebay_api_server, sftp_server, sp_api_server

    output: Path = marketplaces["output"]
    sftp: SftpServer = marketplaces["sftp"]
    amazon: SpApiServer = marketplaces["amazon"]
    ebay: EbayApiServer = marketplaces["ebay"]
    _unpause_delivery()
    queued_before = _queued_for_delivery()
    assert _run("localize_catalog", 1, {"markets": MARKETS})[0] == "success"
    published_run = LAST_RUN_ID[0]
    events = _events(published_run)
    # Each published feed queued a deliver_feeds run (the scheduler starts it from there).
    assert _queued_for_delivery() - queued_before == len(events) > 0
    config = load_config(Path(os.environ["GRENZENLOS_CONFIG"]))
    by_events = plan_deliveries(config, output, events=events)
    by_hand = plan_deliveries(config, output, markets=MARKETS)
    assert by_events == by_hand
    assert {f["channel"] for f in by_hand} == {"google", "amazon", "ebay", "idealo"}

    # What the marketplaces will say: Amazon refuses one DE product and warns on
    # another, eBay refuses one, answers one bulk call with a 500 once, and Amazon
    # throttles the first createFeed.
    amazon.issues = {
        "GZ-BOT-0001": [
            {
                "code": "90220",
                "severity": "ERROR",
                "message": "'[batteries_required]' is required but not supplied.",
                "attributeNames": ["batteries_required"],
            }
        ],
        "GZ-BOT-0003": [{"code": "18027", "severity": "WARNING", "message": "Image is small."}],
    }
    amazon.throttle("createFeed", times=1, rate=50.0)
    ebay.refuse("GZ-BOT-0004", 25002, "A user error has occurred. Title too long.", "product.title")
    ebay.fail_bulk_call(2, times=1, status=500)

    state, tries = _run("deliver_feeds", 1, {})
    assert state == "success"
    # Faults healed inside the calls. deliver_google (Google by the Merchant API) has no
    # file here, Google going by SFTP: skipped, never tried.
    assert tries.pop("deliver_google.-1", 0) == 0
    assert all(n == 1 for n in tries.values()), tries

    # Google: each market's file on the SFTP server under its data source's name.
    for market, folder in (("DE", "/de"), ("FR", "/fr")):
        remote = f"{folder}/grenzenlos_{market}.xml"
        assert sftp.read(remote) == (output / market / "google.xml").read_bytes()
        assert sftp.files(folder) == [remote]  # no temporary file left
    # Amazon: one valid createFeed per file, for the market's marketplace, the bytes as live.
    assert sorted(f["marketplaceIds"][0] for f in amazon.created_feeds) == sorted(
        ["A1PA6795UKMFR9", "A13V1IB3VIYZZH"]
    )
    assert sorted(amazon.uploads.values()) == sorted(
        (output / m / "amazon-0001.json").read_bytes() for m in MARKETS
    )
    # eBay: every line a bulk call with the market's language, the 500 retried once.
    lines = {
        m: (output / m / "ebay.jsonl").read_text(encoding="utf-8").splitlines() for m in MARKETS
    }
    calls = ebay.bulk_calls()
    bulk = {m: [line for line in v if '"body"' in line] for m, v in lines.items()}
    assert len(calls) == sum(len(v) for v in bulk.values()) + 1
    assert {_header(c.headers, "Content-Language") for c in calls} == {"de-DE", "fr-FR"}
    sent = {r["sku"] for c in calls for r in c.body["requests"]}
    # Each product group as an inventory item group (eBay keys groups, like skus, per
    # seller: the last market's body stands).
    keys = {
        json.loads(line)["inventoryItemGroupKey"]
        for v in lines.values()
        for line in v
        if "inventoryItemGroupKey" in line
    }
    assert set(ebay.groups) == keys
    assert {"bergfink-daypack", "olivera-koroneiki"} <= keys
    assert {_header(c.headers, "Content-Language") for c in ebay.group_calls()} == {
        "de-DE",
        "fr-FR",
    }
    expected = {
        r["sku"] for v in bulk.values() for line in v for r in json.loads(line)["body"]["requests"]
    }
    assert sent == expected
    # Then each item's offer on its market's eBay site, published (a group's variants as
    # one listing per group and market); the refused item's offer is refused too (eBay
    # holds no such inventory item).
    offers = [
        offer
        for v in lines.values()
        for line in v
        if '"offers":[' in line
        for offer in json.loads(line)["offers"]
    ]
    held = {(o["sku"], o["marketplaceId"]): o["status"] for o in ebay.offers.values()}
    assert held == {
        (o["sku"], o["marketplaceId"]): "PUBLISHED" for o in offers if o["sku"] != "GZ-BOT-0004"
    }
    assert {m for _, m in held} == {"EBAY_DE", "EBAY_FR"}
    published = ebay.offer_calls("publishOfferByInventoryItemGroup")
    to_publish = [
        json.loads(line)
        for v in lines.values()
        for line in v
        if "publishInventoryItemGroup" in line
    ]
    assert {d["publishInventoryItemGroup"] for d in to_publish} == keys
    assert sorted(
        (c.body["inventoryItemGroupKey"], c.body["marketplaceId"]) for c in published
    ) == (sorted((d["publishInventoryItemGroup"], d["marketplaceId"]) for d in to_publish))

    # The answers, in the publishing run's folder.
    report_dir = run_folder(output, "2026-12-01")
    findings = [
        Finding.from_json(line)
        for line in (report_dir / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    marketplace = {
        (f.market, f.channel, f.sku, f.severity, f.rule, f.field)
        for f in findings
        if f.stage == "marketplace"
    }
    assert marketplace >= {
        ("DE", "amazon", "GZ-BOT-0001", "error", "90220", "batteries_required"),
        ("DE", "amazon", "GZ-BOT-0003", "warning", "18027", ""),
        ("DE", "ebay", "GZ-BOT-0004", "error", "25002", "product.title"),
    }
    summary = (report_dir / "summary.txt").read_text(encoding="utf-8")
    delivered = summary.split("delivered to the marketplaces:\n", 1)[1]
    assert "DE  amazon    amazon-0001.json: REFUSED in part or whole" in delivered
    assert "DE  google    google.xml: uploaded" in delivered
    assert "DE  idealo    idealo.csv: served at its URL" in delivered
    assert "FR  ebay      ebay.jsonl: REFUSED" in delivered  # GZ-BOT-0004 is sold in FR too
    run = json.loads((report_dir / "run.json").read_text(encoding="utf-8"))
    verdicts = {(d["market"], d["file"]): d["verdict"] for d in run["delivery"]}
    assert verdicts[("FR", "amazon-0001.json")] == "refused"  # the same product is sold there
    assert verdicts[("DE", "idealo.csv")] == "served"
    assert verdicts[("DE", "google.xml")] == "uploaded"
    assert "At the marketplaces" in (report_dir / "report.html").read_text(encoding="utf-8")
    refused = json.loads((output / "DE" / "amazon.refused.json").read_text(encoding="utf-8"))
    assert refused == ["GZ-BOT-0001"]

    # Delivered again: nothing is submitted a second time.
    before = (len(amazon.created_feeds), len(ebay.calls), sorted(sftp.files()))
    assert _run("deliver_feeds", 2, {})[0] == "success"
    assert (len(amazon.created_feeds), len(ebay.calls), sorted(sftp.files())) == before
    summary = (report_dir / "summary.txt").read_text(encoding="utf-8")
    assert "delivered before: not sent again" in summary
    assert summary.count("DE  amazon    amazon-0001.json") == 1

    # No secret in any file written, nor in any log line.
    secrets = [
        sp_api_server.CLIENT_SECRET,
        sp_api_server.REFRESH_TOKEN,
        ebay_api_server.CLIENT_SECRET,
        ebay_api_server.REFRESH_TOKEN,
        sftp_server.PASSWORD,
        *amazon.access_tokens,
    ]
    written = _every_file_text(output)
    logs = "".join(capfd.readouterr())
    for secret in secrets:
        assert secret not in written
        assert secret not in logs

    # The next night (delta): Amazon gets the refused product again though it is unchanged.
    assert _run("localize_catalog", 3, {"markets": ["DE"], "mode": "delta"})[0] == "success"
    resent = output / "DE" / "amazon-0001.json"
    skus = {m["sku"] for m in json.loads(resent.read_text(encoding="utf-8"))["messages"]}
    assert "GZ-BOT-0001" in skus and "GZ-BOT-0003" not in skus
    assert not (output / "DE" / "amazon.refused.json").exists()


def test_refused_credentials_fail_the_delivery_at_once_naming_the_connection(
    airflow_db: Path,
    marketplaces: dict[str, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    from tests import sp_api_server

    amazon: SpApiServer = marketplaces["amazon"]
    assert _publish(4) == "success"
    amazon.refuse_token = True
    state, tries = _run("deliver_feeds", 4, {"channels": ["amazon"]})
    assert state == "failed"
    assert tries["deliver_amazon.0"] == 1  # not retried: another try is refused the same way
    logs = "".join(capfd.readouterr())
    assert "amazon_sp_api" in logs and "invalid_grant" in logs
    assert sp_api_server.REFRESH_TOKEN not in logs
    summary = (run_folder(marketplaces["output"], "2026-12-04") / "summary.txt").read_text()
    assert "DE  amazon    amazon-0001.json: NOT DELIVERED" in summary
    assert amazon.created_feeds == []


def test_an_sftp_server_that_is_down_is_retried_until_it_is_up(
    airflow_db: Path, marketplaces: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    sftp: SftpServer = marketplaces["sftp"]
    output: Path = marketplaces["output"]
    assert _publish(5) == "success"
    sftp.stop()
    threading.Timer(4.0, sftp.start).start()
    state, _ = _run("deliver_feeds", 5, {"channels": ["google"], "markets": ["DE"]})
    assert state == "success"
    assert sftp.read("/de/grenzenlos_DE.xml") == (output / "DE" / "google.xml").read_bytes()
    # The SFTP hook's own reconnects (3, seconds apart) bridge a short outage within the
    # task's try; a longer one fails the try, and Airflow retries the task (3 retries).
    assert "Failed to connect. Sleeping before retry attempt 1" in "".join(capfd.readouterr())


def test_a_delivery_that_gave_up_waiting_resumes_polling_the_feed_it_created(
    airflow_db: Path, marketplaces: dict[str, Any]
) -> None:
    amazon: SpApiServer = marketplaces["amazon"]
    config = Path(os.environ["GRENZENLOS_CONFIG"])
    # Amazon takes longer to process the feed than the first try waits (0.12 s): four
    # polls (in queue, in progress twice, done), which four tries reach even when a loaded
    # machine lets each try poll only once.
    text = config.read_text(encoding="utf-8").replace(
        "max_wait_minutes = 120", "max_wait_minutes = 0.002"
    )
    config.write_text(text, encoding="utf-8")
    assert _publish(6) == "success"
    amazon.in_progress_polls = 2
    state, tries = _run("deliver_feeds", 6, {"channels": ["amazon"], "markets": ["DE"]})
    assert state == "success"
    assert tries["deliver_amazon.0"] >= 2  # the first try gave up; Airflow retried the task
    assert len(amazon.created_feeds) == 1  # the retry polled the same feed
    assert amazon.calls["createFeedDocument"] == 1
    record = next((marketplaces["output"] / "deliveries" / "DE" / "amazon").glob("*.json"))
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert (
        saved["status"] == "done" and saved["progress"]["feed_id"] == saved["outcome"]["reference"]
    )


def test_a_refused_sftp_login_fails_at_once_naming_the_connection(
    airflow_db: Path,
    marketplaces: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from tests import sftp_server

    sftp: SftpServer = marketplaces["sftp"]
    wrong = json.loads(sftp.connection("password", path="/de"))
    wrong["password"] = "not-the-password"
    monkeypatch.setenv("AIRFLOW_CONN_GMC_SFTP_DE", json.dumps(wrong))
    assert _publish(7) == "success"
    state, tries = _run("deliver_feeds", 7, {"channels": ["google"], "markets": ["DE"]})
    assert state == "failed"
    assert tries["deliver.0"] == 1  # not retried: the next try is refused the same way
    logs = "".join(capfd.readouterr())
    assert "refused the login of the Airflow connection 'gmc_sftp_de'" in logs
    assert "not-the-password" not in logs and sftp_server.PASSWORD not in logs
    assert sftp.files("/de") == []
