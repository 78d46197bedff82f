"""One API's HTTP session: the access token on every call, one refresh when the API refuses
it, retries within the `RetryPolicy`, and no secret in what it logs or raises."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from transforms.api_client.retry import ApiUnavailable, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from transforms.api_client.pacing import TokenBucket
    from transforms.api_client.tokens import TokenSource

log = logging.getLogger(__name__)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, as it is and percent-encoded (a form body echoed back),
    replaced by ``***``; a secret of one or two characters would blank out ordinary words
    and is left alone.

    >>> scrub("refresh_token=Atzr%7Cr3fr3sh&secret=s3cr3t", ["s3cr3t", "Atzr|r3fr3sh", "x"])
    'refresh_token=***&secret=***'
    """
    forms = {form for secret in secrets if len(secret) > 2 for form in (secret, quote(secret))}
    # The longest first, so a secret that holds another goes whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


class ApiSession:
    """Calls to one API through a `requests.Session` (which the caller closes).

    Args:
        name: The API (and connection) in log lines: ``eBay``, ``Amazon``.
        session: The HTTP session to send through.
        policy: When to try a call again, how long to wait, when to give up.
        tokens: Where `call` gets its access token; None: the API takes none.
        token_header: The header that carries the token (Amazon's ``x-amz-access-token``).
        token_prefix: What stands before the token in that header.
        refresh_on: Statuses that mean the token was refused (Amazon answers 403 too).
        sleep: Waits a number of seconds (tests pass one that records).
        timeout: Seconds to wait for each answer.
        clock: Epoch seconds, for a ``Retry-After`` date.
    """

    def __init__(
        self,
        name: str,
        *,
        session: requests.Session,
        policy: RetryPolicy | None = None,
        tokens: TokenSource | None = None,
        token_header: str = "Authorization",
        token_prefix: str = "Bearer ",
        refresh_on: frozenset[int] = frozenset({401}),
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.session = session
        self.policy = policy or RetryPolicy()
        self.tokens = tokens
        self.token_header = token_header
        self.token_prefix = token_prefix
        self.refresh_on = refresh_on
        self.sleep = sleep
        self.timeout = timeout
        self.clock = clock

    def scrub(self, text: str) -> str:
        """``text`` with the credentials and every token issued replaced by ``***``; for
        whatever the server said that goes into a message."""
        return scrub(text, self.tokens.secrets()) if self.tokens is not None else text

    def call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        headers: Mapping[str, str] | None = None,
        pace: TokenBucket | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """A call with the access token: the first answer that is not transient.

        When the API refuses the token (``refresh_on``), the token is renewed and the call
        made once more; a second refusal is answered as it is, for the API's client to
        read. Arguments as for `send`; ``headers`` get the token added.

        Raises:
            ApiUnavailable: See `send`.
            TokenRefused: The token endpoint refused the credentials.
        """
        if self.tokens is None:
            return self.send(method, url, what, headers=headers, pace=pace, **kwargs)
        renewed = False
        while True:
            token = self.tokens.renew(self) if renewed else self.tokens.token(self)
            response = self.send(
                method,
                url,
                what,
                headers={**(headers or {}), self.token_header: self.token_prefix + token},
                pace=pace,
                **kwargs,
            )
            if response.status_code not in self.refresh_on or renewed:
                return response
            log.info(
                "%s answered %s with HTTP %d; refreshing the token once.",
                self.name,
                what,
                response.status_code,
            )
            renewed = True

    def send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        pace: TokenBucket | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """A request without the access token (a token endpoint, a presigned URL): the
        first answer that is not transient, after the policy's waits and retries.

        Args:
            method: The HTTP method.
            url: Where to send it.
            what: The call in log lines and errors (``createFeed``, ``GET /channels``).
            pace: Waited on before each try, to keep the operation within its usage plan.
            **kwargs: For `requests.Session.request` (``json``, ``data``, ``headers`` ...).

        Raises:
            ApiUnavailable: Still transient after the policy's tries, or the server asked
                to wait longer than its ``max_wait``.
        """
        policy = self.policy
        failed = throttled = 0
        while True:
            if pace is not None:
                wait = pace.take()
                if wait > 0:
                    log.info("Waiting %.1f s to keep %s within its rate limit.", wait, what)
                    self.sleep(wait)
            response: requests.Response | None
            error: str | None = None
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                # Only the type: the exception's text holds the URL, a presigned one its
                # signature.
                response, error = None, type(exc).__name__
            else:
                if not policy.transient(response.status_code):
                    return response
            if response is not None and response.status_code == 429 and policy.throttled_attempts:
                throttled += 1
                tries, limit = throttled, policy.throttled_attempts
            else:
                failed += 1
                tries, limit = failed, max(1, policy.attempts)
            problem = f"HTTP {response.status_code}" if response is not None else f"{error}"
            if tries >= limit:
                raise ApiUnavailable(
                    self.scrub(f"{self.name} did not answer {what} after {tries} tries: {problem}"),
                    what=what,
                    attempts=tries,
                    response=response,
                    error=error,
                )
            asked = None if response is None else policy.server_wait(response, self.clock())
            if asked is not None and asked > policy.max_wait:
                raise ApiUnavailable(
                    self.scrub(
                        f"{self.name} asked to wait {asked:.0f} s before {what} again, more "
                        f"than {policy.max_wait:.0f} s"
                    ),
                    what=what,
                    attempts=tries,
                    response=response,
                    error=error,
                    wait=asked,
                )
            wait = asked if asked is not None else policy.backoff_wait(tries)
            log.warning(
                "%s answered %s with %s; trying again in %.1f s (%d of %d).",
                self.name,
                self.scrub(what),
                problem,
                wait,
                tries + 1,
                limit,
            )
            self.sleep(wait)
