"""The run-report plugin without an API server: it loads light, maps run ids to one folder
name, and its routes refuse callers without credentials before reading anything."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT

if TYPE_CHECKING:
    from types import ModuleType

# Starlette's test client warns that it will move to httpx2; not this plugin's concern.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
PLUGIN = ROOT / "plugins" / "grenzenlos_reports.py"


@pytest.fixture(scope="module")
def plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grenzenlos_reports", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plugin_loads_without_the_api_server_or_the_pipeline() -> None:
    # A fresh interpreter, as the scheduler or a worker loading plugins would be.
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import grenzenlos_reports; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.startswith(('airflow.api_fastapi', 'schemas', 'pipeline', 'transforms')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(PLUGIN.parent)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_the_plugin_declares_its_app_and_views(plugin: ModuleType) -> None:
    reports = plugin.GrenzenlosReports
    assert reports.name == "grenzenlos_reports"
    assert [a["url_prefix"] for a in reports.fastapi_apps] == ["/grenzenlos"]
    hrefs = {v["destination"]: v["href"] for v in reports.external_views}
    assert hrefs == {"dag_run": "grenzenlos/reports/{DAG_ID}/{RUN_ID}", "nav": "grenzenlos/runs/"}
    assert not any(href.startswith("/") for href in hrefs.values())


@pytest.mark.parametrize(
    ("run_id", "folder"),
    [
        ("manual__2026-12-01T21:48:05.123456+00:00", "manual__2026-12-01T214805.123456_0000"),
        ("scheduled__2026-12-01T02:00:00+00:00", "scheduled__2026-12-01T020000_0000"),
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("../report.html", ".._report.html"),
        ("/etc/passwd", "_etc_passwd"),
        ("..\\..\\boot.ini", ".._.._boot.ini"),
        ("a/../../b", "a_.._.._b"),
        ("%2E%2E", "_2E_2E"),
    ],
)
def test_a_run_id_becomes_one_folder_name(plugin: ModuleType, run_id: str, folder: str) -> None:
    assert plugin.run_folder(run_id) == folder
    assert "/" not in folder and "\\" not in folder


@pytest.mark.parametrize("run_id", ["", ".", "..", "..."])
def test_a_run_id_of_dots_names_no_folder(plugin: ModuleType, run_id: str) -> None:
    assert plugin.run_folder(run_id) is None


@pytest.mark.parametrize(
    "path",
    [
        "/grenzenlos/reports/localize_catalog/manual__2026-12-01T00:00:00+00:00",
        "/grenzenlos/runs/",
        "/grenzenlos/runs/index.html",
        "/grenzenlos/runs/2026-12-01/report.html",
    ],
)
def test_without_credentials_every_route_answers_401(plugin: ModuleType, path: str) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    root = FastAPI()
    root.mount("/grenzenlos", plugin.app)
    response = TestClient(root).get(path, follow_redirects=False)
    assert response.status_code == 401
    assert response.text == "Not authenticated"


def test_the_index_redirects_to_where_its_links_resolve(plugin: ModuleType) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    root = FastAPI()
    root.mount("/grenzenlos", plugin.app)
    client = TestClient(root)
    response = client.get("/grenzenlos/reports", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "runs/"
    response = client.get("/grenzenlos/runs", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/grenzenlos/runs/")
