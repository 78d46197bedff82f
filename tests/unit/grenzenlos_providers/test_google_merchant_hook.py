"""Google Merchant Center's connection type (``google_merchant``): its form, and the Test
button reading the account through the Merchant API test server
(`tests.google_merchant_server`) with an OAuth client or a service account key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from grenzenlos_providers import CONNECTION_TYPES, get_provider_info
from grenzenlos_providers.hooks.google_merchant import GoogleMerchantHook
from tests.google_merchant_server import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    GoogleMerchantServer,
    product,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

FORM = {c["connection-type"]: c for c in CONNECTION_TYPES}["google_merchant"]


@pytest.fixture
def google() -> Iterator[GoogleMerchantServer]:
    server = GoogleMerchantServer().start()
    server.products[ACCOUNT] = [product(f"sku-{n}", "DE", "de", approved=("DE",)) for n in range(3)]
    yield server
    server.stop()
    assert server.problems == []


def _connection(google: GoogleMerchantServer, **extra: str) -> str:
    return json.dumps(
        {
            "conn_type": "google_merchant",
            "login": CLIENT_ID,
            "password": CLIENT_SECRET,
            "extra": {**google.connection_extra(), "merchant_account": ACCOUNT, **extra},
        }
    )


def test_the_form_masks_the_key_and_the_refresh_token() -> None:
    from airflow.providers_manager import ProvidersManager

    ProvidersManager()._provider_schema_validator.validate(get_provider_info())
    assert FORM["hook-class-name"].endswith(".GoogleMerchantHook")
    fields = FORM["conn-fields"]
    for secret in ("service_account_info", "refresh_token"):
        assert fields[secret]["schema"]["format"] == "password"
    assert "format" not in fields["merchant_account"]["schema"]


def test_the_test_button_reads_one_product_of_the_account(
    google: GoogleMerchantServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_GMC_API", _connection(google))
    ok, message = GoogleMerchantHook().test_connection()
    assert ok, message
    assert f"account {ACCOUNT}" in message
    [call] = google.list_calls  # one call, of one product
    assert (call.status, call.query["pageSize"]) == (200, ["1"])


def test_the_test_button_fails_with_google_s_answer_naming_the_connection(
    google: GoogleMerchantServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    google.refuse_refresh()
    monkeypatch.setenv("AIRFLOW_CONN_GMC_API", _connection(google))
    ok, message = GoogleMerchantHook().test_connection()
    assert not ok
    assert "'gmc_api'" in message and "invalid_grant" in message
    assert REFRESH_TOKEN not in message and CLIENT_SECRET not in message
    assert google.list_calls == []


def test_the_test_button_needs_the_account_to_read(
    google: GoogleMerchantServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_GMC_API", _connection(google, merchant_account=""))
    ok, message = GoogleMerchantHook().test_connection()
    assert not ok and "Merchant Center account id" in message
    assert google.calls == []
