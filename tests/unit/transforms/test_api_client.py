"""The shared HTTP client (`transforms.api_client`) against a scripted server on a loopback
port: real HTTP, nothing inside the client mocked; waits go to a recorder instead of
`time.sleep`.

The server is our own (no vendor publishes one for these generic behaviours); it answers
what a test queues for a path and records what it was sent. It cannot reproduce slow
networks or TLS.
"""

from __future__ import annotations

import base64
import http.server
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    PasswordGrant,
    RateLimit,
    RefreshTokenGrant,
    RetryPolicy,
    TokenBucket,
    TokenRefused,
)
from transforms.infra.faults import heals_by_retry

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENT_ID = "amzn1.application-oa2-client.0123"
CLIENT_SECRET = "client-secret-5f0c9e"
REFRESH_TOKEN = "Atzr|refresh-token-77aa"
PASSWORD = "pim-password-31c4"


@dataclass
class Seen:
    """One request the server got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    """Answers ``script[path]`` in order (then 200 ``{}``); hands out numbered tokens at
    ``/token`` unless ``refuse`` says otherwise, and takes only the current one at
    ``/api`` paths."""

    url: str = ""
    script: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    valid: set[str] = field(default_factory=set)
    refuse: tuple[int, dict[str, Any]] | None = None
    expires_in: int = 3600
    revoked: bool = False
    """Every token refused at ``/api``, a new one too."""

    def queue(self, path: str, status: int, headers: dict[str, str] | None = None) -> None:
        self.script.setdefault(path, []).append((status, headers or {}, {"status": status}))

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.split("?")[0] == path]

    def answer(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        self.seen.append(seen)
        path = seen.path.split("?")[0]
        if self.script.get(path):
            return self.script[path].pop(0)
        if path == "/token":
            if self.refuse is not None:
                return self.refuse[0], {}, self.refuse[1]
            token = f"access-token-{len(self.issued) + 1:04d}"
            self.issued.append(token)
            self.valid = {token}
            return 200, {}, {"access_token": token, "expires_in": self.expires_in,
                             "refresh_token": f"pair-refresh-{len(self.issued):04d}"}  # fmt: skip
        if path.startswith("/api"):
            bearer = seen.headers.get("authorization", "").removeprefix("Bearer ")
            if self.revoked or bearer not in self.valid:
                return 401, {}, {"message": "The access token provided is invalid."}
        return 200, {}, {}


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, document = state.answer(Seen(self.command, self.path, headers, body))
            payload = json.dumps(document).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_port}"
    # A short poll interval: shutdown() waits for it (0.5 s by default, per test).
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


class Clock:
    """Monotonic seconds that move only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refresh_grant(server: Server, clock: Clock | None = None, **options: Any) -> RefreshTokenGrant:
    return RefreshTokenGrant(
        token_url=f"{server.url}/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
        clock=clock or Clock(),
        **options,
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


def api(
    server: Server, sleeps: list[float], policy: RetryPolicy | None = None, **options: Any
) -> ApiSession:
    options.setdefault("tokens", refresh_grant(server))
    return ApiSession(
        "Test API", session=requests.Session(), policy=policy, sleep=sleeps.append, **options
    )


# -- tokens -------------------------------------------------------------------------


def test_a_refused_token_is_renewed_once(server: Server, sleeps: list[float]) -> None:
    http = api(server, sleeps)
    assert http.call("GET", f"{server.url}/api/a", "GET /api/a").status_code == 200
    server.valid = set()  # the token was revoked (or ran out early)

    answer = http.call("GET", f"{server.url}/api/a", "GET /api/a")

    assert answer.status_code == 200
    assert len(server.calls("/token")) == 2
    assert [s.headers["authorization"] for s in server.calls("/api/a")] == [
        "Bearer access-token-0001",
        "Bearer access-token-0001",
        "Bearer access-token-0002",
    ]
    assert sleeps == []


def test_a_token_refused_again_is_not_renewed_twice(server: Server, sleeps: list[float]) -> None:
    server.revoked = True

    answer = api(server, sleeps).call("GET", f"{server.url}/api/a", "GET /api/a")

    assert answer.status_code == 401  # the second refusal is the caller's to read
    assert len(server.calls("/token")) == 2 and len(server.calls("/api/a")) == 2


def test_a_token_is_kept_until_shortly_before_it_runs_out(server: Server) -> None:
    clock = Clock()
    http = api(server, [], tokens=refresh_grant(server, clock, margin=60.0))
    server.expires_in = 600
    for _ in range(3):
        http.call("GET", f"{server.url}/api/a", "GET /api/a")
    assert len(server.calls("/token")) == 1

    clock.now += 600 - 60  # the margin: renewed before the server would refuse it
    http.call("GET", f"{server.url}/api/a", "GET /api/a")

    assert len(server.calls("/token")) == 2
    assert server.calls("/api/a")[-1].headers["authorization"] == "Bearer access-token-0002"


def test_the_refresh_grant_posts_as_rfc_6749_says(server: Server) -> None:
    http = api(server, [], tokens=refresh_grant(server, scope="sell.inventory"))
    http.call("GET", f"{server.url}/api/a", "GET /api/a")
    [token] = server.calls("/token")
    assert {k: v[0] for k, v in parse_qs(token.body.decode()).items()} == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "scope": "sell.inventory",
    }
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token.headers["authorization"] == f"Basic {basic}"


def test_a_refused_grant_raises_without_any_secret(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A token endpoint that echoes what it was sent, percent-encoded as in the form.
    echo = f"refresh_token=Atzr%7Crefresh-token-77aa&client_secret={CLIENT_SECRET} unknown"
    server.refuse = (400, {"error": "invalid_grant", "error_description": echo})
    http = api(server, [], tokens=refresh_grant(server, client_auth="body"))

    with pytest.raises(TokenRefused) as refused:
        http.call("GET", f"{server.url}/api/a", "GET /api/a")

    assert refused.value.status == 400 and refused.value.error == "invalid_grant"
    assert "unknown" in refused.value.description
    said = f"{refused.value} {refused.value!r} {refused.value.description} {caplog.text}"
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, "Atzr%7Crefresh-token-77aa"):
        assert secret not in said
    assert len(server.calls("/token")) == 1  # a refusal is not retried
    assert server.calls("/api/a") == []


def test_a_refused_refresh_logs_in_again(server: Server) -> None:
    clock = Clock()
    grant = PasswordGrant(
        token_url=f"{server.url}/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        username="api",
        password=PASSWORD,
        clock=clock,
    )
    http = api(server, [], tokens=grant)
    http.call("GET", f"{server.url}/api/a", "GET /api/a")
    server.script["/token"] = [(400, {}, {"error": "invalid_grant"})]  # the refresh token
    clock.now += 3600

    http.call("GET", f"{server.url}/api/a", "GET /api/a")

    grants = [json.loads(s.body)["grant_type"] for s in server.calls("/token")]
    assert grants == ["password", "refresh_token", "password"]
    assert http.scrub(f"{PASSWORD} {server.issued[-1]} pair-refresh-0001") == "*** *** ***"


# -- retries ------------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_out(server: Server, sleeps: list[float]) -> None:
    server.queue("/api/a", 429, {"Retry-After": "7"})
    answer = api(server, sleeps).call("POST", f"{server.url}/api/a", "POST /api/a", json={"n": 1})
    assert answer.status_code == 200 and sleeps == [7.0]
    # A POST is sent again as it was: the server said it did not take it.
    assert [s.body for s in server.calls("/api/a")] == [b'{"n": 1}', b'{"n": 1}']


def test_retry_after_as_an_http_date_is_waited_out(server: Server, sleeps: list[float]) -> None:
    server.queue("/api/a", 503, {"Retry-After": "Thu, 01 Jan 1970 00:02:00 GMT"})
    http = api(server, sleeps, clock=lambda: 90.0)
    assert http.call("GET", f"{server.url}/api/a", "GET /api/a").status_code == 200
    assert sleeps == [30.0]


def test_a_retry_after_beyond_the_cap_fails_at_once(server: Server, sleeps: list[float]) -> None:
    server.queue("/api/a", 429, {"Retry-After": "3600"})
    with pytest.raises(ApiUnavailable, match="asked to wait 3600 s") as raised:
        api(server, sleeps, RetryPolicy(max_wait=300.0)).call(
            "GET", f"{server.url}/api/a", "GET /api/a"
        )
    assert sleeps == [] and raised.value.wait == 3600.0
    assert heals_by_retry(raised.value)


def test_a_rate_header_sets_the_wait_and_429s_have_their_own_budget(
    server: Server, sleeps: list[float]
) -> None:
    policy = RetryPolicy(attempts=2, throttled_attempts=4, rate_limit_header="x-rate")
    for _ in range(3):
        server.queue("/api/a", 429, {"x-rate": "0.5"})
    server.queue("/api/a", 500, {"x-rate": "0.5"})  # not about the rate: backoff

    answer = api(server, sleeps, policy).call("GET", f"{server.url}/api/a", "GET /api/a")

    assert answer.status_code == 200
    assert sleeps == [2.0, 2.0, 2.0, 1.0]


def test_failures_back_off_and_give_up_naming_the_call(server: Server, sleeps: list[float]) -> None:
    for _ in range(4):
        server.queue("/api/a", 503)
    with pytest.raises(ApiUnavailable) as raised:
        api(server, sleeps).call("GET", f"{server.url}/api/a", "GET /api/a")
    assert (raised.value.attempts, raised.value.status, raised.value.what) == (
        4,
        503,
        "GET /api/a",
    )
    assert str(raised.value) == "Test API did not answer GET /api/a after 4 tries: HTTP 503"
    assert sleeps == [1.0, 2.0, 4.0]


def test_no_answer_is_retried_and_the_url_stays_out_of_the_error(sleeps: list[float]) -> None:
    closed = "http://127.0.0.1:9/upload?X-Amz-Signature=f00d"  # the discard port: refused
    http = ApiSession("Test API", session=requests.Session(), sleep=sleeps.append)
    with pytest.raises(ApiUnavailable) as raised:
        http.send("PUT", closed, "the upload", data=b"x")
    assert raised.value.error == "ConnectionError" and raised.value.response is None
    assert "f00d" not in str(raised.value) and sleeps == [1.0, 2.0, 4.0]


def test_the_pace_is_waited_before_each_request(server: Server, sleeps: list[float]) -> None:
    bucket = TokenBucket(RateLimit(rate=0.5, burst=1))
    http = api(server, sleeps, tokens=None)
    for _ in range(2):
        http.send("GET", f"{server.url}/free", "GET /free", pace=bucket)
    assert len(sleeps) == 1 and sleeps[0] == pytest.approx(2.0, abs=0.1)


def test_urllib3_retry_still_lacks_what_the_client_needs(server: Server) -> None:
    """Why `ApiSession` has its own loop (see `transforms.api_client`): when this fails,
    urllib3's ``Retry`` may do."""
    capped = Retry(total=3, status_forcelist=[429], allowed_methods=None, backoff_max=5)
    answer = type("Answer", (), {"headers": {"Retry-After": "3600"}, "status": 429})()
    assert capped.get_retry_after(answer) == 3600  # backoff_max does not cap it
    session = requests.Session()
    retry = Retry(total=1, status_forcelist=[503], allowed_methods=None, backoff_factor=0)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    for _ in range(2):
        server.queue("/upload", 503)
    with pytest.raises(requests.exceptions.RetryError) as raised:
        session.put(f"{server.url}/upload?X-Amz-Signature=f00d", data=b"x")
    assert "f00d" in str(raised.value)  # a presigned URL's signature in the message
