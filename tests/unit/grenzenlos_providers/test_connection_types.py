"""The connection types grenzenlos registers with Airflow: discovered by Airflow's
ProvidersManager through the project's entry point, their forms, and the Test button
against the local contract servers (Amazon's LWA, eBay's OAuth) and DeepL's own mock."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from grenzenlos_providers import CONNECTION_TYPES, get_provider_info
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.deepl_mock import DeepLMock
    from tests.ebay_api_server import EbayApiServer
    from tests.sp_api_server import SpApiServer

TYPES = {c["connection-type"]: c for c in CONNECTION_TYPES}

_DISCOVER = """
import json
from airflow.providers_manager import ProvidersManager

manager = ProvidersManager()
types = ("deepl", "amazon_sp_api", "ebay_api")
discovered = {
    "provider": manager.providers["grenzenlos"].data["name"],
    "hooks": {t: manager.hooks[t].hook_class_name for t in types},
    "names": {t: manager.hooks[t].connection_type for t in types},
    "widgets": sorted(k for k in manager.connection_form_widgets if "amazon_sp_api" in k),
    "behaviour": manager.field_behaviours["amazon_sp_api"],
}
"""


def _installed_entry_point(site: Path) -> None:
    """A distribution ``grenzenlos`` whose only content is pyproject.toml's
    ``apache_airflow_provider`` entry points, in ``site``: what ``uv sync`` installs,
    without re-installing the shared virtual environment."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = site / f"grenzenlos-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: grenzenlos\nVersion: {project['version']}\n"
    )
    points = project["entry-points"]["apache_airflow_provider"]
    (dist / "entry_points.txt").write_text(
        "[apache_airflow_provider]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    )


@pytest.fixture(scope="module")
def airflow_sees(tmp_path_factory: pytest.TempPathFactory, airflow_db: Path) -> dict[str, Any]:
    """What one Airflow process, with the project's entry point installed, discovers
    (ProvidersManager) and what its UI builds the connection forms from (the API's
    ``hook_meta`` call): one interpreter that imports Airflow for both tests."""
    site = tmp_path_factory.mktemp("site")
    _installed_entry_point(site)
    result = subprocess.run(
        [sys.executable, "-c", _DISCOVER + _FORM],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{site}:{ROOT}:{ROOT / 'dags'}",
            "AIRFLOW_HOME": str(airflow_db),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "PATH": "/usr/bin:/bin",
        },
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.integration  # an Airflow process on a migrated metadata database
def test_airflow_discovers_the_connection_types_through_the_entry_point(
    airflow_sees: dict[str, Any],
) -> None:
    found = airflow_sees["discovered"]
    assert found["provider"] == "grenzenlos"
    assert found["hooks"] == {
        "deepl": "grenzenlos_providers.hooks.deepl.DeepLHook",
        "amazon_sp_api": "grenzenlos_providers.hooks.marketplaces.AmazonSpApiHook",
        "ebay_api": "grenzenlos_providers.hooks.marketplaces.EbayHook",
    }
    # Each hook class says the same connection type as the provider's entry.
    assert found["names"] == {
        "deepl": "deepl",
        "amazon_sp_api": "amazon_sp_api",
        "ebay_api": "ebay_api",
    }
    assert found["widgets"] == [
        "extra__amazon_sp_api__endpoint",
        "extra__amazon_sp_api__refresh_token",
        "extra__amazon_sp_api__token_url",
    ]
    assert found["behaviour"]["relabeling"] == {
        "login": "LWA client id",
        "password": "LWA client secret",
    }
    assert "host" in found["behaviour"]["hidden_fields"]


_FORM = """
import json
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import create_app

answer = TestClient(create_app()).get("/ui/connections/hook_meta")
assert answer.status_code == 200, answer.text
print(json.dumps({
    "discovered": discovered,
    "forms": {h["connection_type"]: h for h in answer.json()},
}))
"""


@pytest.mark.integration  # an Airflow process on a migrated metadata database
def test_the_ui_builds_the_amazon_form_from_it(airflow_sees: dict[str, Any]) -> None:
    """What the connection form of Airflow's UI is built from (its ``hook_meta`` call)."""
    form = airflow_sees["forms"]["amazon_sp_api"]
    assert form["hook_name"] == "Amazon Selling Partner API"
    shown = {k: v["title"] for k, v in form["standard_fields"].items() if v and not v["hidden"]}
    assert shown == {"login": "LWA client id", "password": "LWA client secret"}
    extra = {k: v["schema"]["title"] for k, v in form["extra_fields"].items()}
    assert extra == {
        "refresh_token": "Refresh token",
        "endpoint": "SP-API endpoint",
        "token_url": "LWA token URL",
    }
    assert form["extra_fields"]["refresh_token"]["schema"]["format"] == "password"


def test_the_provider_info_is_valid_for_airflow() -> None:
    from airflow.providers_manager import ProvidersManager

    ProvidersManager()._provider_schema_validator.validate(get_provider_info())


@pytest.mark.parametrize("conn_type", ["amazon_sp_api", "ebay_api"])
def test_the_marketplace_forms_label_the_oauth_fields_and_hide_the_rest(conn_type: str) -> None:
    entry = TYPES[conn_type]
    behaviour = entry["ui-field-behaviour"]
    assert set(behaviour["hidden-fields"]) == {"host", "schema", "port", "extra"}
    assert set(behaviour["relabeling"]) == {"login", "password"}
    assert set(behaviour["placeholders"]) == {"login", "password", "refresh_token"}
    fields = entry["conn-fields"]
    assert fields["refresh_token"]["schema"]["format"] == "password"  # masked in the UI
    assert "format" not in fields["endpoint"]["schema"]


def test_the_deepl_form_asks_for_the_key_and_an_optional_server() -> None:
    behaviour = TYPES["deepl"]["ui-field-behaviour"]
    assert behaviour["relabeling"] == {"password": "Authentication key", "host": "Server URL"}
    assert set(behaviour["hidden-fields"]) == {"login", "schema", "port", "extra"}


@pytest.fixture
def amazon() -> Iterator[SpApiServer]:
    from tests.sp_api_server import SpApiServer

    server = SpApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def ebay() -> Iterator[EbayApiServer]:
    from tests.ebay_api_server import EbayApiServer

    server = EbayApiServer().start()
    yield server
    server.stop()


def _with(connection: str, **changes: Any) -> str:
    value = json.loads(connection)
    value.update(changes)
    return json.dumps(value)


def test_the_amazon_test_button_exchanges_the_refresh_token(
    amazon: SpApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.marketplaces import AmazonSpApiHook

    monkeypatch.setenv("AIRFLOW_CONN_AMAZON_SP_API", amazon.connection())
    ok, message = AmazonSpApiHook().test_connection()
    assert ok, message
    assert amazon.calls["token"] == 1 and len(amazon.access_tokens) == 1


def test_the_amazon_test_button_fails_with_amazons_answer_to_a_wrong_secret(
    amazon: SpApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.marketplaces import AmazonSpApiHook

    wrong = _with(amazon.connection(), password="amzn1.oa2-cs.v1.wrong")
    monkeypatch.setenv("AIRFLOW_CONN_AMAZON_SP_API", wrong)
    ok, message = AmazonSpApiHook().test_connection()
    assert not ok
    assert "HTTP 401" in message and "invalid_client" in message
    assert "wrong" not in message


def test_the_ebay_test_button_gets_a_token(
    ebay: EbayApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.marketplaces import EbayHook

    monkeypatch.setenv("AIRFLOW_CONN_EBAY_API", ebay.connection())
    ok, message = EbayHook().test_connection()
    assert ok, message
    assert len(ebay.token_calls()) == 1


def test_the_ebay_test_button_fails_with_ebays_answer_to_a_wrong_secret(
    ebay: EbayApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.marketplaces import EbayHook

    monkeypatch.setenv("AIRFLOW_CONN_EBAY_API", _with(ebay.connection(), password="PRD-wrong"))
    ok, message = EbayHook().test_connection()
    assert not ok
    assert "invalid_client" in message and "PRD-wrong" not in message


def test_a_connection_without_a_refresh_token_fails_the_test_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from grenzenlos_providers.hooks.marketplaces import EbayHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_EBAY_API",
        json.dumps({"conn_type": "ebay_api", "login": "a", "password": "b"}),
    )
    ok, message = EbayHook().test_connection()
    assert not ok
    assert message.startswith("the Airflow connection 'ebay_api' lacks refresh_token")


def test_the_refresh_token_is_read_from_the_form_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from grenzenlos_providers.hooks.marketplaces import AmazonSpApiHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_SELLER_EU",
        json.dumps(
            {
                "conn_type": "amazon_sp_api",
                "login": "client",
                "password": "secret",
                "extra": {"extra__amazon_sp_api__refresh_token": "Atzr|x"},
            }
        ),
    )
    credentials = AmazonSpApiHook("seller_eu").credentials()
    assert credentials.refresh_token == "Atzr|x" and credentials.conn_id == "seller_eu"


@pytest.mark.deepl_mock
def test_the_deepl_test_button_reads_the_usage(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.deepl import DeepLHook

    connection = {"conn_type": "deepl", "host": deepl_mock.url, "password": f"{uuid.uuid4()}:fx"}
    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", json.dumps(connection))
    ok, message = DeepLHook().test_connection()
    assert ok, message
    assert message.startswith("DeepL knows the key: 0 of ")


@pytest.mark.deepl_mock
def test_the_deepl_test_button_fails_with_deepls_answer_to_a_wrong_key(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenzenlos_providers.hooks.deepl import DeepLHook

    connection = {"conn_type": "deepl", "host": deepl_mock.url, "password": "invalid"}
    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", json.dumps(connection))
    ok, message = DeepLHook().test_connection()
    assert not ok
    assert "Authorization failure" in message or "403" in message


def test_nothing_below_the_provider_imports_it() -> None:
    """The provider sits beside ``dags/``: the layers it builds on never import it."""
    import ast

    below = [
        p
        for layer in ("schemas", "transforms", "feeds", "pipeline")
        for p in (ROOT / layer).rglob("*.py")
    ]
    importing = []
    for path in below:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "grenzenlos_providers" for name in names):
                importing.append(str(path.relative_to(ROOT)))
    assert below and importing == []
