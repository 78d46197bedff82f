"""Amazon's processing wait in a real deployment: ``deliver_feeds`` on the Celery cluster of
``examples/cluster/cluster.sh`` (scheduler, DAG processor, API server, triggerer, one
Celery worker, each its own process), delivering DE's Amazon file to the SP-API test
server (`tests.sp_api_server`), which keeps the feed in progress until the test lets it
finish.

While Amazon "processes" the feed, the ``deliver_amazon`` task is ``deferred`` (read
through the API server, as the UI shows it): its trigger is `AmazonFeedTrigger` on the
running triggerer, the worker runs nothing and the ``amazon_sp_api`` pool counts the task
as deferred, not running. Then the triggerer is killed (SIGKILL, its trigger runner with
it) and started again: the new triggerer takes the trigger over once the dead one's
heartbeat is older than ``[triggerer] triggerer_health_check_threshold`` (10 s here, 30 s by
default) and polls the same feed; the task resumes on the worker, reads the processing
report, and the run succeeds with Amazon's answer in the publishing run's findings.
createFeed was called once.

What ``dag.test()`` (tests/integration/test_amazon_deferred_run.py) cannot show: the
trigger crossing processes (serialized into the metadata database by the worker, built
again by another triggerer), the worker slot released while the trigger waits, and a
triggerer that dies mid-wait. The live files are on the local disk (one machine), not on
S3 as in test_celery_cluster.py, whose fixtures (databases, Redis) this module shares.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from schemas.findings import Finding
from tests.cluster import CeleryCluster
from tests.conftest import ROOT, run_folder
from tests.integration.test_celery_cluster import (
    cluster_name,
    memory_database,
    metadata_database,
    redis_broker,
)
from tests.steps import run_steps

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.sp_api_server import SpApiServer

pytestmark = [pytest.mark.integration, pytest.mark.cluster]
__all__ = ["cluster_name", "memory_database", "metadata_database", "redis_broker"]

RUN = "2026-11-26"
POLL_SECONDS = 0.5
"""The trigger's first wait between two getFeed calls (``poll_seconds`` in the channel's
delivery; the shipped config says 60). The waits grow to ten times this, 5 s."""
HEALTH_CHECK_SECONDS = 10
"""``[triggerer] triggerer_health_check_threshold``: after this long without a heartbeat a
triggerer counts as dead and its triggers go to another."""
REFUSED = "GZ-BOT-0001"
"""The DE product Amazon's processing report refuses."""


@pytest.fixture(scope="module")
def amazon() -> Iterator[SpApiServer]:
    """The SP-API test server; no contract break on its side afterwards."""
    from tests.sp_api_server import SpApiServer

    server = SpApiServer().start()
    yield server
    server.stop()
    assert server.violations == []


@pytest.fixture(scope="module")
def delivery_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a config whose Amazon delivery polls every ``POLL_SECONDS``; the
    cluster reads it, and its output and staging are in the folder."""
    folder = tmp_path_factory.mktemp("delivery")
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    assert "poll_seconds = 60," in text
    text = text.replace("poll_seconds = 60,", f"poll_seconds = {POLL_SECONDS},")
    (folder / "markets.toml").write_text(text, encoding="utf-8")
    return folder


def _publish(folder: Path) -> None:
    """DE's feeds published through localize_catalog's steps (`tests.steps`) into the
    folder's output: what the cluster's deliver_feeds starts from."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in _storage(folder).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(folder / "memory.sqlite"))
        run = run_steps(folder / "markets.toml", date.fromisoformat(RUN), markets=["DE"])
    assert run.state == "success", run.summary
    assert (folder / "output" / "DE" / "amazon-0001.json").exists()


def _storage(folder: Path) -> dict[str, str]:
    return {
        "GRENZENLOS_CONFIG": str(folder / "markets.toml"),
        "GRENZENLOS_STAGING_URL": (folder / "staging").as_uri(),
        "GRENZENLOS_OUTPUT_URL": (folder / "output").as_uri(),
    }


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    cluster_name: str,
    redis_broker: str,
    metadata_database: str,
    memory_database: str,
    amazon: SpApiServer,
    delivery_folder: Path,
) -> Iterator[CeleryCluster]:
    """The cluster with one worker, up and healthy, its components reading the module's
    config and output and the SP-API connection to the test server, and DE's feeds
    published (in this process while the cluster starts: about 30 s of each saved).
    Every process it started is stopped afterwards, also when starting it or the test
    failed."""
    environment = {
        **os.environ,
        **_storage(delivery_folder),
        "GRENZENLOS_CLUSTER_DATABASE": metadata_database,
        "GRENZENLOS_CLUSTER_MEMORY_DATABASE": memory_database,
        "GRENZENLOS_CLUSTER_REDIS": redis_broker,
        "GRENZENLOS_CLUSTER_NAME": cluster_name,
        # One worker with one slot is all a delivery of one file needs.
        "GRENZENLOS_CLUSTER_WORKERS": "worker-a",
        "GRENZENLOS_CLUSTER_WORKER_CONCURRENCY": "1",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # What a deployment sets for all its components: the worker and the triggerer
        # both read the SP-API credentials from it.
        "AIRFLOW_CONN_AMAZON_SP_API": amazon.connection(),
        # A triggerer without a heartbeat for 10 s (default 30 s) is dead: the new one
        # takes its triggers over then. It beats every 2 s (default 5 s).
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(HEALTH_CHECK_SECONDS),
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
        "GRENZENLOS_RETRY_DELAY_SECONDS": "1",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        "GRENZENLOS_CLUSTER_STOP_GRACE": "5",
    }
    cluster = CeleryCluster(tmp_path_factory.mktemp("cluster"), environment)
    try:
        with ThreadPoolExecutor(1) as starting:
            started = starting.submit(cluster.up)
            _publish(delivery_folder)
            started.result()
        yield cluster
    finally:
        cluster.down()
        assert cluster.running() == [], "cluster processes outlived cluster.sh down"


def _until(what: str, check: Callable[[], Any], timeout: float, cluster: CeleryCluster) -> Any:
    """``check()`` polled until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout:.0f} s\n{cluster.log_tails()}")


def _trigger_delivery(cluster: CeleryCluster) -> str:
    """deliver_feeds unpaused (once the DAG processor has parsed it) and run by hand for
    DE's Amazon file; the run id."""

    def unpaused() -> bool:
        try:
            cluster.api("PATCH", "/dags/deliver_feeds", {"is_paused": False})
        except urllib.error.HTTPError as exc:
            if exc.code == 404:  # not parsed yet
                return False
            raise
        return True

    _until("deliver_feeds parsed", unpaused, 120, cluster)
    run = cluster.api(
        "POST",
        "/dags/deliver_feeds/dagRuns",
        {"logical_date": None, "conf": {"channels": ["amazon"], "markets": ["DE"]}},
    )
    return str(run["dag_run_id"])


def _deliver_amazon(cluster: CeleryCluster, run_id: str) -> dict[str, Any]:
    """The ``deliver_amazon`` task instance of DE's one file (its trigger and the
    triggerer running it included)."""
    url = cluster.run_url("deliver_feeds", run_id)
    instance: dict[str, Any] = cluster.api("GET", f"{url}/taskInstances/deliver_amazon/0")
    return instance


def _deferred(cluster: CeleryCluster, run_id: str) -> dict[str, Any] | None:
    try:
        instance = _deliver_amazon(cluster, run_id)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # not mapped yet
            return None
        raise
    assert instance["state"] in (None, "scheduled", "queued", "running", "deferred"), instance
    return instance if instance["state"] == "deferred" else None


def _triggerer(cluster: CeleryCluster, run_id: str) -> int | None:
    """The id of the triggerer job that runs the task's trigger (None: none yet)."""
    trigger = _deliver_amazon(cluster, run_id)["trigger"]
    return None if trigger is None else trigger["triggerer_id"]


def _running_triggerers(cluster: CeleryCluster) -> set[int]:
    """The triggerer jobs Airflow counts as alive (a recent heartbeat)."""
    jobs = cluster.api("GET", "/jobs?job_type=TriggererJob&is_alive=true&limit=100")["jobs"]
    return {job["id"] for job in jobs}


def test_a_triggerer_killed_mid_wait_is_replaced_and_the_delivery_completes(
    cluster: CeleryCluster, amazon: SpApiServer, delivery_folder: Path
) -> None:
    amazon.in_progress_polls = 10**6  # in progress until the test lets it finish
    amazon.issues = {
        REFUSED: [
            {
                "code": "90220",
                "severity": "ERROR",
                "message": "'[batteries_required]' is required but not supplied.",
                "attributeNames": ["batteries_required"],
            }
        ]
    }
    run_id = _trigger_delivery(cluster)

    # The task submitted the feed and handed the wait to the triggerer.
    waiting = _until("deferred deliver_amazon", lambda: _deferred(cluster, run_id), 180, cluster)
    trigger = waiting["trigger"]
    assert trigger["classpath"] == "grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger"
    first_triggerer = _until(
        "the trigger on a triggerer", lambda: _triggerer(cluster, run_id), 60, cluster
    )
    assert first_triggerer in _running_triggerers(cluster)
    _until("getFeed polls from the triggerer", lambda: amazon.calls["getFeed"] >= 2, 60, cluster)
    # No worker slot is held: the worker runs nothing, and the Amazon pool counts the
    # task as deferred, not running (the pool does not include deferred tasks).
    active = cluster.active_celery_tasks(workers=1)
    assert len(active) == 1 and next(iter(active.values())) == [], active
    pool = cluster.api("GET", "/pools/amazon_sp_api")
    assert (pool["running_slots"], pool["deferred_slots"], pool["occupied_slots"]) == (0, 1, 0)
    assert _deliver_amazon(cluster, run_id)["state"] == "deferred"
    assert amazon.calls["createFeed"] == 1

    # The triggerer's machine goes away mid-wait; a supervisor starts it again.
    cluster.kill("triggerer")
    polls_at_kill = amazon.calls["getFeed"]
    cluster.start("triggerer")

    def taken_over() -> int | None:
        moved = _triggerer(cluster, run_id) not in (None, first_triggerer)
        polled = amazon.calls["getFeed"] > polls_at_kill
        return _triggerer(cluster, run_id) if moved and polled else None

    second_triggerer = _until("the trigger on the new triggerer", taken_over, 120, cluster)
    assert second_triggerer in _running_triggerers(cluster)
    assert first_triggerer not in _running_triggerers(cluster)
    resumed = _deliver_amazon(cluster, run_id)
    assert resumed["state"] == "deferred" and resumed["trigger"]["id"] == trigger["id"]
    assert amazon.calls["createFeed"] == 1
    amazon.in_progress_polls = 0  # Amazon is done at the next poll

    state = cluster.wait_for_run("deliver_feeds", run_id, timeout=180)
    assert state == "success", f"run {state}\n{cluster.log_tails()}"
    done = _deliver_amazon(cluster, run_id)
    # One try: the task was not run again, it resumed from the deferral.
    assert (done["state"], done["try_number"], done["hostname"]) == ("success", 1, "worker-a")

    # Submitted once, the report read once, by the resumed task.
    assert amazon.calls["createFeedDocument"] == amazon.calls["createFeed"] == 1
    assert len(amazon.created_feeds) == 1
    assert amazon.calls["getFeedDocument"] == 1
    output = delivery_folder / "output"
    record = next((output / "deliveries" / "DE" / "amazon").glob("*.json"))
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["status"] == "done"
    assert saved["progress"]["feed_id"] == saved["outcome"]["reference"] == "3485934"

    # Amazon's answer is in the publishing run's findings and summary.
    report = run_folder(output, RUN)
    findings = [
        Finding.from_json(line)
        for line in (report / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert ("DE", "amazon", REFUSED, "error", "90220", "batteries_required") in {
        (f.market, f.channel, f.sku, f.severity, f.rule, f.field)
        for f in findings
        if f.stage == "marketplace"
    }
    summary = (report / "summary.txt").read_text(encoding="utf-8")
    assert "DE  amazon    amazon-0001.json: REFUSED in part or whole" in summary
