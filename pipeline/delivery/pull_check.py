"""Check that the URL a marketplace fetches a feed from serves the current file.

idealo, Kaufland and Google's scheduled fetch read the feed from a URL of ours on their own
schedule; nothing is sent to them. What can be checked is that the URL serves exactly the
published file (a stale CDN cache, a failed sync or a wrong path would otherwise go
unnoticed until the marketplace shows yesterday's prices): the body is read in chunks and
compared with the published file's sha256.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import requests

from pipeline.delivery.outcome import DeliveryOutcome, MarketplaceIssue

if TYPE_CHECKING:
    from pipeline.delivery.outcome import Verdict

CHUNK = 1 << 16


def check_served_file(
    url: str,
    sha256: str,
    *,
    auth: tuple[str, str] | None = None,
    session: requests.Session | None = None,
    timeout: float = 30.0,
) -> DeliveryOutcome:
    """GET ``url`` and compare what it serves with the published file.

    Args:
        url: The URL the marketplace fetches (credentials in it are never repeated).
        sha256: The sha256 hex digest of the published file.
        auth: HTTP basic auth (user, password) the URL asks for, as the marketplace's
            fetch is configured with it.
        session: A session to use (connection pooling, retries, proxies); a new one,
            closed afterwards, when None.
        timeout: Seconds to wait for the connection and for each chunk.

    Returns:
        ``verdict="served"`` when the body's sha256 is ``sha256``; otherwise ``"refused"``
        with one file-level `MarketplaceIssue` on ``public_url``: code ``stale_file``
        (another file is served), ``http_<status>`` (an error status) or ``unreachable``
        (no connection, a timeout, a broken transfer). ``reference`` is the URL.
    """
    shown = _without_credentials(url)
    own_session = session is None
    http = requests.Session() if session is None else session
    try:
        with http.get(url, auth=auth, stream=True, timeout=timeout) as response:
            if response.status_code >= 400:
                reason = f" {response.reason}" if response.reason else ""
                return _refused(
                    shown,
                    f"http_{response.status_code}",
                    f"{shown} answered HTTP {response.status_code}{reason}.",
                )
            digest = hashlib.sha256()
            size = 0
            for chunk in response.iter_content(chunk_size=CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except requests.RequestException as exc:
        # The exception's text can repeat the URL (with its userinfo); only its kind is kept.
        return _refused(shown, "unreachable", f"{shown} could not be read: {_kind(exc)}.")
    finally:
        if own_session:
            http.close()
    served = digest.hexdigest()
    if served != sha256.lower():
        return _refused(
            shown,
            "stale_file",
            f"{shown} serves a file with sha256 {served[:12]}, not the published {sha256[:12]}.",
        )
    return _outcome(
        "served",
        shown,
        f"{shown} serves the published file ({size:,} bytes, sha256 {sha256[:12]}).",
    )


def _refused(shown: str, code: str, message: str) -> DeliveryOutcome:
    issue = MarketplaceIssue(
        sku=None, severity="error", code=code, field="public_url", message=message
    )
    return _outcome("refused", shown, message, [issue])


def _outcome(
    verdict: Verdict, shown: str, detail: str, issues: list[MarketplaceIssue] | None = None
) -> DeliveryOutcome:
    return DeliveryOutcome(verdict=verdict, detail=detail, reference=shown, issues=issues or [])


def _kind(exc: requests.RequestException) -> str:
    """What went wrong, in words that cannot hold a secret."""
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, requests.Timeout):
        return "the server stopped answering"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, requests.ConnectionError):
        return "the connection was refused or broken"
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "the transfer broke off"
    return type(exc).__name__


def _without_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part.

    >>> _without_credentials("https://feeds:s3cret@shop.example/de/idealo.csv")
    'https://shop.example/de/idealo.csv'
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit(parts._replace(netloc=netloc))
