"""Amazon's processing wait in a real deployment: ``deliver_feeds`` on the tier's Celery
cluster of ``examples/cluster/cluster.sh`` (scheduler, DAG processor, API server,
triggerer, Celery workers, each its own process; ``cluster`` in
tests/integration/conftest.py), delivering DE's Amazon file, live on S3 where the
session's localize run on the cluster published it (``localize_run``, which
test_celery_cluster.py checks), to the SP-API test server (`tests.sp_api_server`), which
keeps the feed in progress until the test lets it finish.

While Amazon "processes" the feed, the ``deliver_amazon`` task is ``deferred`` (read
through the API server, as the UI shows it): its trigger is `AmazonFeedTrigger` on the
running triggerer, the workers run nothing and the ``amazon_sp_api`` pool counts the task
as deferred, not running. Then the triggerer is killed (SIGKILL, its trigger runner with
it) and started again: the new triggerer takes the trigger over once the dead one's
heartbeat is older than ``[triggerer] triggerer_health_check_threshold`` (10 s here, 30 s by
default) and polls the same feed; the task resumes on a worker, reads the processing
report, and the run succeeds with Amazon's answer in the publishing run's findings on S3.
createFeed was called once.

What ``dag.test()`` (tests/integration/test_amazon_deferred_run.py) cannot show: the
trigger crossing processes (serialized into the metadata database by the worker, built
again by another triggerer), the worker slot released while the trigger waits, and a
triggerer that dies mid-wait.
"""

from __future__ import annotations

import json
import time
import urllib.error
from typing import TYPE_CHECKING, Any

import pytest

from schemas.findings import Finding
from tests.cluster import RUN

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.cluster import CeleryCluster, LocalizeRun
    from tests.s3_server import S3Bucket
    from tests.sp_api_server import SpApiServer

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

REFUSED = "GZ-BOT-0001"
"""The DE product Amazon's processing report refuses."""


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


def _run_folder(bucket: S3Bucket, day: str) -> str:
    """The report folder (``output/runs/<run_key>``) of the newest run whose run day is
    ``day`` (as `tests.conftest.run_folder` finds it on the local disk)."""
    found = []
    for key in bucket.keys("output/runs/"):
        if key.endswith("/run.json"):
            data = json.loads(bucket.read(key))
            if data.get("run_day") == day:
                found.append((str(data.get("finished")), key.removesuffix("/run.json")))
    assert found, f"no run of {day} under output/runs/"
    return max(found)[1]


def test_a_triggerer_killed_mid_wait_is_replaced_and_the_delivery_completes(
    cluster: CeleryCluster,
    amazon: SpApiServer,
    localize_run: LocalizeRun,
    cluster_bucket: S3Bucket,
) -> None:
    # What is delivered: the session's localize run's feeds, live on S3.
    assert localize_run.state == "success", f"run {localize_run.state}\n{cluster.log_tails()}"
    workers = localize_run.workers_left
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
    # No worker slot is held: the workers run nothing, and the Amazon pool counts the
    # task as deferred, not running (the pool does not include deferred tasks).
    active = cluster.active_celery_tasks(workers=len(workers))
    assert len(active) == len(workers) and all(tasks == [] for tasks in active.values()), active
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
    # One try: the task was not run again, it resumed from the deferral (on a worker
    # left after the localize run's kill).
    assert (done["state"], done["try_number"]) == ("success", 1), done
    assert done["hostname"] in workers, done

    # Submitted once, the report read once, by the resumed task.
    assert amazon.calls["createFeedDocument"] == amazon.calls["createFeed"] == 1
    assert len(amazon.created_feeds) == 1
    assert amazon.calls["getFeedDocument"] == 1
    record = next(
        key for key in cluster_bucket.keys("output/deliveries/DE/amazon/") if key.endswith(".json")
    )
    saved = json.loads(cluster_bucket.read(record))
    assert saved["status"] == "done"
    assert saved["progress"]["feed_id"] == saved["outcome"]["reference"] == "3485934"

    # Amazon's answer is in the publishing run's findings and summary.
    report = _run_folder(cluster_bucket, RUN)
    findings = [
        Finding.from_json(line)
        for line in cluster_bucket.read(f"{report}/findings.jsonl").decode("utf-8").splitlines()
    ]
    assert ("DE", "amazon", REFUSED, "error", "90220", "batteries_required") in {
        (f.market, f.channel, f.sku, f.severity, f.rule, f.field)
        for f in findings
        if f.stage == "marketplace"
    }
    summary = cluster_bucket.read(f"{report}/summary.txt").decode("utf-8")
    assert "DE  amazon    amazon-0001.json: REFUSED in part or whole" in summary
