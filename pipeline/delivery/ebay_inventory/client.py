"""eBay's side of the HTTP client (`transforms.api_client`): the OAuth grant, the checks of
the connection, and eBay's answers when a call cannot go on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.delivery.outcome import CredentialsError, DeliveryError
from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    RefreshTokenGrant,
    RetryPolicy,
    TokenRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests

    from pipeline.delivery.outcome import OAuthCredentials

BASE_URLS = {
    "production": "https://api.ebay.com",
    "sandbox": "https://api.sandbox.ebay.com",
}
"""eBay's API hosts by environment (``credentials.endpoint`` overrides them)."""
TOKEN_PATH = "/identity/v1/oauth2/token"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.inventory"
"""The OAuth scope both operations need (the contract's ``security``)."""
TOKEN_REQUEST = "eBay's token request"
"""The token request in log lines, and how its failures are told from a call's."""


def answer_json(response: requests.Response) -> Any:
    """The answer's JSON; None when it is none."""
    try:
        return response.json()
    except ValueError:
        return None


def describe(response: requests.Response) -> str:
    """``HTTP <status>`` and the start of the body, for messages (scrub it first)."""
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code} {text[:300]}".rstrip()


class Client:
    """eBay's side of the HTTP client (`transforms.api_client`): the OAuth grant, the
    checks of the connection, and eBay's answers when a call cannot go on. One per
    delivery."""

    def __init__(
        self,
        credentials: OAuthCredentials,
        base: str,
        session: requests.Session,
        sleep: Callable[[float], None],
        max_attempts: int,
        timeout: float,
    ) -> None:
        self.credentials = credentials
        self.base = base
        self.session = session
        self.http = ApiSession(
            "eBay",
            session=session,
            policy=RetryPolicy(attempts=max(1, max_attempts)),
            tokens=RefreshTokenGrant(
                token_url=credentials.token_url or f"{base}{TOKEN_PATH}",
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                refresh_token=credentials.refresh_token,
                client_auth="basic",
                scope=SCOPE,
                what=TOKEN_REQUEST,
            ),
            sleep=sleep,
            timeout=timeout,
        )

    def scrub(self, text: str) -> str:
        """``text`` with every secret (and each access token) replaced by ``***``."""
        return self.http.scrub(text)

    def _check_credentials(self) -> None:
        credentials = self.credentials
        missing = [
            name
            for name, value in (
                ("login (client id)", credentials.client_id),
                ("password (client secret)", credentials.client_secret),
                ("extra refresh_token", credentials.refresh_token),
            )
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"Airflow connection {credentials.conn_id!r} lacks {', '.join(missing)} "
                "for eBay's OAuth token."
            )

    def call(
        self, method: str, url: str, headers: dict[str, str], data: bytes | None, what: str
    ) -> requests.Response:
        """One API call with its retries and one token refresh on 401; the answer that is
        not worth retrying (``what`` names the call in errors).

        Raises:
            CredentialsError: The connection lacks a credential, eBay refused it, or it
                refused a fresh access token.
            DeliveryError: The call (or the token request) was still failing after its
                tries.
        """
        self._check_credentials()
        conn_id = self.credentials.conn_id
        try:
            answer = self.http.call(method, url, what, headers=headers, data=data)
        except ApiUnavailable as exc:
            if exc.wait is not None:
                raise DeliveryError(f"{exc}.") from None
            problem = (
                self.scrub(describe(exc.response))
                if exc.response is not None
                else f"no answer ({exc.error})"
            )
            if exc.what == TOKEN_REQUEST:
                raise DeliveryError(
                    f"eBay's token endpoint did not answer for connection {conn_id!r} "
                    f"after {exc.attempts} attempts: {problem}"
                ) from None
            raise DeliveryError(
                f"eBay did not take {what} after {exc.attempts} attempts: {problem}"
            ) from None
        except TokenRefused as exc:
            reason = exc.error or f"HTTP {exc.status}"
            if exc.description:
                reason += f" ({exc.description})"
            raise CredentialsError(
                f"eBay refused the credentials of Airflow connection {conn_id!r}: {reason}."
            ) from None
        if answer.status_code == 401:
            raise CredentialsError(
                f"eBay refused the access token of Airflow connection {conn_id!r} for "
                f"{what}, also after a refresh: {self.scrub(describe(answer))}"
            )
        return answer
