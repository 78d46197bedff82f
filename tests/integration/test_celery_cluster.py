"""The DAG on a Celery cluster: PostgreSQL metadata database, Redis broker, scheduler, API
server, DAG processor, triggerer and two Celery workers, each its own process, started by
``examples/cluster/cluster.sh`` (what ``make cluster-up`` runs), with staging and output
on S3 (moto in server mode).

Unlike ``dag.test()``, every task runs in a worker process that reaches the metadata only
through the API server's execution API, gets its S3 connection and GRENZENLOS_* settings
from the environment, and hands its results to the next task, possibly on the other
worker, through XCom and the bucket alone.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.cluster import WORKERS, CeleryCluster
from tests.integration.conftest import summary_problems

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
TASKS = {
    "extract",
    "validate",
    "select_markets",
    "translate",
    "localize_market",
    "check_gates",
    "publish",
    "summary",
}


def _unavailable(message: str) -> None:
    if os.environ.get("GRENZENLOS_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def cluster_name() -> str:
    """Names this run's metadata database and Redis keys, unique per run."""
    return f"grenzenlos_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
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


@pytest.fixture
def metadata_database(postgres_conninfo: str, cluster_name: str) -> Iterator[str]:
    """A new, empty database for the cluster's metadata (and Celery's results), dropped
    afterwards."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(cluster_name)
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(name))
    try:
        yield cluster_name
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
            connection.execute(sql.SQL("drop database if exists {} with (force)").format(name))


@pytest.fixture
def cluster(
    tmp_path: Path,
    cluster_name: str,
    redis_broker: str,
    metadata_database: str,
    s3_server: S3Server,
    s3_bucket: S3Bucket,
) -> Iterator[CeleryCluster]:
    """The cluster, up and healthy; every process it started is stopped afterwards, also
    when starting it or the test failed."""
    environment = {
        **os.environ,
        "GRENZENLOS_CLUSTER_DATABASE": metadata_database,
        "GRENZENLOS_CLUSTER_REDIS": redis_broker,
        "GRENZENLOS_CLUSTER_NAME": cluster_name,
        # One task at a time per worker: two tasks queued together (extract and
        # select_markets, the two markets) must go to both workers.
        "GRENZENLOS_CLUSTER_WORKER_CONCURRENCY": "1",
        # No nightly run on unpausing: only the run the test triggers.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # What a deployment sets for all its components; the workers read the S3
        # connection from the environment, not from the metadata database.
        "AIRFLOW_CONN_GRENZENLOS_S3": s3_server.connection(),
        "GRENZENLOS_STAGING_URL": s3_bucket.url("staging"),
        "GRENZENLOS_OUTPUT_URL": s3_bucket.url("output"),
        # SQLite needs a local disk; a local file serves both workers only because they
        # share this one machine. Workers on several hosts need [translation] memory_conn_id.
        "GRENZENLOS_TRANSLATION_MEMORY": str(tmp_path / "memory.sqlite"),
    }
    cluster = CeleryCluster(tmp_path / "cluster", environment)
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()
        assert cluster.running() == [], "cluster processes outlived cluster.sh down"


def test_localize_catalog_on_two_celery_workers(
    cluster: CeleryCluster, s3_bucket: S3Bucket
) -> None:
    cluster.api("PATCH", "/dags/localize_catalog", {"is_paused": False})
    run = cluster.api(
        "POST",
        "/dags/localize_catalog/dagRuns",
        {"logical_date": f"{RUN}T00:00:00Z", "conf": {"markets": MARKETS}},
    )
    state = cluster.wait_for_run("localize_catalog", run["dag_run_id"], timeout=150)
    run_url = cluster.run_url("localize_catalog", run["dag_run_id"])
    instances = cluster.api("GET", f"{run_url}/taskInstances")["task_instances"]
    ran = {(ti["task_id"], ti["map_index"]): (ti["state"], ti["hostname"]) for ti in instances}
    assert state == "success", f"run {state}: {ran}\n{cluster.log_tails()}"

    # Every task instance (both markets' localize_market) succeeded ...
    assert {task for task, _ in ran} == TASKS
    assert len(ran) == len(TASKS) - 1 + len(MARKETS)
    assert {state for state, _ in ran.values()} == {"success"}
    # ... and both workers ran some of them.
    assert {host for _, host in ran.values()} == set(WORKERS), ran

    keys = set(s3_bucket.keys("output/"))
    for market in MARKETS:
        for name in ("google.xml", "manifest.json"):
            assert f"output/{market}/{name}" in keys
    summary = s3_bucket.read(f"output/runs/{RUN}/summary.txt").decode("utf-8")
    assert "DE  google" in summary and "FR  google" in summary
    assert summary_problems(summary) == []
    assert "output/last_successful_run.json" in keys
    # Atomic publishing left no temporary key behind.
    assert [key for key in keys if key.endswith(".partial")] == []
