"""Keeping an operation within its usage plan before the server has to say so (a 429)."""

from __future__ import annotations

import threading
import time
from typing import NamedTuple


class RateLimit(NamedTuple):
    """An operation's usage plan, as the API's model states it."""

    rate: float
    """Requests per second, sustained."""
    burst: int
    """Requests that may go at once after a quiet spell."""


class TokenBucket:
    """The requests one operation may send now, refilled at its rate (thread-safe).

    >>> bucket = TokenBucket(RateLimit(rate=0.5, burst=2))
    >>> bucket.take(), bucket.take()
    (0.0, 0.0)
    >>> round(bucket.take())  # the burst is spent: one request per 2 s
    2
    """

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a request's token; the seconds to wait before sending it (0: send now).

        An empty bucket still hands out its token (it goes into debt), so callers that
        wait at the same time line up one rate interval apart instead of all going
        when the next token comes back.
        """
        with self._lock:
            now = time.monotonic()
            refilled = self._tokens + (now - self._stamp) * self._limit.rate
            self._tokens = min(float(self._limit.burst), refilled) - 1
            self._stamp = now
            return max(0.0, -self._tokens / self._limit.rate)
