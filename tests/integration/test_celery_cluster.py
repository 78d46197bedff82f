"""The DAG on a Celery cluster: PostgreSQL metadata database, Redis broker, scheduler, API
server, DAG processor, triggerer and two Celery workers, each its own process, started by
``examples/cluster/cluster.sh`` (what ``make cluster-up`` runs), with staging and output
on S3 (moto in server mode), and the sample catalog cut into shards of 25 products.
One cluster and one run of two markets serve both tests of this module (starting a
cluster costs about 40 s, a run on it one to two minutes): during the run one worker is
killed while it writes a channel file; the first test checks what the run left (every
task on one of the workers, the feeds byte for byte those of the same run in one
process), the second how the run survived the kill.

Unlike ``dag.test()``, every task runs in a worker process that reaches the metadata only
through the API server's execution API, gets its S3 connection and GRENZENLOS_* settings
from the environment, and hands its results to the next task, possibly on the other
worker, through XCom and the bucket alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from tests.cluster import WORKERS, CeleryCluster
from tests.conftest import ROOT, run_folder
from tests.integration.conftest import summary_problems
from tests.steps import run_steps

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.s3_server import S3Bucket, S3Server

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

REDIS_URL = os.environ.get("GRENZENLOS_TEST_REDIS", "redis://127.0.0.1:6379/14")
"""The broker's Redis database (not the 1 of `make cluster-up`). Runs at the same time on
this machine (two engineers' `make test`) share it: each cluster has a key prefix of its own."""
MARKETS = ["DE", "FR"]
RUN = "2026-11-24"
SHARD_PRODUCTS = 25
"""72 products in 3 shards: enough mapped tasks for both workers to get some."""
SHARDS = 3
TASKS = {
    "extract",
    "plan_validation",
    "validate_shard",
    "validate",
    "select_markets",
    "prepare_translation",
    "plan_languages",
    "translate_language",
    "translate",
    "plan_shards",
    "plan_channels",
    "localize_shard",
    "write_channel",
    "assemble_market",
    "check_gates",
    "publish",
    "summary",
}


def _unavailable(message: str) -> None:
    if os.environ.get("GRENZENLOS_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def cluster_name() -> str:
    """Names this run's metadata database and Redis keys, unique per run."""
    return f"grenzenlos_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def redis_broker(cluster_name: str) -> Iterator[str]:
    """The local Redis; the run's keys are removed afterwards. Skips when no server
    answers, unless GRENZENLOS_REQUIRE_POSTGRES is set (as .ci/run does)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        client.close()
        _unavailable(f"no Redis server at {REDIS_URL}: {exc}")
    try:
        yield REDIS_URL
    finally:
        for key in client.scan_iter(match=f"{cluster_name}:*"):
            client.delete(key)
        client.close()


def _database(postgres_conninfo: str, name: str) -> Iterator[str]:
    """A new, empty database, dropped afterwards."""
    import psycopg
    from psycopg import sql

    identifier = sql.Identifier(name)
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(identifier))
    try:
        yield name
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(identifier)
            )


@pytest.fixture(scope="module")
def metadata_database(postgres_conninfo: str, cluster_name: str) -> Iterator[str]:
    """The cluster's metadata (and Celery's results)."""
    yield from _database(postgres_conninfo, cluster_name)


@pytest.fixture(scope="module")
def memory_database(postgres_conninfo: str, cluster_name: str) -> Iterator[str]:
    """The translation memory the workers share (a SQLite file is refused on Celery)."""
    yield from _database(postgres_conninfo, f"{cluster_name}_memory")


@pytest.fixture(scope="module")
def cluster_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """The bucket the cluster stages and publishes in, for the module's runs."""
    bucket = s3_server.create_bucket()
    yield bucket
    bucket.delete()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    cluster_name: str,
    redis_broker: str,
    metadata_database: str,
    memory_database: str,
    s3_server: S3Server,
    cluster_bucket: S3Bucket,
) -> Iterator[CeleryCluster]:
    """The cluster, up and healthy; every process it started is stopped afterwards, also
    when starting it or a test failed."""
    environment = {
        **os.environ,
        "GRENZENLOS_CLUSTER_DATABASE": metadata_database,
        "GRENZENLOS_CLUSTER_REDIS": redis_broker,
        "GRENZENLOS_CLUSTER_NAME": cluster_name,
        # One task at a time per worker: two tasks queued together (extract and
        # select_markets, the two markets) must go to both workers.
        "GRENZENLOS_CLUSTER_WORKER_CONCURRENCY": "1",
        # No nightly run on unpausing: only the runs the tests trigger.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # What a deployment sets for all its components; the workers read the S3
        # connection from the environment, not from the metadata database.
        "AIRFLOW_CONN_GRENZENLOS_S3": s3_server.connection(),
        "GRENZENLOS_STAGING_URL": cluster_bucket.url("staging"),
        "GRENZENLOS_OUTPUT_URL": cluster_bucket.url("output"),
        # Workers on several machines share the memory in PostgreSQL, through a connection.
        "AIRFLOW_CONN_GRENZENLOS_MEMORY": f"postgresql://postgres@127.0.0.1:5432/{memory_database}",
        "GRENZENLOS_TRANSLATION_MEMORY_CONN_ID": "grenzenlos_memory",
        "GRENZENLOS_SHARD_PRODUCTS": str(SHARD_PRODUCTS),
        # A worker that dies is noticed after 15 s without a heartbeat (default 300 s),
        # and its task retried a second later.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
        "GRENZENLOS_RETRY_DELAY_SECONDS": "1",
        # The DAG files do not change during the test: parsed once at start, not again
        # every 30 s on the cores the run needs.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        # A throw-away cluster: what has not stopped 5 s after TERM is killed.
        "GRENZENLOS_CLUSTER_STOP_GRACE": "5",
    }
    cluster = CeleryCluster(tmp_path_factory.mktemp("cluster"), environment)
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()
        assert cluster.running() == [], "cluster processes outlived cluster.sh down"


def _trigger(cluster: CeleryCluster, day: str, markets: list[str]) -> str:
    cluster.api("PATCH", "/dags/localize_catalog", {"is_paused": False})
    run = cluster.api(
        "POST",
        "/dags/localize_catalog/dagRuns",
        {"logical_date": f"{day}T00:00:00Z", "conf": {"markets": markets}},
    )
    return str(run["dag_run_id"])


def _instances(cluster: CeleryCluster, run_id: str) -> list[dict[str, Any]]:
    url = cluster.run_url("localize_catalog", run_id)
    found: list[dict[str, Any]] = cluster.api("GET", f"{url}/taskInstances?limit=500")[
        "task_instances"
    ]
    return found


def _local_reference(local: Path) -> Path:
    """The same run (date, markets, catalog) through the DAG's steps in this process on
    the local disk, the catalog in one shard (`tests.steps.run_steps`, whose files are
    those of ``dag.test()``): its output folder."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("GRENZENLOS_STAGING_URL", (local / "staging").as_uri())
        monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (local / "output").as_uri())
        monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(local / "memory.sqlite"))
        monkeypatch.delenv("GRENZENLOS_SHARD_PRODUCTS", raising=False)
        run = run_steps(ROOT / "config" / "markets.toml", date.fromisoformat(RUN), markets=MARKETS)
    assert run.state == "success", run.summary
    return local / "output"


def _kill_victim_in_write_channel(cluster: CeleryCluster, run_id: str) -> tuple[str, int] | None:
    """kill -9 the first worker (its process group and whatever it started) as soon as
    it runs a ``write_channel`` task of the run; that task's (id, map index), or None
    when it ran none within three minutes."""
    victim = WORKERS[0]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for ti in _instances(cluster, run_id):
            if (
                ti["state"] == "running"
                and ti["hostname"] == victim
                and ti["task_id"] == "write_channel"
            ):
                cluster.kill_worker(victim)
                return (ti["task_id"], ti["map_index"])
        state = cluster.api("GET", cluster.run_url("localize_catalog", run_id))["state"]
        if state in ("success", "failed"):  # over before the worker ran one
            return None
        time.sleep(0.3)
    return None


@dataclass(frozen=True)
class ClusterRun:
    """The module's one run on the cluster, and what the test did to it."""

    run_id: str
    state: str
    instances: list[dict[str, Any]]
    killed: tuple[str, int] | None
    """The task instance the first worker ran when it was killed."""
    reference: Path
    """The output folder of the same run through the steps on the local disk."""


@pytest.fixture(scope="module")
def cluster_run(cluster: CeleryCluster, tmp_path_factory: pytest.TempPathFactory) -> ClusterRun:
    """Runs DE and FR on the cluster; while it runs, the local reference (about 2 s of
    this process) and the kill of worker-a in one of its ``write_channel`` tasks (a
    build task late in the run: most of the run has used both workers, and the rest
    after the kill is short on the one left)."""
    run_id = _trigger(cluster, RUN, MARKETS)
    reference = _local_reference(tmp_path_factory.mktemp("local"))
    killed = _kill_victim_in_write_channel(cluster, run_id)
    state = cluster.wait_for_run("localize_catalog", run_id, timeout=300)
    return ClusterRun(run_id, state, _instances(cluster, run_id), killed, reference)


def _published_feeds(s3_bucket: S3Bucket, markets: list[str]) -> dict[str, bytes]:
    """Every feed the markets' manifests list, by ``market/file``, checked against its
    sha256."""
    feeds = {}
    for market in markets:
        manifest = json.loads(s3_bucket.read(f"output/{market}/manifest.json"))
        for entry in manifest["feeds"]:
            body = s3_bucket.read(f"output/{market}/{entry['file']}")
            assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry
            feeds[f"{market}/{entry['file']}"] = body
    return feeds


def test_localize_catalog_on_two_celery_workers(
    cluster: CeleryCluster, cluster_run: ClusterRun, cluster_bucket: S3Bucket
) -> None:
    s3_bucket = cluster_bucket
    instances = cluster_run.instances
    ran = {(ti["task_id"], ti["map_index"]): (ti["state"], ti["hostname"]) for ti in instances}
    assert cluster_run.state == "success", f"run {cluster_run.state}: {ran}\n{cluster.log_tails()}"

    # Every task instance succeeded: one localize_shard per market and shard of 25 of
    # the sample's 72 products, one write_channel per market and channel ...
    assert {task for task, _ in ran} == TASKS
    shards = [key for key in ran if key[0] == "localize_shard"]
    assert len(shards) == len(MARKETS) * SHARDS
    assert len([key for key in ran if key[0] == "validate_shard"]) == SHARDS
    channels = [key for key in ran if key[0] == "write_channel"]
    assert len(channels) == 5 + 3  # DE: google, amazon, ebay, idealo, kaufland; FR: 3
    assert {state for state, _ in ran.values()} == {"success"}
    # ... and both workers ran some of them.
    assert {host for _, host in ran.values()} == set(WORKERS), ran
    # Mapped tasks are named after their market (and shard or channel) in the UI.
    labels = {ti["rendered_map_index"] for ti in instances if ti["task_id"] == "localize_shard"}
    assert f"DE shard {SHARDS} of {SHARDS}" in labels
    assert {
        ti["rendered_map_index"] for ti in instances if ti["task_id"] == "assemble_market"
    } == set(MARKETS)

    keys = set(s3_bucket.keys("output/"))
    report = "output/runs/" + s3_bucket.read("output/runs/LATEST").decode("utf-8").strip()
    for name in ("summary.txt", "findings.csv", "findings.jsonl", "completeness.csv", "run.json"):
        assert f"{report}/{name}" in keys
    summary = s3_bucket.read(f"{report}/summary.txt").decode("utf-8")
    assert "DE  google" in summary and "FR  google" in summary
    assert summary_problems(summary) == []
    assert "output/last_successful_run.json" in keys
    # Atomic publishing left no temporary key behind.
    assert [key for key in keys if key.endswith(".partial")] == []

    # The feeds published from 6 shards on two workers (one killed on the way) and S3
    # are, byte for byte, those of the same run in one process on the local disk with
    # the catalog in one shard.
    feeds = _published_feeds(s3_bucket, MARKETS)
    local = cluster_run.reference
    reference = {
        f"{market}/{path.name}": path.read_bytes()
        for market in MARKETS
        for path in (local / market).iterdir()
        if path.name != "manifest.json" and not path.name.endswith(".state.json")
    }
    assert sorted(feeds) == sorted(reference)
    assert [name for name in feeds if feeds[name] != reference[name]] == []
    assert (
        s3_bucket.read(f"{report}/findings.jsonl")
        == (run_folder(local, RUN) / "findings.jsonl").read_bytes()
    )


def test_a_worker_killed_mid_run_leaves_the_run_to_the_other(
    cluster: CeleryCluster, cluster_run: ClusterRun, cluster_bucket: S3Bucket
) -> None:
    """kill -9 of a worker (its process group and whatever it started) while it runs a
    build task (``write_channel``) of the module's run: the scheduler notices the
    missing heartbeats, retries the task, the other worker runs it and the run
    succeeds; what is live is every feed whole."""
    killed = cluster_run.killed
    assert killed is not None, f"{WORKERS[0]} never ran a build task\n{cluster.log_tails()}"
    assert cluster_run.state == "success", f"run {cluster_run.state}\n{cluster.log_tails()}"
    instances = cluster_run.instances
    retried = next(ti for ti in instances if (ti["task_id"], ti["map_index"]) == killed)
    assert retried["try_number"] >= 2 and retried["hostname"] == WORKERS[1], retried
    assert {ti["state"] for ti in instances} == {"success"}
    feeds = _published_feeds(cluster_bucket, MARKETS)  # each matches its manifest's sha256
    assert {"DE/google.xml", "DE/amazon-0001.json"} <= set(feeds)
    assert [key for key in cluster_bucket.keys("output/") if key.endswith(".partial")] == []
