"""The Merchant API's connection read through Airflow (`dags/grenzenlos_airflow`): its
secrets, the service account's private key among them, are masked in Airflow's logs."""

from __future__ import annotations

import json

import pytest
from grenzenlos_airflow.connections import AirflowConnections

from pipeline.delivery.google_merchant.access import MerchantApiAccess

PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
)


def _redacted(text: str) -> str:
    from airflow.sdk.log import _secrets_masker  # type: ignore[attr-defined]

    return str(_secrets_masker().redact(text))


@pytest.mark.parametrize("as_text", [True, False])
def test_a_service_account_key_is_read_and_its_private_key_masked(
    monkeypatch: pytest.MonkeyPatch, as_text: bool
) -> None:
    key = {
        "type": "service_account",
        "client_email": "feeds@grenzenlos-demo.iam.gserviceaccount.com",
        "private_key": PRIVATE_KEY,
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    info = json.dumps(key) if as_text else key
    monkeypatch.setenv(
        "AIRFLOW_CONN_GMC_API_TEST",
        json.dumps({"conn_type": "http", "extra": {"service_account_info": info}}),
    )
    fields = AirflowConnections().fields("gmc_api_test")
    access = MerchantApiAccess.from_connection("gmc_api_test", fields)
    assert access.secrets() == (PRIVATE_KEY,)
    assert PRIVATE_KEY not in _redacted(f"the key: {PRIVATE_KEY}")
    assert PRIVATE_KEY not in repr(access)


def test_an_oauth_refresh_token_and_client_secret_are_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_GMC_API_OAUTH",
        json.dumps(
            {
                "conn_type": "http",
                "login": "123-abc.apps.googleusercontent.com",
                "password": "GOCSPX-masked-secret-42",
                "extra": {"refresh_token": "1//0g-masked-refresh-42"},
            }
        ),
    )
    fields = AirflowConnections().fields("gmc_api_oauth")
    access = MerchantApiAccess.from_connection("gmc_api_oauth", fields)
    line = _redacted("secret GOCSPX-masked-secret-42 token 1//0g-masked-refresh-42")
    assert "GOCSPX-masked-secret-42" not in line
    assert "1//0g-masked-refresh-42" not in line
    assert access.client_id == "123-abc.apps.googleusercontent.com"
