"""One client of Akeneo PIM's REST API: its calls, its URLs and its error answers, on the
shared HTTP client (`transforms.api_client`: authentication, refresh, retries, scrubbing).

Akeneo's API (https://api.akeneo.com/documentation/authentication.html) takes an OAuth 2
password grant: ``POST /api/oauth/v1/token`` with HTTP Basic auth of the connection's
client id and secret and ``{"grant_type": "password", "username", "password"}``; it
answers ``access_token`` (valid ``expires_in`` seconds, an hour by default) and a
``refresh_token`` that ``{"grant_type": "refresh_token", "refresh_token"}`` exchanges
for a new pair. Every other call carries ``Authorization: Bearer <access_token>``.

What this client does about it:

- it logs in at its first call; a refused login (any 4xx of the token endpoint) raises
  `AkeneoApiError` at once, naming the Airflow connection, never retried;
- it refreshes the access token shortly before ``expires_in`` runs out, and once when a
  call answers 401; a second 401 for the same call raises. A refused refresh (the
  refresh token expired after its 14 days) logs in again;
- it retries 408, 429, 5xx and dropped connections, the transient answers Akeneo's
  *good practices* name (https://api.akeneo.com/documentation/good-practices.html):
  after ``Retry-After`` when the answer has it, else after an exponential backoff with
  jitter, at most ``max_attempts`` times; then `AkeneoApiUnavailable`, which a later
  Airflow retry may heal. A ``Retry-After`` longer than ``max_retry_after`` is not
  waited out here: that call fails at once with `AkeneoApiUnavailable`;
- it follows the ``_links.next.href`` of a paginated answer
  (https://api.akeneo.com/documentation/pagination.html) on the connection's own scheme
  and host, so the token never goes to a host the connection does not name (a PIM behind
  a proxy often writes its internal ``http://`` URLs into these links);
- no message it logs or raises holds the secret, the password or a token: everything
  the server said passes `AkeneoApiClient.scrub` first.

The grant is `transforms.api_client.PasswordGrant`; the waits, retries and the one
refresh on 401 are `transforms.api_client.ApiSession`'s.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    PasswordGrant,
    RetryPolicy,
    TokenRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

log = logging.getLogger(__name__)

TOKEN_PATH = "/api/oauth/v1/token"
REFRESH_MARGIN_SECONDS = 60.0
"""An access token this close to its end is refreshed before the next call."""


class AkeneoApiError(Exception):
    """The Akeneo API refused the connection's credentials, or answered what a retry
    cannot change (403, 404, an answer that is not the API's JSON)."""


class AkeneoApiUnavailable(AkeneoApiError, ConnectionError):
    """The API kept answering 408, 429 or 5xx (or the connection kept dropping): a later
    try may succeed (a `ConnectionError`, so `transforms.infra.faults.heals_by_retry` says so)."""


class AkeneoApiClient:
    """Authenticated GET calls to one PIM's REST API (see the module docstring), through
    `transforms.api_client` (`PasswordGrant`, `ApiSession`).

    Args:
        connection: The PIM's URL and the API connection's credentials.
        conn_id: The Airflow connection's id, for messages.
        max_attempts: Most tries of one call that keeps getting a transient answer.
        backoff: First wait in seconds when the server names none; doubled each time.
        max_retry_after: Longest ``Retry-After`` waited out, in seconds.
        timeout: Seconds to wait for the server's answer to one request.
        sleep: Waits a number of seconds (`time.sleep`).
        clock: Monotonic seconds, for the token's lifetime (`time.monotonic`).
    """

    def __init__(
        self,
        connection: AkeneoApiConnection,
        conn_id: str,
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_retry_after: float = 300.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.conn_id = conn_id
        self.base = connection.base_url.rstrip("/")
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        session = requests.Session()
        session.headers["Accept"] = "application/json"
        self.http = ApiSession(
            f"the Akeneo API of connection {conn_id!r}",
            session=session,
            policy=RetryPolicy(
                attempts=max(1, max_attempts),
                backoff=backoff,
                jitter=0.25,
                max_wait=max_retry_after,
                also_transient=frozenset({408}),
            ),
            tokens=PasswordGrant(
                token_url=f"{self.base}{TOKEN_PATH}",
                client_id=connection.client_id,
                client_secret=connection.secret,
                username=connection.username,
                password=connection.password,
                margin=REFRESH_MARGIN_SECONDS,
                clock=clock,
            ),
            sleep=sleep,
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.session.close()

    def scrub(self, text: str) -> str:
        """``text`` with the secret, the password, the tokens and the Basic credentials
        replaced by ``***``.

        >>> from transforms.catalog.akeneo_api.connection import AkeneoApiConnection
        >>> pim = AkeneoApiConnection("https://pim", "id", "s3cr3t", "u", "pw12")
        >>> c = AkeneoApiClient(pim, "x")
        >>> c.scrub("secret s3cr3t, password pw12")
        'secret ***, password ***'
        """
        return self.http.scrub(text)

    def _url(self, target: str) -> str:
        """The URL to call for an API path or a link the API gave, on the connection's
        own scheme and host."""
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            return f"{self.origin}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return f"{self.base}{target}"

    def _unavailable(self, exc: ApiUnavailable) -> AkeneoApiUnavailable:
        if exc.wait is None:
            why = f"after {exc.attempts} attempts"
        else:
            why = f"it asked to wait {exc.wait:.0f} s, more than {self.http.policy.max_wait:.0f} s"
        problem = describe(exc.response) if exc.response is not None else exc.problem
        return AkeneoApiUnavailable(
            f"the Akeneo API of Airflow connection {self.conn_id!r} did not answer "
            f"{exc.what} ({why}): {self.scrub(problem)}"
        )

    def _refused(self, exc: TokenRefused) -> AkeneoApiError:
        if exc.status == 200:
            return AkeneoApiError(
                f"the Akeneo API of Airflow connection {self.conn_id!r} answered {exc.what} "
                "without an access token"
            )
        return AkeneoApiError(
            f"the Akeneo API refused the login of Airflow connection {self.conn_id!r} "
            f"(user {self.connection.username!r}): {self.scrub(describe(exc.response))}; "
            "check the connection's login, password and the client_id and secret in its extra"
        )

    # -- calls -----------------------------------------------------------------------

    def get(
        self,
        target: str,
        params: Mapping[str, str] | None = None,
        *,
        absent_ok: bool = False,
    ) -> dict[str, Any] | None:
        """The JSON object a GET of ``target`` (an API path, or a link the API gave)
        answers; None for a 404 when ``absent_ok``.

        Raises:
            AkeneoApiError: a 401 also after a refresh, any other answer than 200 (or an
                allowed 404), or a body that is not a JSON object.
            AkeneoApiUnavailable: still 408, 429 or 5xx after ``max_attempts`` tries, or
                the server asked to wait longer than ``max_retry_after``.
        """
        url = self._url(target)
        what = f"GET {urlsplit(url).path}"
        try:
            response = self.http.call("GET", url, what, params=params)
        except ApiUnavailable as exc:
            raise self._unavailable(exc) from None
        except TokenRefused as exc:
            raise self._refused(exc) from None
        status = response.status_code
        if status == 404 and absent_ok:
            return None
        if status != 200:
            raise AkeneoApiError(
                f"the Akeneo API of Airflow connection {self.conn_id!r} answered {what} "
                f"with {self.scrub(describe(response))}"
                + (" also after a token refresh" if status == 401 else "")
            )
        document = _json(response)
        if not isinstance(document, dict):
            raise AkeneoApiError(
                f"the Akeneo API of Airflow connection {self.conn_id!r} answered {what} "
                "with something that is not a JSON object"
            )
        return document

    def pages(self, first: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """The items of a paginated answer and of every page after it, a page at a time
        (``_embedded.items``, following ``_links.next.href``)."""
        document: dict[str, Any] | None = first
        while document is not None:
            embedded = document.get("_embedded")
            items = embedded.get("items") if isinstance(embedded, dict) else None
            if not isinstance(items, list):
                raise AkeneoApiError(
                    f"the Akeneo API of Airflow connection {self.conn_id!r} answered a list "
                    "call without _embedded.items"
                )
            yield [item for item in items if isinstance(item, dict)]
            links = document.get("_links")
            following = links.get("next") if isinstance(links, dict) else None
            href = following.get("href") if isinstance(following, dict) else None
            document = self.get(href) if isinstance(href, str) and href else None


def describe(response: requests.Response) -> str:
    """``HTTP <status>`` and the message of Akeneo's error body (``{"code", "message"}``),
    or of an OAuth error (``error_description``), when it has one."""
    document = _json(response)
    message = ""
    if isinstance(document, dict):
        for key in ("message", "error_description", "error"):
            value = document.get(key)
            if isinstance(value, str) and value:
                message = value
                break
    return f"HTTP {response.status_code}" + (f" ({message})" if message else "")


def _json(response: requests.Response) -> Any:
    """The answer's JSON, None when it is none. msgspec decodes a page of 100 products
    about three times as fast as the json module (benchmarks/catalog_akeneo_api.py)."""
    import msgspec

    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return None
