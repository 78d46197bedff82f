"""One client of Akeneo PIM's REST API: authentication, refresh, retries, secret scrubbing.

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
"""

from __future__ import annotations

import base64
import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from transforms.catalog_akeneo_api import AkeneoApiConnection

log = logging.getLogger(__name__)

TOKEN_PATH = "/api/oauth/v1/token"
REFRESH_MARGIN_SECONDS = 60.0
"""An access token this close to its end is refreshed before the next call."""


class AkeneoApiError(Exception):
    """The Akeneo API refused the connection's credentials, or answered what a retry
    cannot change (403, 404, an answer that is not the API's JSON)."""


class AkeneoApiUnavailable(AkeneoApiError, ConnectionError):
    """The API kept answering 408, 429 or 5xx (or the connection kept dropping): a later
    try may succeed (a `ConnectionError`, so `transforms.faults.heals_by_retry` says so)."""


class AkeneoApiClient:
    """Authenticated GET calls to one PIM's REST API (see the module docstring).

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
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at = 0.0

    def close(self) -> None:
        self.session.close()

    # -- secrets ---------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """``text`` with the secret, the password, the tokens and the Basic credentials
        replaced by ``***``.

        >>> from transforms.catalog_akeneo_api import AkeneoApiConnection
        >>> pim = AkeneoApiConnection("https://pim", "id", "s3cr3t", "u", "pw12")
        >>> c = AkeneoApiClient(pim, "x")
        >>> c.scrub("secret s3cr3t, password pw12")
        'secret ***, password ***'
        """
        connection = self.connection
        basic = base64.b64encode(f"{connection.client_id}:{connection.secret}".encode()).decode()
        for secret in (basic, connection.secret, connection.password, self._access, self._refresh):
            # A secret of one or two characters would blank out ordinary words.
            if secret and len(secret) > 2:
                text = text.replace(secret, "***")
        return text

    # -- transport -------------------------------------------------------------------

    def _url(self, target: str) -> str:
        """The URL to call for an API path or a link the API gave, on the connection's
        own scheme and host."""
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            return f"{self.origin}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return f"{self.base}{target}"

    def _wait(self, response: requests.Response | None, attempt: int) -> float:
        """Seconds to wait before the next try: the answer's ``Retry-After`` (seconds or
        an HTTP date), else the backoff with jitter."""
        header = response.headers.get("Retry-After") if response is not None else None
        if header:
            try:
                return max(0.0, float(header))
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                except (TypeError, ValueError):
                    pass
                else:
                    return max(0.0, when.timestamp() - time.time())
        delay = self.backoff * 2.0 ** (attempt - 1)
        return delay + random.uniform(0.0, delay / 4)  # noqa: S311 - jitter, not a secret

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        **kwargs: Any,
    ) -> requests.Response:
        """One request with its retries; the first answer that is not transient.

        Raises:
            AkeneoApiUnavailable: still transient after ``max_attempts`` tries, or the
                server asked to wait longer than ``max_retry_after``.
        """
        attempt = 1
        while True:
            response: requests.Response | None
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                response, problem = None, type(exc).__name__
            else:
                status = response.status_code
                if status not in (408, 429) and status < 500:
                    return response
                problem = describe(response)
            wait = self._wait(response, attempt)
            if attempt >= self.max_attempts or wait > self.max_retry_after:
                why = (
                    f"after {attempt} attempts"
                    if attempt >= self.max_attempts
                    else f"it asked to wait {wait:.0f} s, more than {self.max_retry_after:.0f} s"
                )
                raise AkeneoApiUnavailable(
                    f"the Akeneo API of Airflow connection {self.conn_id!r} did not answer "
                    f"{what} ({why}): {self.scrub(problem)}"
                )
            log.warning(
                "The Akeneo API answered %s with %s; trying again in %.1f s.",
                what,
                self.scrub(problem),
                wait,
            )
            self.sleep(wait)
            attempt += 1

    # -- tokens ----------------------------------------------------------------------

    def _token(self, body: Mapping[str, str], what: str) -> requests.Response:
        connection = self.connection
        return self._send(
            "POST",
            f"{self.base}{TOKEN_PATH}",
            what,
            auth=(connection.client_id, connection.secret),
            json=dict(body),
        )

    def _take_tokens(self, response: requests.Response, what: str) -> None:
        document = _json(response)
        token = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise AkeneoApiError(
                f"the Akeneo API of Airflow connection {self.conn_id!r} answered {what} "
                "without an access token"
            )
        refresh = document.get("refresh_token") if isinstance(document, dict) else None
        expires = document.get("expires_in") if isinstance(document, dict) else None
        self._access = token
        self._refresh = refresh if isinstance(refresh, str) and refresh else None
        lifetime = float(expires) if isinstance(expires, int | float) else 3600.0
        self._expires_at = self.clock() + max(0.0, lifetime - REFRESH_MARGIN_SECONDS)

    def login(self) -> None:
        """Get a token pair with the connection's username and password.

        Raises:
            AkeneoApiError: the PIM refused the credentials (named by the connection id).
        """
        connection = self.connection
        self._access = self._refresh = None
        response = self._token(
            {
                "grant_type": "password",
                "username": connection.username,
                "password": connection.password,
            },
            "the login",
        )
        if response.status_code != 200:
            raise AkeneoApiError(
                f"the Akeneo API refused the login of Airflow connection {self.conn_id!r} "
                f"(user {connection.username!r}): {self.scrub(describe(response))}; check "
                "the connection's login, password and the client_id and secret in its extra"
            )
        self._take_tokens(response, "the login")
        log.info("Logged in to the Akeneo API of connection %r.", self.conn_id)

    def refresh(self) -> None:
        """Exchange the refresh token for a new pair; log in again when it is refused."""
        if self._refresh is None:
            self.login()
            return
        response = self._token(
            {"grant_type": "refresh_token", "refresh_token": self._refresh}, "the token refresh"
        )
        if response.status_code != 200:
            log.info(
                "The Akeneo API refused the refresh token of connection %r (%s); logging in.",
                self.conn_id,
                self.scrub(describe(response)),
            )
            self.login()
            return
        self._take_tokens(response, "the token refresh")
        log.info("Refreshed the Akeneo API access token of connection %r.", self.conn_id)

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
            AkeneoApiUnavailable: see `_send`.
        """
        url = self._url(target)
        what = f"GET {urlsplit(url).path}"
        refreshed = False
        while True:
            if self._access is None:
                self.login()
            elif self.clock() >= self._expires_at:
                self.refresh()
            response = self._send(
                "GET",
                url,
                what,
                params=params,
                headers={"Authorization": f"Bearer {self._access}"},
            )
            status = response.status_code
            if status == 401 and not refreshed:
                log.info("The Akeneo API answered 401 to %s; refreshing the token.", what)
                refreshed = True
                self.refresh()
                continue
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
