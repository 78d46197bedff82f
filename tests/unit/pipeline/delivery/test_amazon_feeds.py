"""The SP-API Feeds client against a local server held to Amazon's published contracts
(`tests.sp_api_server`): the whole flow over HTTP, nothing inside the client mocked."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from pipeline.delivery.amazon_feeds.client import RATE_LIMITS
from pipeline.delivery.amazon_feeds.flow import deliver_listings_feed
from pipeline.delivery.outcome import CredentialsError, DeliveryError, MarketplaceIssue
from tests.sp_api_server import CONN_ID, REFERENCE, SpApiServer, usage_plans

if TYPE_CHECKING:
    from collections.abc import Iterator

DE = "A1PA6795UKMFR9"
SKUS = ["GL-1001", "GL-1002", "GL-1003"]


def listings_feed(skus: list[str] = SKUS) -> bytes:
    """A small JSON_LISTINGS_FEED, shaped like Amazon's amazon-listings-feed-v2.example.json."""
    messages = [
        {
            "messageId": number,
            "sku": sku,
            "operationType": "UPDATE",
            "productType": "PRODUCT",
            "requirements": "LISTING",
            "attributes": {
                "item_name": [
                    {
                        "value": f"Wanderrucksack {sku}",
                        "language_tag": "de_DE",
                        "marketplace_id": DE,
                    }
                ],
                "fulfillment_availability": [
                    {"fulfillment_channel_code": "DEFAULT", "quantity": 5}
                ],
            },
        }
        for number, sku in enumerate(skus, start=1)
    ]
    feed = {"header": {"sellerId": "A3GRENZENLOSTEST", "version": "2.0", "issueLocale": "de_DE"},
            "messages": messages}  # fmt: skip
    return json.dumps(feed, ensure_ascii=False).encode()


@pytest.fixture
def server() -> Iterator[SpApiServer]:
    if not REFERENCE.joinpath("feeds_2021-06-30.json").exists():
        pytest.skip(f"the SP-API reference files are not in {REFERENCE}")
    sp_api = SpApiServer().start()
    yield sp_api
    sp_api.stop()
    assert sp_api.violations == []


@pytest.fixture
def waits() -> list[float]:
    """What the client waited for, in order (the injected `sleep` does not wait)."""
    return []


def deliver(server: SpApiServer, waits: list[float], **kwargs: Any) -> Any:
    data = kwargs.pop("data", listings_feed())
    options: dict[str, Any] = {
        "marketplace_id": DE,
        "credentials": server.credentials(),
        "environment": "sandbox",
        "poll_seconds": 1.0,
        "sleep": waits.append,
        "timeout": 5.0,
        **kwargs,
    }
    return deliver_listings_feed(data, **options)


@pytest.mark.parametrize("with_schema", [True, False], ids=["report-schema", "shape-only"])
def test_an_accepted_feed_end_to_end(
    server: SpApiServer, waits: list[float], with_schema: bool
) -> None:
    server.in_progress_polls = 2
    data = listings_feed()
    checkpoints: list[dict[str, Any]] = []

    outcome = deliver(
        server,
        waits,
        data=data,
        checkpoint=checkpoints.append,
        report_schema=server.report_schema if with_schema else None,
    )

    assert outcome.verdict == "accepted"
    assert outcome.reference == "3485934"  # the model's sandbox feedId
    assert (outcome.sent, outcome.accepted, outcome.issues, outcome.refused_skus) == (3, 3, [], [])
    assert outcome.detail == "Amazon processed 3 messages of feed 3485934: 3 accepted, 0 refused."
    [created] = server.created_feeds
    assert created == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [DE],
        "inputFeedDocumentId": "3d4e42b5-1d6e-44e8-a89c-2abfca0625bb",
    }
    definitions = server.model["definitions"]
    jsonschema.validate(
        created, {"$ref": "#/definitions/CreateFeedSpecification", "definitions": definitions}
    )
    assert server.uploads == {created["inputFeedDocumentId"]: data}
    assert checkpoints == [
        {"feed_id": "3485934", "feed_document_id": created["inputFeedDocumentId"]}
    ]
    # Two polls in progress: waits of 1 and 1.5 seconds between the three getFeed calls.
    assert server.calls["getFeed"] == 3 and waits == [1.0, 1.5]


def test_issues_are_mapped_to_skus_by_message_id(server: SpApiServer, waits: list[float]) -> None:
    server.issues = {
        "GL-1002": [
            {
                "code": "90220",
                "severity": "ERROR",
                "message": "'[batteries_required]' is required but not supplied.",
                "attributeNames": ["batteries_required"],
            }
        ],
        "GL-1003": [
            {
                "code": "18448",
                "severity": "WARNING",
                "message": "Attributes tagged as relevant_attributes are incomplete.",
                "attributeNames": ["item_weight", "item_dimensions"],
            },
            {"code": "10001", "severity": "INFO", "message": "The listing was updated."},
        ],
    }

    outcome = deliver(server, waits, report_schema=server.report_schema)

    assert outcome.verdict == "refused"
    assert outcome.refused_skus == ["GL-1002"]
    assert outcome.issues == [
        MarketplaceIssue(
            "GL-1002",
            "error",
            "90220",
            "batteries_required",
            "'[batteries_required]' is required but not supplied.",
        ),
        MarketplaceIssue(
            "GL-1003",
            "warning",
            "18448",
            "item_weight, item_dimensions",
            "Attributes tagged as relevant_attributes are incomplete.",
        ),
    ]
    assert (outcome.sent, outcome.accepted) == (3, 2)
    assert outcome.detail == (
        "Amazon processed 3 messages of feed 3485934: 2 accepted, 1 refused (1 warning)."
    )


def test_warnings_only_is_accepted_with_warnings(server: SpApiServer, waits: list[float]) -> None:
    server.issues = {
        "GL-1001": [{"code": "18448", "severity": "WARNING", "message": "Incomplete."}]
    }

    outcome = deliver(server, waits)

    assert outcome.verdict == "accepted_with_warnings"
    assert outcome.refused_skus == [] and outcome.accepted == 3
    assert [(issue.sku, issue.field) for issue in outcome.issues] == [("GL-1001", "")]


def test_an_issue_without_message_id_concerns_the_whole_feed(
    server: SpApiServer, waits: list[float]
) -> None:
    server.issues_from = lambda feed: [
        {"code": "4000004", "severity": "ERROR", "message": "The header's sellerId is unknown."}
    ]

    outcome = deliver(server, waits)

    assert outcome.verdict == "refused"
    assert [issue.sku for issue in outcome.issues] == [None]
    # Nothing says which messages were applied, so all of them go again.
    assert outcome.refused_skus == SKUS


def test_a_gzip_report_is_unpacked(server: SpApiServer, waits: list[float]) -> None:
    server.gzip_report = True
    server.issues = {"GL-1001": [{"code": "99022", "severity": "ERROR", "message": "No price."}]}

    outcome = deliver(server, waits, report_schema=server.report_schema)

    assert server.calls["download"] == 1
    assert outcome.verdict == "refused" and outcome.refused_skus == ["GL-1001"]
    assert [issue.code for issue in outcome.issues] == ["99022"]


def test_a_fatal_feed_refuses_every_sku_with_the_reports_issue(
    server: SpApiServer, waits: list[float]
) -> None:
    server.fatal = True

    outcome = deliver(server, waits, report_schema=server.report_schema)

    assert outcome.verdict == "refused"
    assert outcome.refused_skus == SKUS and outcome.accepted == 0 and outcome.sent == 3
    [issue] = outcome.issues
    assert (issue.sku, issue.severity, issue.code) == (None, "error", "4000001")
    assert "fatal" in outcome.detail and "3485934" in outcome.detail


def test_a_fatal_feed_without_issues_gets_one(server: SpApiServer, waits: list[float]) -> None:
    server.fatal = True
    server.fatal_issue = None

    outcome = deliver(server, waits)

    assert outcome.verdict == "refused" and outcome.refused_skus == SKUS
    assert [(issue.sku, issue.code) for issue in outcome.issues] == [(None, "FATAL")]


def test_a_file_that_is_no_listings_feed_goes_fatal(
    server: SpApiServer, waits: list[float]
) -> None:
    data = json.dumps({"header": {"version": "2.0"}, "messages": [{"messageId": 1, "sku": "X"}]})

    outcome = deliver(server, waits, data=data.encode())

    assert outcome.verdict == "refused" and outcome.refused_skus == ["X"]
    assert outcome.issues[0].message.startswith("Invalid feed:")


def test_a_cancelled_feed_refuses_every_sku(server: SpApiServer, waits: list[float]) -> None:
    server.cancelled = True

    outcome = deliver(server, waits)

    assert outcome.verdict == "refused" and outcome.refused_skus == SKUS
    assert [(issue.sku, issue.code) for issue in outcome.issues] == [(None, "CANCELLED")]
    assert server.calls["getFeedDocument"] == 0


def test_a_throttled_create_feed_waits_as_the_header_says(
    server: SpApiServer, waits: list[float]
) -> None:
    server.throttle("createFeed", 2)

    outcome = deliver(server, waits)

    assert outcome.verdict == "accepted"
    assert server.calls["createFeed"] == 3 and len(server.created_feeds) == 1
    # The header carries the model's rate for createFeed: one request per 1/0.0083 s.
    assert waits == [pytest.approx(1 / 0.0083), pytest.approx(1 / 0.0083)]


def test_throttling_without_end_gives_up_after_six_tries(
    server: SpApiServer, waits: list[float]
) -> None:
    server.throttle("createFeedDocument", 10)

    with pytest.raises(DeliveryError, match="throttled createFeedDocument 6 times"):
        deliver(server, waits)

    assert server.calls["createFeedDocument"] == 6 and server.uploads == {}


def test_a_server_error_on_get_feed_is_retried(server: SpApiServer, waits: list[float]) -> None:
    server.fail("getFeed", 500)

    outcome = deliver(server, waits)

    assert outcome.verdict == "accepted"
    assert server.calls["getFeed"] == 2 and waits == [1.0]


def test_server_errors_give_up_after_four_tries_naming_the_operation(
    server: SpApiServer, waits: list[float]
) -> None:
    server.fail("getFeedDocument", 503, 503, 503, 503)

    with pytest.raises(DeliveryError, match=r"getFeedDocument failed 4 times with HTTP 503"):
        deliver(server, waits)

    assert waits == [1.0, 2.0, 4.0]


def test_no_answer_in_time_gives_up_after_four_tries(
    server: SpApiServer, waits: list[float]
) -> None:
    server.delays["createFeedDocument"] = 1.0

    with pytest.raises(DeliveryError, match="createFeedDocument got no answer.*ReadTimeout"):
        deliver(server, waits, timeout=0.2)

    assert server.calls["createFeedDocument"] == 4


def test_a_refused_token_names_the_connection_and_no_secret(
    server: SpApiServer, waits: list[float]
) -> None:
    server.refuse_token = True
    credentials = server.credentials()

    with pytest.raises(CredentialsError) as raised:
        deliver(server, waits, credentials=credentials)

    message = str(raised.value)
    assert CONN_ID in message and "invalid_grant" in message
    assert not any(secret in message for secret in credentials.secrets())
    assert server.calls["createFeedDocument"] == 0


def test_an_expired_access_token_is_renewed_once(server: SpApiServer, waits: list[float]) -> None:
    # An access token lasts an hour and a feed may take longer: here it runs out while the
    # client waits, the next getFeed gets a 403, and the client asks for a new one.
    server.in_progress_polls = 1

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        server.revoke_access_tokens()

    outcome = deliver(server, waits, sleep=sleep)

    assert outcome.verdict == "accepted"
    assert server.calls["token"] == 2 and server.calls["getFeed"] == 3


def test_a_token_that_cannot_be_renewed_midway_is_a_credentials_error(
    server: SpApiServer, waits: list[float]
) -> None:
    server.in_progress_polls = 1
    server.fail("getFeed", 500)

    def sleep(seconds: float) -> None:
        server.revoke_access_tokens()
        server.refuse_token = True

    with pytest.raises(CredentialsError, match=CONN_ID):
        deliver(server, waits, sleep=sleep)


def test_no_token_or_secret_is_logged(
    server: SpApiServer, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.throttle("getFeed", 1)
    credentials = server.credentials()

    deliver(server, waits, credentials=credentials)

    assert "3485934" in caplog.text
    for secret in (*credentials.secrets(), *server.access_tokens):
        assert secret not in caplog.text


def test_a_resumed_delivery_polls_the_same_feed(server: SpApiServer, waits: list[float]) -> None:
    server.in_progress_polls = 1000
    checkpoints: list[dict[str, Any]] = []
    with pytest.raises(DeliveryError):
        deliver(server, waits, checkpoint=checkpoints.append, max_wait_seconds=5.0)
    [checkpoint] = checkpoints
    server.in_progress_polls = 0

    outcome = deliver(server, waits, resume=checkpoint, checkpoint=checkpoints.append)

    assert outcome.verdict == "accepted" and outcome.reference == checkpoint["feed_id"]
    assert server.calls["createFeed"] == 1 and server.calls["createFeedDocument"] == 1
    assert len(server.created_feeds) == 1 and len(server.uploads) == 1
    assert len(checkpoints) == 1


def test_past_max_wait_the_error_names_the_feed(server: SpApiServer, waits: list[float]) -> None:
    server.in_progress_polls = 1000

    with pytest.raises(DeliveryError) as raised:
        deliver(server, waits, poll_seconds=1.0, max_wait_seconds=100.0)

    assert "3485934" in str(raised.value) and "resumes polling" in str(raised.value)
    assert sum(waits) == pytest.approx(100.0)
    # Each wait 1.5 times the last, at most ten times poll_seconds.
    assert waits[:4] == [1.0, 1.5, 2.25, 3.375] and max(waits) == 10.0


def test_an_unknown_feed_quotes_amazons_errors(server: SpApiServer, waits: list[float]) -> None:
    with pytest.raises(DeliveryError, match=r"getFeed \(HTTP 404\): NotFound: The requested feed"):
        deliver(server, waits, resume={"feed_id": "999"})


def test_the_rate_table_is_the_models(server: SpApiServer) -> None:
    plans = usage_plans(server.model)

    assert {name: (limit.rate, limit.burst) for name, limit in RATE_LIMITS.items()} == {
        name: plans[name] for name in RATE_LIMITS
    }
    assert set(RATE_LIMITS) == {"createFeedDocument", "createFeed", "getFeed", "getFeedDocument"}
