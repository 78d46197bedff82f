"""Amazon's side of the HTTP client (`transforms.api_client`): the SP-API endpoints by
marketplace, the operations' usage plans, the Login with Amazon grant and Amazon's error
answers."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal

from pipeline.delivery.outcome import CredentialsError, DeliveryError
from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    RateLimit,
    RefreshTokenGrant,
    RetryPolicy,
    TokenBucket,
    TokenRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

    from pipeline.delivery.outcome import OAuthCredentials

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
"""Login with Amazon's token endpoint, where a refresh token becomes an access token."""
FEEDS_API = "/feeds/2021-06-30"
"""The Feeds API's version, the path its operations start with."""

Region = Literal["na", "eu", "fe"]


RATE_LIMITS: dict[str, RateLimit] = {
    "createFeedDocument": RateLimit(0.5, 15),
    "createFeed": RateLimit(0.0083, 15),
    "getFeed": RateLimit(2.0, 15),
    "getFeedDocument": RateLimit(0.0222, 10),
}
"""The default usage plan of each operation this client calls (feeds_2021-06-30.json)."""

REGIONS: dict[str, Region] = {
    # Europe (and the marketplaces Amazon serves from its EU endpoint).
    "A1PA6795UKMFR9": "eu",  # DE
    "A13V1IB3VIYZZH": "eu",  # FR
    "APJ6JRA9NG5V4": "eu",  # IT
    "A1RKKUPIHCS9HS": "eu",  # ES
    "A1F83G8C2ARO7P": "eu",  # UK
    "A1805IZSGTT6HS": "eu",  # NL
    "A1C3SOZRARQ6R3": "eu",  # PL
    "A2NODRKZP88ZB9": "eu",  # SE
    "AMEN7PMS3EDWL": "eu",  # BE
    "A33AVAJ2PDY3EV": "eu",  # TR
    "A2VIGQ35RCS4UG": "eu",  # AE
    "A17E79C6D8DWNP": "eu",  # SA
    "ARBP9OOSHTCHU": "eu",  # EG
    "A21TJRUUN4KGV": "eu",  # IN
    # North America.
    "ATVPDKIKX0DER": "na",  # US
    "A2EUQ1WTGCTBG2": "na",  # CA
    "A1AM78C64UM0Y8": "na",  # MX
    "A2Q3Y263D00KWC": "na",  # BR
    # Far East.
    "A1VC38T7YXB528": "fe",  # JP
    "A39IBJ37TRP1C6": "fe",  # AU
    "A19VAU5U5O7RUS": "fe",  # SG
}
"""The SP-API region that serves each marketplace id."""

THROTTLED_TRIES = 6
"""Tries of one request that Amazon answers 429 before the delivery gives up."""
FAILED_TRIES = 4
"""Tries of one request that get a 5xx or no answer before the delivery gives up."""
TOKEN_MARGIN_SECONDS = 60.0
"""An access token is renewed this long before Login with Amazon says it runs out."""
POLICY = RetryPolicy(
    attempts=FAILED_TRIES,
    throttled_attempts=THROTTLED_TRIES,
    rate_limit_header="x-amzn-RateLimit-Limit",
)
"""A 429 waits one request's interval at the rate ``x-amzn-RateLimit-Limit`` states (else
1, 2, 4 ... s); a 5xx or no answer 1, 2, 4 s."""


def endpoint_for(marketplace_id: str, environment: Literal["sandbox", "production"]) -> str:
    """The SP-API base URL for a marketplace's region.

    Args:
        marketplace_id: An Amazon marketplace id (`REGIONS`).
        environment: ``sandbox`` for Amazon's static sandbox, ``production`` otherwise.

    Returns:
        The base URL, without a trailing slash.

    Raises:
        DeliveryError: The marketplace id is not in `REGIONS`.

    >>> endpoint_for("A1PA6795UKMFR9", "production")
    'https://sellingpartnerapi-eu.amazon.com'
    >>> endpoint_for("ATVPDKIKX0DER", "sandbox")
    'https://sandbox.sellingpartnerapi-na.amazon.com'
    """
    region = REGIONS.get(marketplace_id)
    if region is None:
        raise DeliveryError(
            f"Marketplace id {marketplace_id} has no known SP-API region; "
            "set the connection's endpoint."
        )
    prefix = "sandbox." if environment == "sandbox" else ""
    return f"https://{prefix}sellingpartnerapi-{region}.amazon.com"


_BUCKETS: dict[tuple[str, str], TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def _bucket(endpoint: str, operation: str) -> TokenBucket:
    # Usage plans apply per region (endpoint), so one bucket per endpoint and operation.
    with _BUCKETS_LOCK:
        key = (endpoint, operation)
        if key not in _BUCKETS:
            _BUCKETS[key] = TokenBucket(RATE_LIMITS[operation])
        return _BUCKETS[key]


class FeedsClient:
    """Amazon's side of the HTTP client (`transforms.api_client`): the Login with Amazon
    grant, the token header, the usage plans and Amazon's error answers."""

    def __init__(
        self,
        credentials: OAuthCredentials,
        endpoint: str,
        session: requests.Session,
        sleep: Callable[[float], None],
        timeout: float,
    ) -> None:
        self._credentials = credentials
        self._endpoint = endpoint
        self._http = ApiSession(
            "Amazon",
            session=session,
            policy=POLICY,
            tokens=RefreshTokenGrant(
                token_url=credentials.token_url or LWA_TOKEN_URL,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                refresh_token=credentials.refresh_token,
                client_auth="body",
                what="the Login with Amazon token exchange",
                margin=TOKEN_MARGIN_SECONDS,
            ),
            token_header="x-amz-access-token",
            token_prefix="",
            # SP-API answers an expired token with 403 as often as with 401.
            refresh_on=frozenset({401, 403}),
            sleep=sleep,
            timeout=timeout,
        )

    def call(
        self, operation: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One SP-API operation's answer, after its waits and retries."""
        try:
            response = self._http.call(
                method,
                self._endpoint + path,
                operation,
                json=body,
                headers={"Accept": "application/json"},
                pace=_bucket(self._endpoint, operation),
            )
        except ApiUnavailable as exc:
            raise self._unavailable(exc) from None
        except TokenRefused as exc:
            raise self._refused(exc) from None
        if response.status_code in (401, 403):
            raise CredentialsError(
                f"Amazon refused {operation} for connection {self._credentials.conn_id!r} "
                f"(HTTP {response.status_code}): {self._errors(response)}."
            )
        if not response.ok:
            raise DeliveryError(
                f"Amazon refused {operation} (HTTP {response.status_code}): "
                f"{self._errors(response)}."
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise DeliveryError(f"Amazon's answer to {operation} is not a JSON object.")
        return payload

    def transfer(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request to a presigned URL: no SP-API token goes there, only the URL's own
        signature."""
        try:
            response = self._http.send(method, url, what, **kwargs)
        except ApiUnavailable as exc:
            raise self._unavailable(exc) from None
        if not response.ok:
            # S3's error bodies restate the signed request; the status says enough.
            raise DeliveryError(f"{what.capitalize()} failed (HTTP {response.status_code}).")
        return response

    def _unavailable(self, exc: ApiUnavailable) -> DeliveryError:
        if exc.wait is not None:
            return DeliveryError(f"{exc}.")
        if exc.response is None:
            return DeliveryError(
                f"{exc.what} got no answer from Amazon in {exc.attempts} tries ({exc.error})."
            )
        if exc.status == 429:
            return DeliveryError(
                f"Amazon throttled {exc.what} {exc.attempts} times in a row (HTTP 429)."
            )
        return DeliveryError(
            f"{exc.what} failed {exc.attempts} times with HTTP {exc.status}: "
            f"{self._errors(exc.response)}."
        )

    def _refused(self, exc: TokenRefused) -> DeliveryError:
        conn_id = self._credentials.conn_id
        if exc.status in (400, 401):
            code = exc.error or f"HTTP {exc.status}"
            return CredentialsError(
                f"Login with Amazon refused the credentials of connection {conn_id!r}: {code}"
                + (f" ({exc.description})." if exc.description else ".")
            )
        return DeliveryError(
            f"Login with Amazon gave connection {conn_id!r} no access token (HTTP {exc.status})."
        )

    def _errors(self, response: requests.Response) -> str:
        """The SP-API ``errors`` list of an answer, as ``code: message (details)``."""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if not isinstance(errors, list) or not errors:
            return response.reason or "no details"
        parts = []
        for error in errors:
            if not isinstance(error, dict):
                continue
            part = f"{error.get('code')}: {error.get('message')}"
            if error.get("details"):
                part += f" ({error['details']})"
            parts.append(part)
        # In case an answer echoes what it was sent.
        return self._http.scrub("; ".join(parts))
