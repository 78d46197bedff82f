"""DeepL's own mock server (vendored in ``../shared/vendor/deepl-mock``), run for tests.

`start_deepl_mock` copies the vendored mock into ``var/deepl-mock/<hash>/``, installs its
Node dependencies there once (``npm ci``; the folder is keyed by a hash of the vendored
files, so later runs reuse it), starts ``node index.js`` on free ports in its own process
group and waits until it answers. `DeepLMock.stop` ends the whole group.

What the mock does: the DeepL API v2/v3 for text, documents (``.txt``/``.html`` only),
usage, languages and v2/v3 glossaries, with real status codes (400, 403 for the key
``invalid``, 404, 413 for a JSON body over 100 KiB, 429, 456, 5xx) and faults chosen per
*session* through request headers (see `DeepLMock.session`). Every unknown auth key gets a
fresh account (20,000,000 characters unless the session says otherwise).

What it cannot do: translate. Any text becomes the fixed phrase "proton beam" in the target
language (``Protonenstrahl`` for DE), line by line, so tags, numbers and names are lost, and
formality, tag handling, context and the 50-texts limit are checked or ignored, never
applied. A glossary term applies only when a whole text equals it. Usage counts JavaScript
string lengths (UTF-16 units, an emoji is 2), not DeepL's billing. It is run here without
``VALIDATE_REQUESTS`` (that downloads the OpenAPI spec, and tests have no internet).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _vendored_mock() -> Path:
    """Where DeepL's mock is vendored: ``$GRENZENLOS_SHARED/vendor/deepl-mock``, else the
    ``shared/`` folder beside the checkout, else ``/work/shared`` (a clone made elsewhere)."""
    candidates = [Path(p) for p in (os.environ.get("GRENZENLOS_SHARED"),) if p]
    candidates += [ROOT.parent / "shared", Path("/work/shared")]
    for shared in candidates:
        if (shared / "vendor" / "deepl-mock" / "package.json").exists():
            return shared / "vendor" / "deepl-mock"
    return candidates[0] / "vendor" / "deepl-mock"


VENDORED_MOCK = _vendored_mock()
"""DeepL's mock as vendored (read-only); it is never run in place."""
CACHE = ROOT / "var" / "deepl-mock"
"""Installed copies, one folder per content hash of the vendored mock (``make clean``
drops them)."""

_SESSION_HEADERS = {
    "no_response_count": "mock-server-session-no-response-count",
    "respond_429_count": "mock-server-session-429-count",
    "respond_5xx_count": "mock-server-session-5xx-count",
    "respond_5xx_status": "mock-server-session-5xx-status",
    "init_character_limit": "mock-server-session-init-character-limit",
    "init_document_limit": "mock-server-session-init-document-limit",
    "doc_failure": "mock-server-session-doc-failure",
    "doc_queue_time_ms": "mock-server-session-doc-queue-time",
    "doc_translate_time_ms": "mock-server-session-doc-translate-time",
    "allow_reconnections": "mock-server-session-allow-reconnections",
    "allow_missing_user_agent": "mock-server-session-allow-missing-user-agent",
}


class DeepLMockUnavailable(Exception):
    """The mock cannot run here: no Node/npm, no vendored copy, or ``npm ci`` failed."""


class DeepLMock:
    """A running DeepL mock server; `url` is the ``server_url`` to give ``deepl.DeepLClient``.

    Attributes:
        url: Base URL of the mocked DeepL API, ``http://127.0.0.1:<port>``.
        proxy_url: The mock's forwarding proxy (adds a ``Forwarded`` header).
        directory: The installed copy the server runs from.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        port: int,
        proxy_port: int,
        directory: Path,
        log: Path,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proxy_url = f"http://127.0.0.1:{proxy_port}"
        self.directory = directory
        self._process = process
        self._log = log

    @staticmethod
    def session(
        *,
        no_response_count: int | None = None,
        respond_429_count: int | None = None,
        respond_5xx_count: int | None = None,
        respond_5xx_status: int | None = None,
        init_character_limit: int | None = None,
        init_document_limit: int | None = None,
        doc_failure: int | None = None,
        doc_queue_time_ms: int | None = None,
        doc_translate_time_ms: int | None = None,
        allow_reconnections: int | None = None,
        allow_missing_user_agent: int | None = None,
    ) -> dict[str, str]:
        """Headers that open a new mock session (a fresh uuid) with these faults.

        The mock fixes a session's faults at its first request; every later request that
        carries the same ``mock-server-session`` header shares the counters. Give them to
        the real client with ``client.headers.update(mock.session(...))``.

        Args:
            no_response_count: Requests (any endpoint) left unanswered; the client times out.
            respond_429_count: ``/v2/translate`` requests answered 429.
            respond_5xx_count: Requests (any endpoint) answered with `respond_5xx_status`.
            respond_5xx_status: Status of those answers, 500-599 (the mock's default: 503).
            init_character_limit: Character limit of accounts (auth keys) *first seen* in
                this session; 0 removes the limit. Use a fresh auth key with it.
            init_document_limit: Document limit of such accounts.
            doc_failure: Document translations that end in an error.
            doc_queue_time_ms: Milliseconds a document waits before translating.
            doc_translate_time_ms: Milliseconds a document takes to translate.
            allow_reconnections: 0 makes the mock reject a second socket in the session
                (its keep-alive check); the default allows it.
            allow_missing_user_agent: Non-zero accepts requests without a User-Agent.

        >>> headers = DeepLMock.session(respond_429_count=2)
        >>> sorted(headers)
        ['mock-server-session', 'mock-server-session-429-count']
        >>> headers["mock-server-session-429-count"]
        '2'
        """
        values = {
            "no_response_count": no_response_count,
            "respond_429_count": respond_429_count,
            "respond_5xx_count": respond_5xx_count,
            "respond_5xx_status": respond_5xx_status,
            "init_character_limit": init_character_limit,
            "init_document_limit": init_document_limit,
            "doc_failure": doc_failure,
            "doc_queue_time_ms": doc_queue_time_ms,
            "doc_translate_time_ms": doc_translate_time_ms,
            "allow_reconnections": allow_reconnections,
            "allow_missing_user_agent": allow_missing_user_agent,
        }
        faults = {_SESSION_HEADERS[name]: str(v) for name, v in values.items() if v is not None}
        return {"mock-server-session": str(uuid.uuid4()), **faults}

    def last_request(self, session: dict[str, str]) -> dict[str, Any]:
        """The last request the mock received in `session`, as it parsed it: ``method``,
        ``path``, ``headers``, ``query`` and ``body`` (what the client put on the wire)."""
        request = urllib.request.Request(
            f"{self.url}/__session__/last-request",
            headers={"mock-server-session": session["mock-server-session"]},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer: dict[str, Any] = json.load(response)
        return answer

    def log(self) -> str:
        """The server's output so far (one line per request), for failure messages."""
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def stop(self) -> None:
        """End the server's process group and wait for it; safe to call twice."""
        if self._process.poll() is None:
            _kill_group(self._process)
        self._log.unlink(missing_ok=True)

    def __enter__(self) -> DeepLMock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def install_deepl_mock(source: Path = VENDORED_MOCK, cache: Path = CACHE) -> Path:
    """A copy of the mock with its dependencies installed, made once per vendored content.

    The copy is built in a temporary folder beside its final place and renamed when
    ``npm ci`` succeeded, so a half-installed copy is never reused.

    Raises:
        DeepLMockUnavailable: No vendored mock, no ``npm``, or ``npm ci`` failed.
    """
    if not (source / "package-lock.json").is_file():
        raise DeepLMockUnavailable(f"DeepL's mock is not vendored at {source}")
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise DeepLMockUnavailable("DeepL's mock needs Node.js and npm on PATH")
    target = cache / _content_hash(source)
    if (target / "node_modules").is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    # Test processes of one run (pytest-xdist) install one at a time: the first installs,
    # the others find its copy instead of removing it half-way.
    with (cache / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "node_modules").is_dir():
            return target
        shutil.rmtree(target, ignore_errors=True)  # not made by this function: start over
        _install(source, npm, target, cache)
    return target


def _install(source: Path, npm: str, target: Path, cache: Path) -> None:
    """Copy the mock beside `target`, ``npm ci`` it, and rename the copy to `target`."""
    building = Path(tempfile.mkdtemp(prefix=".install-", dir=cache))
    try:
        shutil.copytree(
            source,
            building,
            dirs_exist_ok=True,
            copy_function=shutil.copyfile,  # the vendored files are read-only
            ignore=shutil.ignore_patterns("node_modules", "documents"),
        )
        for folder, _, _ in os.walk(building):
            os.chmod(folder, 0o755)
        result = subprocess.run(
            [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"],
            cwd=building,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise DeepLMockUnavailable(
                f"npm ci for DeepL's mock failed ({result.returncode}):\n{result.stderr[-2000:]}"
            )
        try:
            building.rename(target)
        except OSError:
            if not (target / "node_modules").is_dir():  # not a concurrent run that won
                raise
    except subprocess.TimeoutExpired as exc:
        raise DeepLMockUnavailable(f"npm ci for DeepL's mock timed out: {exc}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)


def start_deepl_mock(directory: Path | None = None, *, timeout: float = 20.0) -> DeepLMock:
    """Install (if needed) and start DeepL's mock on free ports; returns once it answers.

    Raises:
        DeepLMockUnavailable: It cannot be installed, or did not answer within `timeout`.
    """
    directory = directory or install_deepl_mock()
    port, proxy_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DEEPL_MOCK_SERVER_PORT": str(port),
        "DEEPL_MOCK_PROXY_SERVER_PORT": str(proxy_port),
    }
    for name in ("VALIDATE_REQUESTS", "VALIDATE_RESPONSES"):  # they need the internet
        env.pop(name, None)
    log_fd, log_name = tempfile.mkstemp(prefix="deepl-mock-", suffix=".log")
    # A file, not a pipe: nobody reads the server's output while tests run.
    with os.fdopen(log_fd, "wb") as log_file:
        process = subprocess.Popen(
            ["node", "index.js"],
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    mock = DeepLMock(process, port, proxy_port, directory, Path(log_name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = mock.log()
            mock.stop()
            raise DeepLMockUnavailable(f"DeepL's mock exited ({process.returncode}):\n{output}")
        try:
            with urllib.request.urlopen(f"{mock.url}/healthz", timeout=1):
                return mock
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    output = mock.log()
    mock.stop()
    raise DeepLMockUnavailable(f"DeepL's mock did not answer within {timeout} s:\n{output}")


def _content_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _die_with_parent() -> None:
    """In the child: SIGTERM it when pytest dies, even by SIGKILL (no orphaned node)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
