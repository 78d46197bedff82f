"""A real ``deliver_feeds`` run (``dag.test()``) in which Amazon takes several polls to
process the feed: the ``deliver_amazon`` task defers the wait to `AmazonFeedTrigger`
(which ``dag.test()`` runs in line, as the triggerer would) and resumes to read the report.

Path exercised: the deferred one, through Airflow (`DeliverAmazonFeed` -> TaskDeferred ->
the trigger -> `DeliverAmazonFeed.resume`); the worker's own polling loop is made to fail
if it is ever called. The servers and the config are `test_delivery_run`'s."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from grenzenlos_providers.triggers.amazon_feeds import AmazonFeedTrigger
from pipeline.delivery.amazon_feeds import flow
from tests.integration.test_delivery_run import _publish, _run, marketplaces

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    import pytest
    from airflow.triggers.base import TriggerEvent

    from tests.sp_api_server import SpApiServer

__all__ = ["marketplaces"]  # the fixture, shared with test_delivery_run


def test_amazons_processing_wait_runs_in_the_trigger_and_the_task_resumes(
    airflow_db: Path, marketplaces: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    amazon: SpApiServer = marketplaces["amazon"]
    triggers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    polled_by_the_trigger = AmazonFeedTrigger.run

    async def recorded(self: AmazonFeedTrigger) -> AsyncIterator[TriggerEvent]:
        triggers.append(self.serialize()[1])
        async for event in polled_by_the_trigger(self):
            events.append(dict(event.payload))
            yield event

    def worker_wait(*args: object, **kwargs: object) -> None:
        raise AssertionError("the worker polled getFeed itself")

    monkeypatch.setattr(AmazonFeedTrigger, "run", recorded)
    monkeypatch.setattr(flow, "_wait_for", worker_wait)
    assert _publish(8) == "success"
    amazon.in_progress_polls = 3

    state, _tries = _run("deliver_feeds", 8, {"channels": ["amazon"], "markets": ["DE"]})

    assert state == "success"
    [created] = amazon.created_feeds
    assert [t["feed_id"] for t in triggers] == ["3485934"]  # one wait, on the feed made
    assert triggers[0]["conn_id"] == "amazon_sp_api" and "password" not in json.dumps(triggers)
    assert [(e["status"], e["feed"]["processingStatus"]) for e in events] == [("processed", "DONE")]
    assert amazon.calls["getFeed"] == 4  # three in progress, then DONE: all in the trigger
    assert amazon.calls["getFeedDocument"] == 1  # the resumed task read the report
    record = next((marketplaces["output"] / "deliveries" / "DE" / "amazon").glob("*.json"))
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["status"] == "done"
    assert saved["progress"]["feed_id"] == saved["outcome"]["reference"] == "3485934"
    assert saved["progress"]["feed_document_id"] == created["inputFeedDocumentId"]
