"""The wait for Amazon's feed processing as the triggerer runs it
(`grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger`), against the local
server held to the SP-API's published contracts (`tests.sp_api_server`).

Path exercised: the deferred one, step by step (submit in the task, the trigger's
``run()`` in an event loop as the triggerer drives it, the resume with its event). The
synchronous path (`deliver_listings_feed`, polling in the worker) is what the comparison
test runs beside it."""

from __future__ import annotations

import asyncio
import importlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import requests

from grenzenlos_providers.triggers.amazon_feeds import AmazonFeedTrigger
from pipeline.delivery.amazon_feeds.flow import (
    deliver_listings_feed,
    feeds_client,
    resumed_outcome,
    submit_listings_feed,
)
from pipeline.delivery.outcome import CredentialsError, DeliveryError
from tests.sp_api_server import CONN_ID, REFERENCE, SpApiServer
from tests.unit.pipeline.delivery.test_amazon_feeds import DE, listings_feed

if TYPE_CHECKING:
    from collections.abc import Iterator

ISSUES: dict[str, list[dict[str, Any]]] = {
    "GL-1002": [
        {
            "code": "90220",
            "severity": "ERROR",
            "message": "'[batteries_required]' is required but not supplied.",
            "attributeNames": ["batteries_required"],
        }
    ],
    "GL-1003": [{"code": "18027", "severity": "WARNING", "message": "Image too small."}],
}


def _server() -> SpApiServer:
    if not REFERENCE.joinpath("feeds_2021-06-30.json").exists():
        pytest.skip(f"the SP-API reference files are not in {REFERENCE}")
    return SpApiServer().start()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SpApiServer]:
    sp_api = _server()
    monkeypatch.setenv("AIRFLOW_CONN_AMAZON_SP_API", sp_api.connection())
    yield sp_api
    sp_api.stop()
    assert sp_api.violations == []


def _submit(server: SpApiServer, data: bytes) -> str:
    with requests.Session() as session:
        client = feeds_client(server.credentials(), DE, "sandbox", session, timeout=5.0)
        return submit_listings_feed(client, data, DE, None, lambda _: None)


def _trigger(feed_id: str, *, deadline: datetime | None = None) -> AmazonFeedTrigger:
    return AmazonFeedTrigger(
        feed_id=feed_id,
        conn_id=CONN_ID,
        marketplace_id=DE,
        environment="sandbox",
        poll_seconds=0.01,
        deadline=(deadline or datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
        timeout=5.0,
    )


async def _first_event(trigger: AmazonFeedTrigger) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("the trigger ended without an event")


def _resume(server: SpApiServer, data: bytes, event: dict[str, Any]) -> Any:
    with requests.Session() as session:
        client = feeds_client(server.credentials(), DE, "sandbox", session, timeout=5.0)
        return resumed_outcome(client, data, event, server.report_schema)


def test_the_trigger_polls_until_done_and_yields_the_feed(server: SpApiServer) -> None:
    server.in_progress_polls = 2
    feed_id = _submit(server, listings_feed())

    event = asyncio.run(_first_event(_trigger(feed_id)))

    assert event["status"] == "processed" and event["feed_id"] == feed_id == "3485934"
    assert event["feed"]["processingStatus"] == "DONE"
    assert event["feed"]["resultFeedDocumentId"]
    assert server.calls["getFeed"] == 3  # two answers in progress, then DONE
    assert len(server.created_feeds) == 1


def test_a_trigger_rebuilt_from_its_serialized_form_resumes_the_same_feed(
    server: SpApiServer,
) -> None:
    """A triggerer that restarts builds the trigger again from `serialize` (classpath and
    keyword arguments, as stored in the metadata database): it polls the same feed, and
    nothing is created again."""
    server.in_progress_polls = 4
    feed_id = _submit(server, listings_feed())
    first = _trigger(feed_id)

    async def killed_after_a_poll() -> None:
        task = asyncio.ensure_future(_first_event(first))
        while server.calls["getFeed"] < 2:
            await asyncio.sleep(0.005)
        task.cancel()  # the triggerer stops mid-wait
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(killed_after_a_poll())
    classpath, kwargs = first.serialize()
    module, _, name = classpath.rpartition(".")  # as the triggerer imports it
    again = getattr(importlib.import_module(module), name)(**kwargs)

    assert classpath == "grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger"
    assert again == first and again.serialize() == (classpath, kwargs)
    event = asyncio.run(_first_event(again))
    assert event["status"] == "processed" and event["feed_id"] == feed_id
    assert len(server.created_feeds) == 1 and server.calls["createFeed"] == 1
    assert server.calls["getFeed"] == 5  # four in progress (over both runs), then DONE


def test_the_resumed_delivery_gives_what_the_worker_wait_gives(server: SpApiServer) -> None:
    data = listings_feed()
    server.issues = ISSUES
    server.in_progress_polls = 1
    feed_id = _submit(server, data)
    event = asyncio.run(_first_event(_trigger(feed_id)))
    deferred = _resume(server, data, event)

    synchronous_server = _server()  # a second Amazon, so that its feed id is the same
    try:
        synchronous_server.issues = ISSUES
        synchronous_server.in_progress_polls = 1
        synchronous = deliver_listings_feed(
            data,
            marketplace_id=DE,
            credentials=synchronous_server.credentials(),
            environment="sandbox",
            poll_seconds=0.01,
            report_schema=synchronous_server.report_schema,
            sleep=lambda _: None,
            timeout=5.0,
        )
    finally:
        synchronous_server.stop()
    assert synchronous_server.violations == []

    assert deferred == synchronous
    assert deferred.verdict == "refused" and deferred.refused_skus == ["GL-1002"]
    assert server.calls["getFeedDocument"] == 1  # the report was read on resuming


def test_a_feed_still_in_progress_at_the_deadline_fails_naming_it(server: SpApiServer) -> None:
    data = listings_feed()
    server.in_progress_polls = 100
    feed_id = _submit(server, data)
    passed = datetime.now(UTC) - timedelta(seconds=1)

    event = asyncio.run(_first_event(_trigger(feed_id, deadline=passed)))

    assert event["status"] == "timeout" and event["feed_id"] == feed_id
    with pytest.raises(DeliveryError, match=f"Feed {feed_id} was still IN_(QUEUE|PROGRESS)"):
        _resume(server, data, event)
    assert len(server.created_feeds) == 1


def test_refused_credentials_end_the_wait_at_once_as_a_credentials_error(
    server: SpApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret rotated while the feed is processed: the trigger does not poll until
    its deadline, and the resumed task fails as the worker's wait would (no retry)."""
    data = listings_feed()
    server.in_progress_polls = 100
    feed_id = _submit(server, data)
    connection = json.loads(server.connection())
    connection["password"] = "amzn1.oa2-cs.v1.rotated"
    monkeypatch.setenv("AIRFLOW_CONN_AMAZON_SP_API", json.dumps(connection))

    event = asyncio.run(_first_event(_trigger(feed_id)))

    assert event["status"] == "failed" and event["credentials"] is True
    assert "amazon_sp_api" in event["message"] and "rotated" not in event["message"]
    with pytest.raises(CredentialsError, match="Login with Amazon refused"):
        _resume(server, data, event)
    assert server.calls["getFeed"] == 0
