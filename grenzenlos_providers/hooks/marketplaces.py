"""The marketplaces' connection types: an OAuth app's client id and secret (login and
password) and the seller's refresh token (a form field, kept in the extra), for Amazon's
Selling Partner API (``amazon_sp_api``) and eBay's APIs (``ebay_api``).

The deliveries take their credentials from these hooks (`OAuthHook.credentials`), with
the secrets registered with Airflow's secrets masker; the **Test** button exchanges the
refresh token for an access token, the cheapest call each API authenticates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseHook

if TYPE_CHECKING:
    from pipeline.delivery.outcome import OAuthCredentials
    from transforms.api_client import RefreshTokenGrant


def _extra(conn: Any, name: str) -> str:
    """A form field from the extra: its own name (how the UI and the JSON form write it),
    or the prefixed ``extra__<type>__<name>`` older forms wrote."""
    extra = conn.extra_dejson
    value = extra.get(name) or extra.get(f"extra__{conn.conn_type}__{name}") or ""
    return str(value)


class OAuthHook(BaseHook):
    """What both marketplaces' connections hold and how they are tested."""

    conn_name_attr = "conn_id"
    default_conn_name: ClassVar[str] = ""
    conn_type: ClassVar[str] = ""
    hook_name: ClassVar[str] = ""
    api: ClassVar[str] = ""
    """The API's name in messages."""

    def __init__(self, conn_id: str | None = None) -> None:
        super().__init__()
        self.conn_id = conn_id or self.default_conn_name

    def credentials(self) -> OAuthCredentials:
        """The app's and the seller's credentials, the secrets masked in logs.

        Raises:
            ConnectionNotDefined: the connection does not exist (the message says where
                to define it).
            CredentialsError: it lacks the client id, the secret or the refresh token.
        """
        from airflow.sdk.exceptions import AirflowNotFoundException
        from airflow.sdk.log import mask_secret

        from pipeline.delivery.outcome import (
            ConnectionNotDefined,
            CredentialsError,
            OAuthCredentials,
        )

        try:
            conn = self.get_connection(self.conn_id)
        except AirflowNotFoundException:
            raise ConnectionNotDefined(
                self.conn_id,
                f"the Airflow connection {self.conn_id!r} is not defined (Admin -> "
                f"Connections, or AIRFLOW_CONN_{self.conn_id.upper()}); see the README's "
                "'Delivering the feeds'",
            ) from None
        refresh_token = _extra(conn, "refresh_token")
        missing = [
            what
            for what, value in (
                ("a login (the app's client id)", conn.login),
                ("a password (the app's client secret)", conn.password),
                ("refresh_token in its extra (the form's Refresh token)", refresh_token),
            )
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"the Airflow connection {self.conn_id!r} lacks {', '.join(missing)}"
            )
        for secret in (conn.password, refresh_token):
            mask_secret(secret)
        return OAuthCredentials(
            conn_id=self.conn_id,
            client_id=conn.login or "",
            client_secret=conn.password or "",
            refresh_token=refresh_token,
            token_url=_extra(conn, "token_url") or None,
            endpoint=_extra(conn, "endpoint") or None,
        )

    def get_conn(self) -> OAuthCredentials:
        return self.credentials()

    def grant(self, credentials: OAuthCredentials) -> RefreshTokenGrant:
        """The API's refresh-token grant for these credentials."""
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """Exchange the refresh token for an access token, once, without retries."""
        import requests

        from pipeline.delivery.outcome import CredentialsError
        from transforms.api_client import ApiSession, ApiUnavailable, RetryPolicy, TokenRefused

        try:
            credentials = self.credentials()
        except CredentialsError as error:
            return False, str(error)
        grant = self.grant(credentials)
        http = ApiSession(
            self.api,
            session=requests.Session(),
            policy=RetryPolicy(attempts=1, throttled_attempts=1),
            tokens=grant,
            timeout=20.0,
        )
        try:
            grant.token(http)
        except TokenRefused as refused:
            return False, str(refused)
        except ApiUnavailable as error:
            return False, http.scrub(str(error))
        return True, f"{self.api} issued an access token for {grant.token_url}"


class AmazonSpApiHook(OAuthHook):
    """Amazon's Selling Partner API: an LWA app and the seller's refresh token."""

    default_conn_name = "amazon_sp_api"
    conn_type = "amazon_sp_api"
    hook_name = "Amazon Selling Partner API"
    api = "Amazon"

    def grant(self, credentials: OAuthCredentials) -> RefreshTokenGrant:
        from pipeline.delivery.amazon_feeds.client import LWA_TOKEN_URL
        from transforms.api_client import RefreshTokenGrant

        return RefreshTokenGrant(
            token_url=credentials.token_url or LWA_TOKEN_URL,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            refresh_token=credentials.refresh_token,
            client_auth="body",
            what="the Login with Amazon token exchange",
        )


class EbayHook(OAuthHook):
    """eBay's APIs: an app's keys (App ID, Cert ID) and the seller's user refresh token.
    The Test button asks the token endpoint of the connection's endpoint, else eBay's
    sandbox for an App ID with ``-SBX-`` (eBay writes the environment into it), else
    production."""

    default_conn_name = "ebay_api"
    conn_type = "ebay_api"
    hook_name = "eBay APIs"
    api = "eBay"

    def grant(self, credentials: OAuthCredentials) -> RefreshTokenGrant:
        from pipeline.delivery.ebay_inventory.client import BASE_URLS, SCOPE, TOKEN_PATH
        from transforms.api_client import RefreshTokenGrant

        environment = "sandbox" if "-SBX-" in credentials.client_id else "production"
        base = (credentials.endpoint or BASE_URLS[environment]).rstrip("/")
        return RefreshTokenGrant(
            token_url=credentials.token_url or f"{base}{TOKEN_PATH}",
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            refresh_token=credentials.refresh_token,
            client_auth="basic",
            scope=SCOPE,
            what="eBay's token request",
        )
