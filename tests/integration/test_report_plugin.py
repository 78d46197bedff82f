"""The run-report plugin (plugins/grenzenlos_reports.py) in a real Airflow: ``airflow
plugins`` lists it, and a real ``airflow api-server`` serves a run's report.html to a
logged-in user only, never a file outside ``<output>/runs/``.

The API server runs as a process of its own (its own session, so the process group ends
with the test, also when it fails) with an AIRFLOW_HOME, SQLite database, simple auth
manager user and password of its own, on a free loopback port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.layout import run_key
from tests.cluster import free_port
from tests.conftest import ROOT
from tests.s3_server import CONN_ID

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.s3_server import S3Bucket, S3Server

pytestmark = pytest.mark.integration

AIRFLOW = str(Path(sys.executable).parent / "airflow")
PASSWORD = "report-plugin-test-password"
RUN_ID = "manual__2026-12-01T21:48:05.123456+00:00"
MARKER = "grenzenlos-report-marker-7f3a"
INDEX_MARKER = "grenzenlos-index-marker-2c9d"
SECRET = "outside-runs-secret-91be"


def _environment(home: Path, config: Path, **extra: str) -> dict[str, str]:
    """Airflow's settings for the subprocesses: none of the caller's AIRFLOW*/GRENZENLOS_*,
    then ``extra`` (connections)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "GRENZENLOS_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API_AUTH__JWT_SECRET": "report-plugin-test-jwt-secret-0123456789",
            "GRENZENLOS_CONFIG": str(config),
        }
    )
    env.update(extra)
    return env


def _write_config(config: Path, output_url: str) -> None:
    """The checked-in configuration with its paths made absolute and its output at
    ``output_url``."""
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    storage = f'output_url = "{ROOT}/var/output"'
    assert storage in text
    config.write_text(text.replace(storage, f'output_url = "{output_url}"'), encoding="utf-8")


class _Server:
    """``airflow api-server`` on ``port``; `stop` kills its whole process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as stream:
            self.process = subprocess.Popen(
                [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=stream,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_up(self, timeout: float = 150) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the API server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v2/version", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        pytest.fail(f"the API server did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the server's process group, then SIGKILL to whatever is left of it."""
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, None)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue

    def login(self) -> str:
        request = urllib.request.Request(
            f"{self.base_url}/auth/token",
            method="POST",
            data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token: str = json.load(response)["access_token"]
            return token

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Status, body and content type of ``GET path`` (redirects followed)."""
        request = urllib.request.Request(f"{self.base_url}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read().decode()
                return response.status, body, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Content-Type", "")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An AIRFLOW_HOME with the admin's known password."""
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    (home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}), encoding="utf-8")
    return home


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """An output folder with one run's report, the index and a file just outside runs/
    where a ``..`` run id would lead."""
    output = tmp_path / "output"
    run = output / "runs" / run_key(RUN_ID)
    run.mkdir(parents=True)
    (run / "report.html").write_text(f"<!doctype html><p>{MARKER}</p>", encoding="utf-8")
    (output / "runs" / "index.html").write_text(
        f'<!doctype html><a href="{run_key(RUN_ID)}/report.html">{INDEX_MARKER}</a>',
        encoding="utf-8",
    )
    (output / "report.html").write_text(SECRET, encoding="utf-8")
    (output / "index.html").write_text(SECRET, encoding="utf-8")
    return output


@pytest.fixture
def api_server(home: Path, tmp_path: Path, s3_server: S3Server) -> Iterator[_Server]:
    """The API server, started before its configuration exists (it is read per request),
    with the connection to the test S3."""
    connection = {f"AIRFLOW_CONN_{CONN_ID.upper()}": s3_server.connection()}
    env = _environment(home, tmp_path / "markets.toml", **connection)
    migrate = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    server = _Server(env, tmp_path / "api-server.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def test_airflow_lists_the_plugin_and_its_views(home: Path, tmp_path: Path) -> None:
    env = _environment(home, tmp_path / "markets.toml")
    result = subprocess.run(
        [AIRFLOW, "plugins", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    plugin = plugins["grenzenlos_reports"]
    assert [(a["url_prefix"], a["name"]) for a in plugin["fastapi_apps"]] == [
        ("/grenzenlos", "grenzenlos run reports")
    ]
    views = {v["destination"]: v for v in plugin["external_views"]}
    assert views["dag_run"]["href"] == "grenzenlos/reports/{DAG_ID}/{RUN_ID}"
    assert views["dag_run"]["url_route"] == "grenzenlos-report"
    assert views["nav"]["href"] == "grenzenlos/runs/"


def test_the_api_server_serves_reports_to_logged_in_users_only(
    api_server: _Server, output: Path, tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    report = f"/grenzenlos/reports/localize_catalog/{urllib.parse.quote(RUN_ID, safe='')}"
    token = api_server.login()
    bearer = {"Authorization": f"Bearer {token}"}

    # No configuration yet: the server runs, the routes say why they cannot answer.
    status, body, _ = api_server.get(report, bearer)
    assert status == 503 and "configuration cannot be read" in body, (status, body)
    _write_config(tmp_path / "markets.toml", output.as_uri())

    status, body, content_type = api_server.get(report, bearer)
    assert status == 200 and MARKER in body, (status, body, api_server.tail())
    assert content_type.startswith("text/html")
    # The UI's frames send the session cookie, not a header.
    assert api_server.get(report, {"Cookie": f"_token={token}"})[:2] == (200, body)

    # The index, at /reports and where its relative links resolve; and the link itself.
    for index in ("/grenzenlos/reports", "/grenzenlos/runs/", "/grenzenlos/runs/index.html"):
        status, body, _ = api_server.get(index, bearer)
        assert status == 200 and INDEX_MARKER in body, (index, status, body)
    linked = f"/grenzenlos/runs/{run_key(RUN_ID)}/report.html"
    assert api_server.get(linked, bearer)[:1] == (200,)

    # The UI lists the views (the plugins endpoint the UI reads).
    status, body, _ = api_server.get("/api/v2/plugins", bearer)
    views = [v for p in json.loads(body)["plugins"] for v in p["external_views"]]
    assert {"dag_run", "nav"} <= {v["destination"] for v in views}

    # Without credentials, or with a forged token: refused.
    for path in (report, "/grenzenlos/runs/", linked):
        assert api_server.get(path)[0] == 401, path
        assert api_server.get(path, {"Authorization": "Bearer forged.jwt.token"})[0] in (401, 403)

    # A run without a report, and a DAG that keeps none: a sentence, 404.
    status, body, content_type = api_server.get(
        "/grenzenlos/reports/localize_catalog/manual__2026-12-02T00%3A00%3A00%2B00%3A00", bearer
    )
    assert status == 404 and "has no report yet" in body and content_type.startswith("text/plain")
    status, body, _ = api_server.get("/grenzenlos/reports/other_dag/" + RUN_ID, bearer)
    assert status == 404 and "other_dag" in body

    # Traversal: nothing outside runs/ is ever served.
    for path in (
        "/grenzenlos/reports/localize_catalog/..",
        "/grenzenlos/reports/localize_catalog/%2E%2E",
        "/grenzenlos/reports/localize_catalog/..%2F..%2Freport.html",
        "/grenzenlos/reports/localize_catalog/../../report.html",
        "/grenzenlos/reports/localize_catalog/..%2F",
        "/grenzenlos/runs/../report.html",
        "/grenzenlos/runs/%2E%2E/report.html",
        "/grenzenlos/runs/..%2F..%2Freport.html",
    ):
        status, body, _ = api_server.get(path, bearer)
        assert status in (400, 404) and SECRET not in body, (path, status, body)

    # The same routes read a report from object storage, once the configuration says so.
    s3_report = f"output/runs/{run_key(RUN_ID)}/report.html"
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=s3_report, Body=f"<p>S3 {MARKER}</p>")
    _write_config(tmp_path / "markets.toml", s3_bucket.url("output"))
    status, body, _ = api_server.get(report, bearer)
    assert status == 200 and f"S3 {MARKER}" in body, (status, body, api_server.tail())
    assert api_server.get("/grenzenlos/runs/", bearer)[0] == 404  # no index on S3 yet
