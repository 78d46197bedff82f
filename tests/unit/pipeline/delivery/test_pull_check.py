"""`check_served_file` against a real HTTP server (the standard library's, serving a folder
behind basic auth, as a shop's web server serves the feed URL a marketplace fetches)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pipeline.delivery.pull_check import check_served_file

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

USER = "idealo"
PASSWORD = "feed-fetch-s3cret"
FEED = b"sku;title;price\n" + b"".join(b"GL-%05d;Rucksack;49.90\n" % i for i in range(5_000))
SHA256 = hashlib.sha256(FEED).hexdigest()


class _BasicAuthFiles(SimpleHTTPRequestHandler):
    """Files of a folder, for requests with the right basic auth only."""

    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401, "Unauthorized")
            self.send_header("WWW-Authenticate", 'Basic realm="feeds"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request on stderr otherwise


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on a free loopback port serving ``tmp_path/site``: its base URL and
    folder, with ``de/idealo.csv`` holding `FEED`."""
    root = tmp_path / "site"
    (root / "de").mkdir(parents=True)
    (root / "de" / "idealo.csv").write_bytes(FEED)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_BasicAuthFiles, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join()


def no_secret_in(outcome: Any) -> bool:
    return PASSWORD not in json.dumps(outcome.to_json())


def test_the_current_file_is_served(site: tuple[str, Path]) -> None:
    base, _ = site
    url = f"{base}/de/idealo.csv"
    outcome = check_served_file(url, SHA256, auth=(USER, PASSWORD))
    assert outcome.verdict == "served" and outcome.issues == []
    assert outcome.reference == url
    assert outcome.detail == (
        f"{url} serves the published file ({len(FEED):,} bytes, sha256 {SHA256[:12]})."
    )


def test_a_stale_file_is_refused(site: tuple[str, Path]) -> None:
    base, root = site
    yesterday = FEED.replace(b"49.90", b"44.90")
    (root / "de" / "idealo.csv").write_bytes(yesterday)
    url = f"{base}/de/idealo.csv"
    with requests.Session() as session:
        outcome = check_served_file(url, SHA256, auth=(USER, PASSWORD), session=session)
        assert session.get(url, auth=(USER, PASSWORD)).content == yesterday  # still open
    assert outcome.verdict == "refused"
    [issue] = outcome.issues
    assert (issue.sku, issue.severity, issue.code, issue.field) == (
        None,
        "error",
        "stale_file",
        "public_url",
    )
    served = hashlib.sha256(yesterday).hexdigest()[:12]
    assert issue.message == (
        f"{url} serves a file with sha256 {served}, not the published {SHA256[:12]}."
    )
    assert outcome.detail == issue.message and no_secret_in(outcome)


def test_without_auth_the_status_is_the_issue(site: tuple[str, Path]) -> None:
    base, _ = site
    outcome = check_served_file(f"{base}/de/idealo.csv", SHA256)
    assert outcome.verdict == "refused"
    assert [(i.code, i.message) for i in outcome.issues] == [
        ("http_401", f"{base}/de/idealo.csv answered HTTP 401 Unauthorized.")
    ]


def test_a_missing_file_is_a_404(site: tuple[str, Path]) -> None:
    base, _ = site
    outcome = check_served_file(f"{base}/fr/idealo.csv", SHA256, auth=(USER, PASSWORD))
    assert [i.code for i in outcome.issues] == ["http_404"] and no_secret_in(outcome)


def test_credentials_in_the_url_are_used_but_never_repeated(site: tuple[str, Path]) -> None:
    base, _ = site
    url = f"{base}/de/idealo.csv".replace("http://", f"http://{USER}:{PASSWORD}@")
    outcome = check_served_file(url, SHA256)
    assert outcome.verdict == "served"
    assert outcome.reference == f"{base}/de/idealo.csv" and no_secret_in(outcome)


def test_an_unreachable_port() -> None:
    with socket.socket() as probe:  # a port nobody listens on (once the probe is closed)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/de/idealo.csv"
    outcome = check_served_file(url, SHA256, timeout=5)
    assert outcome.verdict == "refused"
    assert [(i.code, i.message) for i in outcome.issues] == [
        (
            "unreachable",
            f"http://127.0.0.1:{port}/de/idealo.csv could not be read: "
            "the connection was refused or broken.",
        )
    ]
    assert no_secret_in(outcome)
