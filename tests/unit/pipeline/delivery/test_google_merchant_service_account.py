"""The Google connection with a service account key whose ``token_uri`` is the test
server's: google-auth signs a JWT bearer grant (RS256) with the key, the test server
(`tests.google_merchant_server`) verifies it with the public key, its ``aud`` and scope,
and issues the access token the Merchant API is then called with. The key is made here
with ``cryptography``. (Against Google itself the client library signs its own JWT per
call instead, with no token endpoint: `MerchantApiAccess.exchanges_tokens`.)"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pipeline.delivery.google_merchant.access import MerchantApiAccess
from pipeline.delivery.google_merchant.statuses import read_statuses
from pipeline.delivery.outcome import CredentialsError
from pipeline.delivery.senders import ConnectionFields
from schemas.config.channels.google import FeedTarget
from tests.google_merchant_server import (
    ACCOUNT,
    JWT_GRANT,
    TOKEN_PATH,
    GoogleMerchantServer,
    product,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

EMAIL = "grenzenlos-feeds@grenzenlos-test.iam.gserviceaccount.com"


def _key() -> tuple[str, bytes]:
    """A new RSA key: its private PEM (as Google's key file holds it) and public PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def _key_file(private: str, token_uri: str) -> dict[str, Any]:
    """A service account key file as Google's console gives it (its fields)."""
    return {
        "type": "service_account",
        "project_id": "grenzenlos-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private,
        "client_email": EMAIL,
        "client_id": "101234567890123456789",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }


@pytest.fixture
def google() -> Iterator[GoogleMerchantServer]:
    server = GoogleMerchantServer().start()
    server.products[ACCOUNT] = [product("tea-1", "DE", "de", approved=("DE",))]
    yield server
    server.stop()


def test_a_service_account_key_gets_its_token_by_a_signed_jwt(
    google: GoogleMerchantServer,
) -> None:
    private, public = _key()
    google.add_service_account(EMAIL, public)
    extra = {
        # the key file's JSON as text, as the Airflow UI's extra field holds it
        "service_account_info": json.dumps(_key_file(private, google.endpoint + TOKEN_PATH)),
        "endpoint": google.endpoint,
    }
    access = MerchantApiAccess.from_connection("gmc_api", ConnectionFields("", "", extra))
    reading = read_statuses(access, ACCOUNT, FeedTarget("DE", "de"), "DE")

    assert reading.outcome.states["approved"] == 1
    [grant] = [c for c in google.calls if c.path == TOKEN_PATH]
    assert grant.status == 200
    [listed] = google.list_calls
    assert listed.status == 200 and listed.headers["authorization"].startswith("Bearer ya29.")
    assert google.problems == []
    assert private not in repr(access)
    assert private in access.secrets()


def test_a_key_google_does_not_know_is_refused_naming_the_connection(
    google: GoogleMerchantServer,
) -> None:
    _, registered = _key()
    google.add_service_account(EMAIL, registered)
    other, _ = _key()  # the account's key was replaced; the connection holds the old one
    extra = {
        "service_account_info": _key_file(other, google.endpoint + TOKEN_PATH),
        "endpoint": google.endpoint,
    }
    access = MerchantApiAccess.from_connection("gmc_api", ConnectionFields("", "", extra))
    with pytest.raises(CredentialsError, match="'gmc_api'") as refused:
        read_statuses(access, ACCOUNT, FeedTarget("DE", "de"), "DE")
    assert "invalid_grant" in str(refused.value)
    assert other.splitlines()[1] not in str(refused.value)
    assert google.list_calls == []
    assert google.problems == []


def test_the_server_refuses_a_grant_for_another_scope(google: GoogleMerchantServer) -> None:
    """The test server's own check: a JWT asking another scope gets no token."""
    import time

    import jwt  # PyJWT, only to make a JWT by hand here
    import requests

    private, public = _key()
    google.add_service_account(EMAIL, public)
    now = int(time.time())
    claims = {
        "iss": EMAIL,
        "aud": "https://oauth2.googleapis.com/token",
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "iat": now,
        "exp": now + 3600,
    }
    assertion = jwt.encode(claims, private, algorithm="RS256")
    answer = requests.post(
        google.endpoint + TOKEN_PATH,
        data={"grant_type": JWT_GRANT, "assertion": assertion},
        timeout=10,
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_scope")
    google.problems.clear()


def test_against_google_the_client_signs_its_own_jwt_and_exchanges_nothing() -> None:
    private, _ = _key()
    google_s = {"service_account_info": _key_file(private, "https://oauth2.googleapis.com/token")}
    access = MerchantApiAccess.from_connection("gmc_api", ConnectionFields("", "", google_s))
    assert not access.exchanges_tokens()
    own = {**google_s, "token_url": "https://tokens.grenzenlos.example/token"}
    assert MerchantApiAccess.from_connection(
        "gmc_api", ConnectionFields("", "", own)
    ).exchanges_tokens()
