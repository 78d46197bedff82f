"""Checks every integration test's DAG runs get for free, and the cluster tier's one
Celery cluster (marker ``cluster``: tests/integration/test_celery_cluster.py and
test_triggerer_restart.py)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.cluster import (
    MARKETS,
    RUN,
    SHARD_PRODUCTS,
    WORKERS,
    CeleryCluster,
    LocalizeRun,
    PublishedObjects,
)
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
    from pathlib import Path

    from tests.s3_server import S3Bucket, S3Server
    from tests.sp_api_server import SpApiServer

_FEED_LINE = re.compile(
    r"^(?P<market>\w+)\s+(?P<channel>\w+)\s+(?P<listed>\d+) listed,\s+(?P<aside>\d+) set aside"
    r"(?: \((?P<reasons>[^)]*)\))?"
)


def summary_problems(summary: str) -> list[str]:
    """Lines of a run summary whose arithmetic does not hold: a channel's reasons must add
    up to its set-aside count, and listed + set aside must be the market's product count
    on every channel line of that market."""
    problems = []
    totals: dict[str, set[int]] = {}
    for line in summary.splitlines():
        match = _FEED_LINE.match(line)
        if not match:
            continue
        reasons = [p for p in (match["reasons"] or "").split(", ") if p]
        counted = sum(int(part.rsplit(" ", 1)[1]) for part in reasons)
        if counted != int(match["aside"]) or "unexplained" in line:
            problems.append(line)
        totals.setdefault(match["market"], set()).add(int(match["listed"]) + int(match["aside"]))
    problems += [
        f"{m}: listed + set aside differ by channel {t}" for m, t in totals.items() if len(t) > 1
    ]
    return problems


@pytest.fixture(autouse=True)
def every_summary_adds_up(tmp_path: Path) -> Iterator[None]:
    """After each test, every summary its runs wrote must add up (issue #10)."""
    yield
    for summary in tmp_path.rglob("summary.txt"):
        assert summary_problems(summary.read_text(encoding="utf-8")) == [], summary


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for a test's own ``markets.toml`` (and catalog), which the DAG reads."""
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(tmp_path / "markets.toml"))
    return tmp_path


def run_with_tries(logical_date: datetime) -> tuple[str, dict[str, tuple[str, int]]]:
    """Run localize_catalog once; return the run's state and each task's (state, tries),
    read from Airflow's metadata database (a retried task has more than one try)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    dag_run = dag.test(logical_date=logical_date)
    with create_session() as session:
        tasks = session.execute(
            select(TaskInstance.task_id, TaskInstance.state, TaskInstance.try_number).where(
                TaskInstance.run_id == dag_run.run_id, TaskInstance.map_index <= 0
            )
        ).all()
    return str(dag_run.state), {task: (str(state), tries) for task, state, tries in tasks}


def run_localize(logical_date: datetime, conf: dict[str, object] | None = None) -> tuple[str, str]:
    """Run localize_catalog once with dag.test(); return the run's state and its run id."""
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(logical_date=logical_date, run_conf=conf or {})
    return str(run.state), run.run_id


def asset_events(run_id: str) -> dict[str, dict[str, object]]:
    """Asset events the run emitted, by asset name, read from Airflow's metadata database."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return {name: {"uri": uri, **(extra or {})} for name, uri, extra in rows}


# The cluster tier: one cluster for the session, configured for both of its files.
# Starting one costs about 40 s and two cores' worth of processes, so its tests share it
# and the one localize run whose feeds the delivery test sends on.

REDIS_URL = os.environ.get("GRENZENLOS_TEST_REDIS", "redis://127.0.0.1:6379/14")
"""The broker's Redis database (not the 1 of `make cluster-up`). Runs at the same time on
this machine (two engineers' `make test`) share it: each cluster has a key prefix of its own."""
AMAZON_POLL_SECONDS = 0.5
"""The Amazon trigger's first wait between two getFeed calls (``poll_seconds`` in the
channel's delivery; the shipped config says 60). The waits grow to ten times this, 5 s."""
TRIGGERER_HEALTH_CHECK_SECONDS = 10
"""``[triggerer] triggerer_health_check_threshold``: after this long without a heartbeat a
triggerer counts as dead and its triggers go to another."""


def _unavailable(message: str) -> None:
    if os.environ.get("GRENZENLOS_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def cluster_name() -> str:
    """Names the cluster's metadata database and Redis keys, unique per session."""
    return f"grenzenlos_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def redis_broker(cluster_name: str) -> Iterator[str]:
    """The local Redis; the cluster's keys are removed afterwards. Skips when no server
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


@pytest.fixture(scope="session")
def metadata_database(postgres_conninfo: str, cluster_name: str) -> Iterator[str]:
    """The cluster's metadata (and Celery's results)."""
    yield from _database(postgres_conninfo, cluster_name)


@pytest.fixture(scope="session")
def memory_database(postgres_conninfo: str, cluster_name: str) -> Iterator[str]:
    """The translation memory the workers share (a SQLite file is refused on Celery)."""
    yield from _database(postgres_conninfo, f"{cluster_name}_memory")


@pytest.fixture(scope="session")
def cluster_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """The bucket the cluster stages, publishes and records its deliveries in."""
    bucket = s3_server.create_bucket()
    yield bucket
    bucket.delete()


@pytest.fixture(scope="session")
def amazon() -> Iterator[SpApiServer]:
    """The SP-API test server the cluster delivers Amazon feeds to; no contract break on
    its side afterwards."""
    from tests.sp_api_server import SpApiServer

    server = SpApiServer().start()
    yield server
    server.stop()
    assert server.violations == []


@pytest.fixture(scope="session")
def cluster_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped ``markets.toml`` (its paths made absolute) with Amazon's delivery
    polling every ``AMAZON_POLL_SECONDS``: what the cluster reads."""
    config = tmp_path_factory.mktemp("cluster-config") / "markets.toml"
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    assert "poll_seconds = 60," in text
    text = text.replace("poll_seconds = 60,", f"poll_seconds = {AMAZON_POLL_SECONDS},")
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    cluster_name: str,
    redis_broker: str,
    metadata_database: str,
    memory_database: str,
    s3_server: S3Server,
    cluster_bucket: S3Bucket,
    amazon: SpApiServer,
    cluster_config: Path,
) -> Iterator[CeleryCluster]:
    """The cluster of ``examples/cluster/cluster.sh`` with two workers, up and healthy,
    staging and publishing on S3, delivering Amazon feeds to the SP-API test server;
    every process it started is stopped afterwards, also when starting it or a test
    failed."""
    environment = {
        **os.environ,
        "GRENZENLOS_CONFIG": str(cluster_config),
        "GRENZENLOS_CLUSTER_DATABASE": metadata_database,
        "GRENZENLOS_CLUSTER_REDIS": redis_broker,
        "GRENZENLOS_CLUSTER_NAME": cluster_name,
        # One task at a time per worker: two tasks queued together (extract and
        # select_markets, the two markets) must go to both workers.
        "GRENZENLOS_CLUSTER_WORKER_CONCURRENCY": "1",
        # No nightly run on unpausing: only the runs the tests trigger.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # What a deployment sets for all its components; the workers read the S3
        # connection from the environment, not from the metadata database, and the
        # worker and the triggerer both read the SP-API credentials from it.
        "AIRFLOW_CONN_GRENZENLOS_S3": s3_server.connection(),
        "GRENZENLOS_STAGING_URL": cluster_bucket.url("staging"),
        "GRENZENLOS_OUTPUT_URL": cluster_bucket.url("output"),
        "AIRFLOW_CONN_AMAZON_SP_API": amazon.connection(),
        # Workers on several machines share the memory in PostgreSQL, through a connection.
        "AIRFLOW_CONN_GRENZENLOS_MEMORY": f"postgresql://postgres@127.0.0.1:5432/{memory_database}",
        "GRENZENLOS_TRANSLATION_MEMORY_CONN_ID": "grenzenlos_memory",
        "GRENZENLOS_SHARD_PRODUCTS": str(SHARD_PRODUCTS),
        # A worker that dies is noticed after 15 s without a heartbeat (default 300 s),
        # and its task retried a second later.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
        "GRENZENLOS_RETRY_DELAY_SECONDS": "1",
        # A triggerer without a heartbeat for 10 s (default 30 s) is dead: the new one
        # takes its triggers over then. It beats every 2 s (default 5 s).
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HEALTH_CHECK_SECONDS),
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
        # The DAG files do not change during the tests: parsed once at start, not again
        # every 30 s on the cores the runs need.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        # A throw-away cluster, stopped when no task runs: what has not stopped 2 s
        # after TERM is killed.
        "GRENZENLOS_CLUSTER_STOP_GRACE": "2",
    }
    cluster = CeleryCluster(tmp_path_factory.mktemp("cluster"), environment)
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()
        assert cluster.running() == [], "cluster processes outlived cluster.sh down"


def _local_reference(local: Path, config: Path) -> Path:
    """The same run (date, markets, config) through the DAG's steps in this process on
    the local disk, the catalog in one shard (`tests.steps.run_steps`, whose files are
    those of ``dag.test()``): its output folder."""
    from tests.steps import run_steps

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("GRENZENLOS_STAGING_URL", (local / "staging").as_uri())
        monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (local / "output").as_uri())
        monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(local / "memory.sqlite"))
        monkeypatch.delenv("GRENZENLOS_SHARD_PRODUCTS", raising=False)
        run = run_steps(config, date.fromisoformat(RUN), markets=MARKETS)
    assert run.state == "success", run.summary
    return local / "output"


@pytest.fixture(scope="session")
def localize_run(
    cluster: CeleryCluster,
    cluster_bucket: S3Bucket,
    cluster_config: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> LocalizeRun:
    """localize_catalog for DE and FR on the cluster, published on S3; while it runs, the
    local reference (about 2 s of this process) and the kill of worker-a in one of
    its ``write_channel`` tasks (a build task late in the run: most of the run has used
    both workers, and the rest after the kill is short on the one left). Whichever of
    the tier's files runs first makes it; both read its result."""
    run_id = cluster.trigger(
        "localize_catalog", {"markets": MARKETS}, logical_date=f"{RUN}T00:00:00Z"
    )
    reference = _local_reference(tmp_path_factory.mktemp("local"), cluster_config)
    killed = cluster.kill_in_task(WORKERS[0], "localize_catalog", run_id, "write_channel")
    state = cluster.wait_for_run("localize_catalog", run_id, timeout=300)
    return LocalizeRun(
        run_id,
        state,
        cluster.task_instances("localize_catalog", run_id),
        killed,
        PublishedObjects(cluster_bucket, "output/"),
        reference,
    )
