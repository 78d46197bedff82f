"""The DAG on a Celery cluster: PostgreSQL metadata database, Redis broker, scheduler, API
server, DAG processor, triggerer and two Celery workers, each its own process, started by
``examples/cluster/cluster.sh`` (what ``make cluster-up`` runs), with staging and output
on S3 (moto in server mode), and the sample catalog cut into shards of 25 products.
The tier's one cluster and its one run of two markets (``localize_run`` in
tests/integration/conftest.py, shared with test_triggerer_restart.py, which delivers the
feeds it published) serve both tests of this module: during the run one worker is killed
while it writes a channel file; the first test checks what the run left (every task on
one of the workers, the feeds byte for byte those of the same run in one process), the
second how the run survived the kill. Both read the bucket as the run left it.

Unlike ``dag.test()``, every task runs in a worker process that reaches the metadata only
through the API server's execution API, gets its S3 connection and GRENZENLOS_* settings
from the environment, and hands its results to the next task, possibly on the other
worker, through XCom and the bucket alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest

from tests.cluster import MARKETS, RUN, SHARDS, WORKERS
from tests.conftest import run_folder
from tests.integration.conftest import summary_problems

if TYPE_CHECKING:
    from tests.cluster import CeleryCluster, LocalizeRun, PublishedObjects

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

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


def _published_feeds(published: PublishedObjects, markets: list[str]) -> dict[str, bytes]:
    """Every feed the markets' manifests list, by ``market/file``, checked against its
    sha256."""
    feeds = {}
    for market in markets:
        manifest = json.loads(published.read(f"output/{market}/manifest.json"))
        for entry in manifest["feeds"]:
            body = published.read(f"output/{market}/{entry['file']}")
            assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry
            feeds[f"{market}/{entry['file']}"] = body
    return feeds


def test_localize_catalog_on_two_celery_workers(
    cluster: CeleryCluster, localize_run: LocalizeRun
) -> None:
    published = localize_run.published
    instances = localize_run.instances
    ran = {(ti["task_id"], ti["map_index"]): (ti["state"], ti["hostname"]) for ti in instances}
    assert localize_run.state == "success", (
        f"run {localize_run.state}: {ran}\n{cluster.log_tails()}"
    )

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

    keys = set(published.keys("output/"))
    report = "output/runs/" + published.read("output/runs/LATEST").decode("utf-8").strip()
    for name in ("summary.txt", "findings.csv", "findings.jsonl", "completeness.csv", "run.json"):
        assert f"{report}/{name}" in keys
    summary = published.read(f"{report}/summary.txt").decode("utf-8")
    assert "DE  google" in summary and "FR  google" in summary
    assert summary_problems(summary) == []
    assert "output/last_successful_run.json" in keys
    # Atomic publishing left no temporary key behind.
    assert [key for key in keys if key.endswith(".partial")] == []

    # The feeds published from 6 shards on two workers (one killed on the way) and S3
    # are, byte for byte, those of the same run in one process on the local disk with
    # the catalog in one shard.
    feeds = _published_feeds(published, MARKETS)
    local = localize_run.reference
    reference = {
        f"{market}/{path.name}": path.read_bytes()
        for market in MARKETS
        for path in (local / market).iterdir()
        if path.name != "manifest.json" and not path.name.endswith(".state.json")
    }
    assert sorted(feeds) == sorted(reference)
    assert [name for name in feeds if feeds[name] != reference[name]] == []
    assert (
        published.read(f"{report}/findings.jsonl")
        == (run_folder(local, RUN) / "findings.jsonl").read_bytes()
    )


def test_a_worker_killed_mid_run_leaves_the_run_to_the_other(
    cluster: CeleryCluster, localize_run: LocalizeRun
) -> None:
    """kill -9 of a worker (its process group and whatever it started) while it runs a
    build task (``write_channel``) of the session's run: the scheduler notices the
    missing heartbeats, retries the task, the other worker runs it and the run
    succeeds; what is live is every feed whole."""
    published = localize_run.published
    killed = localize_run.killed
    assert killed is not None, f"{WORKERS[0]} never ran a build task\n{cluster.log_tails()}"
    assert localize_run.state == "success", f"run {localize_run.state}\n{cluster.log_tails()}"
    instances = localize_run.instances
    retried = next(ti for ti in instances if (ti["task_id"], ti["map_index"]) == killed)
    assert retried["try_number"] >= 2 and retried["hostname"] == WORKERS[1], retried
    assert {ti["state"] for ti in instances} == {"success"}
    feeds = _published_feeds(published, MARKETS)  # each matches its manifest's sha256
    assert {"DE/google.xml", "DE/amazon-0001.json"} <= set(feeds)
    assert [key for key in published.keys("output/") if key.endswith(".partial")] == []
