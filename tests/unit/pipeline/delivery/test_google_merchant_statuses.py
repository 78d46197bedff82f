"""`pipeline.delivery.google_merchant`: Google's item statuses read back through the
Merchant API with Google's client library (REST transport) from a server held to
Google's discovery document (`tests.google_merchant_server`): approvals and issues per
country as findings with Google's codes, every page read, the quota waited out, an
expired token renewed, refused credentials named without their secrets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from pipeline.deliver import marketplace_findings
from pipeline.delivery.google_merchant.access import MerchantApiAccess
from pipeline.delivery.google_merchant.statuses import default_retry, read_statuses
from pipeline.delivery.outcome import CredentialsError, DeliveryError
from pipeline.delivery.records import DeliveryRecord
from pipeline.delivery.senders import ConnectionFields
from schemas.config.channels.google import FeedTarget
from tests.google_merchant_server import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    CONN_ID,
    REFRESH_TOKEN,
    TOKEN_PATH,
    GoogleMerchantServer,
    contract_validator,
    issue,
    product,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

DE = FeedTarget("DE", "de")
QUICK = default_retry(deadline_seconds=5, initial_seconds=0.01)
"""Google's retry with short waits, so that a test of the quota takes no minute."""


@pytest.fixture
def server() -> Iterator[GoogleMerchantServer]:
    running = GoogleMerchantServer().start()
    yield running
    running.stop()
    assert running.problems == []  # every request and answer kept to Google's definition


def _access(server: GoogleMerchantServer, **extra: str) -> MerchantApiAccess:
    fields = ConnectionFields(CLIENT_ID, CLIENT_SECRET, {**server.connection_extra(), **extra})
    return MerchantApiAccess.from_connection(CONN_ID, fields)


def test_disapproved_items_are_refused_and_issues_become_findings_with_googles_codes(
    server: GoogleMerchantServer,
) -> None:
    server.products[ACCOUNT] = [
        product("tea-1", "DE", "de", approved=("DE",)),
        product(
            "lamp-1",
            "DE",
            "de",
            disapproved=("DE",),
            issues=(
                issue("image_link_broken", "DISAPPROVED", attribute="image link"),
                issue(
                    "image_link_broken",
                    "DISAPPROVED",
                    attribute="image link",
                    context="FREE_LISTINGS",
                ),
            ),
        ),
        product(
            "oil-1",
            "DE",
            "de",
            approved=("DE",),
            issues=(issue("missing_shipping_weight", "DEMOTED", attribute="shipping weight"),),
        ),
        product("bag-1", "DE", "de", pending=("DE",)),
        # Another market's feed and an issue of another country: not DE's.
        product(
            "tea-1",
            "FR",
            "fr",
            disapproved=("FR",),
            issues=(issue("price_mismatch", "DISAPPROVED"),),
        ),
        product(
            "cup-1",
            "DE",
            "de",
            approved=("DE",),
            issues=(issue("price_mismatch", "DISAPPROVED", countries=("AT",)),),
        ),
    ]
    outcome = read_statuses(_access(server), ACCOUNT, DE, "DE", retry=QUICK).outcome

    assert outcome.verdict == "refused"
    assert outcome.refused_skus == ["lamp-1"]
    assert (outcome.sent, outcome.accepted) == (5, 4)
    assert "3 approved, 1 disapproved, 1 pending of 5 products" in outcome.detail
    record = DeliveryRecord(market="DE", channel="google", file="google.xml", sha256="0" * 64)
    findings = marketplace_findings(record, outcome)
    seen = {(f.sku, f.severity, f.rule, f.field, f.stage) for f in findings}
    assert seen == {
        ("lamp-1", "error", "image_link_broken", "image link", "marketplace"),
        ("oil-1", "warning", "missing_shipping_weight", "shipping weight", "marketplace"),
    }
    lamp = next(f for f in findings if f.sku == "lamp-1")
    assert "FREE_LISTINGS, SHOPPING_ADS" in lamp.message


def test_only_the_delivered_skus_count_and_unprocessed_ones_are_told(
    server: GoogleMerchantServer,
) -> None:
    server.products[ACCOUNT] = [
        product("tea-1", "DE", "de", approved=("DE",)),
        product("gone-1", "DE", "de", disapproved=("DE",)),
    ]
    reading = read_statuses(_access(server), ACCOUNT, DE, "DE", ["tea-1", "new-1"], retry=QUICK)
    assert reading.unsettled == 1
    outcome = reading.outcome
    assert outcome.verdict == "accepted"
    assert outcome.refused_skus == []
    assert "1 not yet processed of 2 products" in outcome.detail


def test_switzerland_in_french_reads_its_own_feed_label_and_language(
    server: GoogleMerchantServer,
) -> None:
    server.products[ACCOUNT] = [
        product("tea-1", "CH", "de", approved=("CH",)),
        product(
            "tea-1",
            "CH",
            "fr",
            disapproved=("CH",),
            issues=(issue("text_language_mismatch", "DISAPPROVED"),),
        ),
    ]
    french = read_statuses(
        _access(server), ACCOUNT, FeedTarget("CH", "fr"), "CH", retry=QUICK
    ).outcome
    german = read_statuses(
        _access(server), ACCOUNT, FeedTarget("CH", "de"), "CH", retry=QUICK
    ).outcome
    assert (french.refused_skus, german.refused_skus) == (["tea-1"], [])
    assert [i.code for i in french.issues] == ["text_language_mismatch"]


def test_every_page_is_read(server: GoogleMerchantServer) -> None:
    server.page_limit = 2
    server.products[ACCOUNT] = [product(f"sku-{n}", "DE", "de", approved=("DE",)) for n in range(5)]
    outcome = read_statuses(_access(server), ACCOUNT, DE, "DE", retry=QUICK).outcome
    assert outcome.sent == 5
    calls = server.list_calls
    assert len(calls) == 3
    assert "pageToken" not in calls[0].query
    assert all("pageToken" in call.query for call in calls[1:])
    assert {call.query["pageSize"][0] for call in calls} == {"1000"}


def test_an_exhausted_quota_is_waited_out(server: GoogleMerchantServer) -> None:
    server.products[ACCOUNT] = [product("tea-1", "DE", "de", approved=("DE",))]
    server.exhaust_quota(times=2)
    outcome = read_statuses(_access(server), ACCOUNT, DE, "DE", retry=QUICK).outcome
    assert outcome.verdict == "accepted"
    assert [call.status for call in server.list_calls] == [429, 429, 200]


def test_a_quota_exhausted_past_the_deadline_fails_the_reading(
    server: GoogleMerchantServer,
) -> None:
    server.exhaust_quota(times=10_000)
    retry = default_retry(deadline_seconds=0.3, initial_seconds=0.05)
    with pytest.raises(DeliveryError, match="RESOURCE_EXHAUSTED|Quota exceeded"):
        read_statuses(_access(server), ACCOUNT, DE, "DE", retry=retry)


def test_an_expired_access_token_is_renewed_and_the_call_made_again(
    server: GoogleMerchantServer,
) -> None:
    server.page_limit = 1
    server.products[ACCOUNT] = [product(f"sku-{n}", "DE", "de", approved=("DE",)) for n in range(2)]
    server.expire_tokens(after_calls=1)
    outcome = read_statuses(_access(server), ACCOUNT, DE, "DE", retry=QUICK).outcome
    assert outcome.sent == 2
    assert [call.status for call in server.list_calls] == [200, 401, 200]
    assert len([c for c in server.calls if c.path == TOKEN_PATH]) == 2


def test_a_revoked_refresh_token_names_the_connection_and_no_secret(
    server: GoogleMerchantServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.refuse_refresh()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CredentialsError) as error:
        read_statuses(_access(server), ACCOUNT, DE, "DE", retry=QUICK)
    assert CONN_ID in str(error.value)
    for secret in (CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in str(error.value)
        assert secret not in caplog.text
    assert server.list_calls == []


@pytest.mark.parametrize(
    ("login", "password", "extra", "lacks"),
    [
        ("", CLIENT_SECRET, {"refresh_token": REFRESH_TOKEN}, "a login"),
        (CLIENT_ID, CLIENT_SECRET, {}, "refresh_token"),
        ("", "", {"service_account_info": "{not json"}, "not the JSON"),
        ("", "", {"service_account_info": {"client_email": "x@y"}}, "private_key"),
    ],
)
def test_incomplete_credentials_are_refused_before_any_call(
    login: str, password: str, extra: dict[str, object], lacks: str
) -> None:
    with pytest.raises(CredentialsError, match=lacks) as error:
        MerchantApiAccess.from_connection(CONN_ID, ConnectionFields(login, password, extra))
    assert CONN_ID in str(error.value)


def test_the_credentials_show_no_secret_in_their_repr(server: GoogleMerchantServer) -> None:
    access = _access(server)
    assert CLIENT_SECRET not in repr(access)
    assert REFRESH_TOKEN not in repr(access)
    assert set(access.secrets()) == {CLIENT_SECRET, REFRESH_TOKEN}


def test_the_contract_catches_an_answer_google_would_not_give() -> None:
    validator = contract_validator("ListProductsResponse")
    good = {"products": [product("tea-1", "DE", "de", approved=("DE",))]}
    assert list(validator.iter_errors(good)) == []
    bad = {"products": [{**good["products"][0], "status": "approved"}]}
    wrong_enum = product("tea-1", "DE", "de", issues=(issue("x", "FATAL"),))
    assert list(validator.iter_errors(bad))
    assert list(validator.iter_errors({"products": [wrong_enum]}))
