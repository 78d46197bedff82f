"""When a call is tried again, how long to wait first, and when to give up.

A call is tried again after a transient answer: 429, any 5xx (and what a policy adds,
Akeneo's 408) or no answer at all. The wait is the server's when it names one
(``Retry-After`` in seconds or as an HTTP date; on a 429, the vendor's rate header, such as
Amazon's ``x-amzn-RateLimit-Limit`` in requests per second), else an exponential backoff.
A server that asks for more than ``max_wait`` is not waited out: the call fails at once,
and a later run (an Airflow retry) may try again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one API's calls are retried.

    >>> policy = RetryPolicy(attempts=4)
    >>> [policy.backoff_wait(n) for n in (1, 2, 3)]
    [1.0, 2.0, 4.0]
    >>> policy.transient(503), policy.transient(429), policy.transient(408)
    (True, True, False)
    """

    attempts: int = 4
    """Most tries of one call that keeps failing (a 5xx, no answer; 429 too unless
    ``throttled_attempts`` counts those apart)."""
    throttled_attempts: int | None = None
    """Most tries of one call that keeps getting 429, counted apart from the failures
    (Amazon: a throttled call is fine, only slow); None: 429s count as failures."""
    backoff: float = 1.0
    """The first wait, in seconds, when the server names none; doubled at each try."""
    jitter: float = 0.0
    """Up to this share of the backoff is added at random, so clients that failed
    together do not come back together."""
    max_wait: float = 300.0
    """The longest wait, in seconds: a backoff stops growing here, and a server that asks
    for more fails the call at once."""
    rate_limit_header: str | None = None
    """A header that states, on a 429, the requests per second allowed: one request's
    interval is waited (Amazon's ``x-amzn-RateLimit-Limit``)."""
    also_transient: frozenset[int] = frozenset()
    """Statuses tried again besides 429 and 5xx (Akeneo names 408)."""

    def transient(self, status: int) -> bool:
        """Whether an answer with ``status`` is worth trying again."""
        return status == 429 or status >= 500 or status in self.also_transient

    def backoff_wait(self, tries: int) -> float:
        """The wait after the ``tries``-th transient answer when the server names none."""
        delay = min(self.backoff * 2.0 ** (tries - 1), self.max_wait)
        if self.jitter:
            delay += random.uniform(0.0, delay * self.jitter)  # noqa: S311 - jitter, not a secret
        return delay

    def server_wait(self, response: requests.Response, now: float) -> float | None:
        """The wait the server asks for, in seconds; None when it names none.

        Args:
            response: A transient answer.
            now: The current time in epoch seconds (for a ``Retry-After`` date).
        """
        header = response.headers.get("Retry-After")
        if header:
            wait = retry_after(header, now)
            if wait is not None:
                return wait
        # The rate header states the usage plan; only a 429 says the plan was exceeded
        # (Amazon sends the header on every answer, a 5xx included).
        if self.rate_limit_header and response.status_code == 429:
            try:
                rate = float(response.headers.get(self.rate_limit_header, ""))
            except ValueError:
                return None
            if rate > 0:
                return 1.0 / rate
        return None


def retry_after(value: str, now: float) -> float | None:
    """The seconds a ``Retry-After`` header asks to wait (RFC 9110 §10.2.3), never less
    than 0; None when it is neither a number of seconds nor an HTTP date.

    >>> retry_after("7", now=0.0)
    7.0
    >>> retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40.0)
    60.0
    >>> retry_after("soon", now=0.0) is None
    True
    """
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class ApiUnavailable(ConnectionError):
    """A call kept getting transient answers (or none), or the server asked to wait longer
    than the policy allows: a later try may succeed (a `ConnectionError`, so
    `transforms.infra.faults.heals_by_retry` says so).

    The message holds no secret. Each API's client turns it into its own error, from the
    attributes.
    """

    def __init__(
        self,
        message: str,
        *,
        what: str,
        attempts: int,
        response: requests.Response | None,
        error: str | None,
        wait: float | None = None,
    ) -> None:
        super().__init__(message)
        self.what = what
        """The call, as the API's client named it."""
        self.attempts = attempts
        """The tries made (of the counter that ran out)."""
        self.response = response
        """The last answer; None when the last try got none."""
        self.error = error
        """The exception's type name when the last try got no answer."""
        self.wait = wait
        """The wait the server asked for, when that was longer than allowed."""

    @property
    def status(self) -> int | None:
        """The last answer's HTTP status; None when there was none."""
        return None if self.response is None else self.response.status_code

    @property
    def problem(self) -> str:
        """``HTTP 503`` or the name of the connection error."""
        return f"HTTP {self.status}" if self.response is not None else f"{self.error}"
