"""Where an access token comes from: the OAuth 2 grants the marketplaces and the PIM take,
behind one small protocol (`TokenSource`).

Each grant keeps its access token until shortly before the ``expires_in`` the token
endpoint gave runs out (an hour when it gave none), posts to the token endpoint through
the `ApiSession` (so its retries and waits apply there too), and knows every secret it
holds or was issued, for `ApiSession.scrub`.

- `RefreshTokenGrant`: a seller's long-lived refresh token for an access token (RFC 6749
  §6): Login with Amazon (client credentials in the body), eBay (HTTP Basic, a scope).
- `PasswordGrant`: a user's name and password for a token pair (RFC 6749 §4.3), then the
  pair's refresh token for the next, logging in again when that is refused: Akeneo PIM.

Neither marketplace's listing APIs take a client-credentials (application) token, so there
is no grant for one yet.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

    from transforms.api_client.session import ApiSession

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = 3600.0
"""Seconds an access token is taken to last when the endpoint gives no ``expires_in``."""


class TokenSource(Protocol):
    """What `ApiSession.call` needs of a grant."""

    def token(self, http: ApiSession) -> str:
        """A valid access token: the one held, or a new one when there is none or it is
        about to run out."""
        ...

    def renew(self, http: ApiSession) -> str:
        """A new access token (the API refused the one held)."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Every value no message may show: the credentials, and each token issued."""
        ...


class TokenRefused(Exception):
    """The token endpoint answered without an access token: it refused the credentials
    (or the grant). The message holds no secret; each API's client turns it into its own
    error from the attributes."""

    def __init__(
        self, message: str, *, what: str, response: requests.Response, error: str, description: str
    ) -> None:
        super().__init__(message)
        self.what = what
        """The token request, as the grant names it (``the login``)."""
        self.response = response
        """The answer, for an API's own error format (read it through `ApiSession.scrub`)."""
        self.error = error
        """The OAuth ``error`` code (``invalid_grant``), scrubbed; ``""`` when none."""
        self.description = description
        """The OAuth ``error_description``, scrubbed; ``""`` when none."""

    @property
    def status(self) -> int:
        """The token endpoint's HTTP status."""
        return self.response.status_code


class _Grant:
    """The token cache and the token request the grants share."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        client_auth: Literal["basic", "body"],
        body: Literal["form", "json"],
        margin: float,
        clock: Callable[[], float],
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._client_auth = client_auth
        self._body = body
        self._margin = margin
        self._clock = clock
        self._access: str | None = None
        self._expires_at = 0.0
        self._issued: list[str] = []

    def token(self, http: ApiSession) -> str:
        if self._access is None:
            return self._first(http)
        if self._clock() >= self._expires_at:
            return self.renew(http)
        return self._access

    def renew(self, http: ApiSession) -> str:
        raise NotImplementedError

    def _first(self, http: ApiSession) -> str:
        return self.renew(http)

    def secrets(self) -> tuple[str, ...]:
        basic = f"{self._client_id}:{self._client_secret}".encode()
        return (self._client_secret, base64.b64encode(basic).decode(), *self._issued)

    def _request(
        self, http: ApiSession, fields: Mapping[str, str], what: str
    ) -> tuple[str, dict[str, Any]]:
        """Post ``fields`` to the token endpoint; the access token it issued (now held)
        and its whole answer.

        Raises:
            TokenRefused: The answer is not a 200 with an access token.
            ApiUnavailable: The endpoint kept failing (`ApiSession.send`).
        """
        form = dict(fields)
        auth = None
        if self._client_auth == "basic":
            auth = (self._client_id, self._client_secret)
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        response = http.send(
            "POST",
            self.token_url,
            what,
            auth=auth,
            headers={"Accept": "application/json"},
            json=form if self._body == "json" else None,
            data=form if self._body == "form" else None,
        )
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = {}
        token = document.get("access_token")
        if response.status_code == 200 and isinstance(token, str) and token:
            self._take(document, token)
            return token, document
        error = http.scrub(str(document.get("error") or ""))
        description = http.scrub(str(document.get("error_description") or ""))
        raise TokenRefused(
            f"{http.name} refused {what} (HTTP {response.status_code})"
            + (f": {error}" if error else "")
            + (f" ({description})" if description else ""),
            what=what,
            response=response,
            error=error,
            description=description,
        )

    def _take(self, document: Mapping[str, Any], token: str) -> None:
        self._access = token
        self._issued.append(token)
        expires = document.get("expires_in")
        lifetime = float(expires) if isinstance(expires, int | float) else DEFAULT_LIFETIME
        self._expires_at = self._clock() + max(0.0, lifetime - self._margin)


class RefreshTokenGrant(_Grant):
    """Access tokens for a refresh token (RFC 6749 §6).

    Args:
        token_url: The token endpoint.
        client_id: The app's client id.
        client_secret: The app's client secret.
        refresh_token: The seller's refresh token.
        client_auth: ``basic``: the client id and secret as HTTP Basic (eBay);
            ``body``: as form fields beside the grant (Login with Amazon).
        scope: The scope to ask for, when the endpoint wants one (eBay).
        what: The token request in log lines and errors.
        margin: A token is renewed this many seconds before it runs out.
        clock: Monotonic seconds (`time.monotonic`).
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        client_auth: Literal["basic", "body"] = "basic",
        scope: str | None = None,
        what: str = "the token request",
        margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            client_auth=client_auth,
            body="form",
            margin=margin,
            clock=clock,
        )
        self._refresh_token = refresh_token
        self._scope = scope
        self.what = what

    def renew(self, http: ApiSession) -> str:
        fields = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        if self._scope:
            fields["scope"] = self._scope
        token, _ = self._request(http, fields, self.what)
        log.info("%s issued an access token (%s).", http.name, self.what)
        return token

    def secrets(self) -> tuple[str, ...]:
        return (*super().secrets(), self._refresh_token)


class PasswordGrant(_Grant):
    """A token pair for a user's name and password (RFC 6749 §4.3), renewed with its
    refresh token; when that is refused (expired), by logging in again.

    The token requests are ``the login`` and ``the token refresh``; the client id and
    secret go as HTTP Basic, the grant as a JSON body (Akeneo's form).

    Args:
        token_url: The token endpoint.
        client_id: The API connection's client id.
        client_secret: Its secret.
        username: The API user.
        password: Its password.
        margin: A token is renewed this many seconds before it runs out.
        clock: Monotonic seconds (`time.monotonic`).
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            client_auth="basic",
            body="json",
            margin=margin,
            clock=clock,
        )
        self._username = username
        self._password = password
        self._refresh: str | None = None

    def _first(self, http: ApiSession) -> str:
        self._access = self._refresh = None
        fields = {"grant_type": "password", "username": self._username, "password": self._password}
        token, document = self._request(http, fields, "the login")
        self._keep_refresh(document)
        log.info("Logged in to %s.", http.name)
        return token

    def renew(self, http: ApiSession) -> str:
        if self._refresh is None:
            return self._first(http)
        fields = {"grant_type": "refresh_token", "refresh_token": self._refresh}
        try:
            token, document = self._request(http, fields, "the token refresh")
        except TokenRefused as refused:
            if refused.status == 200:  # an answer without a token is no refusal to log in over
                raise
            log.info("%s refused the refresh token (%s); logging in.", http.name, refused)
            return self._first(http)
        self._keep_refresh(document)
        log.info("Refreshed the access token of %s.", http.name)
        return token

    def _keep_refresh(self, document: Mapping[str, Any]) -> None:
        refresh = document.get("refresh_token")
        self._refresh = refresh if isinstance(refresh, str) and refresh else None
        if self._refresh:
            self._issued.append(self._refresh)

    def secrets(self) -> tuple[str, ...]:
        return (*super().secrets(), self._password)
