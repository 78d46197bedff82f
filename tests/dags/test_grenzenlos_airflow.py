"""The package the DAGs share (`dags/grenzenlos_airflow`): connections read the way an
operator defines them (``AIRFLOW_CONN_<ID>``, through Airflow's own ``Connection.get``),
the configuration file the tasks and the trigger forms read, and a broken one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from grenzenlos_airflow import connections
from grenzenlos_airflow.run import config_path, pipeline_config, retry_delay

from pipeline.delivery.outcome import CredentialsError
from schemas.config.base import ConfigError
from tests.conftest import ROOT
from tests.dags.forked import result_of, run_forked

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "postgresql://shop:p%20w@db.example:6543/catalog",
            "host=db.example port=6543 user=shop password='p w' dbname=catalog",
        ),
        # No port: PostgreSQL's own.
        (
            "postgresql://shop@db.example/catalog",
            "host=db.example port=5432 user=shop password='' dbname=catalog",
        ),
    ],
)
def test_a_postgres_connection_becomes_a_libpq_conninfo(
    uri: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TEST_CATALOG", uri)
    assert connections.postgres_conninfo("test_catalog") == expected


def test_an_undefined_marketplace_connection_says_where_to_define_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NO_SUCH_MARKETPLACE", raising=False)
    with pytest.raises(CredentialsError, match="AIRFLOW_CONN_NO_SUCH_MARKETPLACE") as raised:
        connections.marketplace_connection("no_such_marketplace")
    assert "'no_such_marketplace' is not defined" in str(raised.value)


def test_oauth_credentials_name_what_the_connection_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_EBAY", json.dumps({"conn_type": "http", "login": "app-id"})
    )
    with pytest.raises(CredentialsError) as raised:
        connections.oauth("test_ebay")
    message = str(raised.value)
    assert "'test_ebay' lacks a password (the app's client secret), refresh_token" in message
    assert "login" not in message.split("lacks", 1)[1]


def test_oauth_credentials_carry_the_other_server_and_hide_the_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = {"refresh_token": "r-token", "endpoint": "http://127.0.0.1:9", "token_url": "http://t"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_AMAZON",
        json.dumps({"conn_type": "http", "login": "app", "password": "s3cret", "extra": extra}),
    )
    credentials = connections.oauth("test_amazon")
    assert (credentials.client_id, credentials.client_secret) == ("app", "s3cret")
    assert (credentials.refresh_token, credentials.endpoint) == ("r-token", "http://127.0.0.1:9")
    assert credentials.token_url == "http://t"
    assert "s3cret" not in repr(credentials) and "r-token" not in repr(credentials)


def test_deepl_key_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DEEPL_DEFAULT", raising=False)
    monkeypatch.setenv("DEEPL_AUTH_KEY", "env-key:fx")
    assert connections.deepl_access() == ("env-key:fx", None)
    monkeypatch.delenv("DEEPL_AUTH_KEY")
    assert connections.deepl_access() == (None, None)


def test_tasks_read_the_configuration_grenzenlos_config_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRENZENLOS_CONFIG", raising=False)
    assert config_path() == ROOT / "config" / "markets.toml"
    broken = tmp_path / "markets.toml"
    broken.write_text("[markets.DE\n", encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(broken))
    assert config_path() == broken
    with pytest.raises(ConfigError, match="cannot read configuration"):
        pipeline_config()
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml"):
        pipeline_config()


def test_tests_shorten_the_wait_between_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRENZENLOS_RETRY_DELAY_SECONDS", raising=False)
    assert retry_delay(300) == timedelta(minutes=5)
    monkeypatch.setenv("GRENZENLOS_RETRY_DELAY_SECONDS", "0.5")
    assert retry_delay(300) == timedelta(seconds=0.5)


_PARSE = """
import os, sys
from airflow.dag_processing.dagbag import DagBag  # imported before the fork
os.environ["GRENZENLOS_CONFIG"] = {config!r}
sys.path.insert(0, {folder!r})  # as Airflow's DAG bundles put their folder on sys.path
bag = DagBag(dag_folder={folder!r})
result = {{
    "errors": {{str(k): str(v) for k, v in bag.import_errors.items()}},
    "markets": {{d: bag.dags[d].params.get_param("markets").schema["examples"]
                 for d in ("localize_catalog", "deliver_feeds")}},
    "channels": bag.dags["deliver_feeds"].params.get_param("channels").schema["examples"],
}}
"""
CONFIGS = {"missing": None, "unreadable": "[markets.DE\n", "wrong shape": "markets = 3\n"}


@pytest.fixture(scope="module")
def broken_parses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both DAG files parsed with each of `CONFIGS` as the configuration, each in a
    fresh interpreter (one forked for each, `tests.dags.forked`), as the DAG processor
    parses: a DAG bag parsed in the test process would stay in Airflow's state for the
    later DAG runs of that process (the asset-triggered delivery is not queued then)."""
    folder = tmp_path_factory.mktemp("configs")
    checks = {}
    for name, content in CONFIGS.items():
        path = folder / f"{name}.toml"
        if content is not None:
            path.write_text(content, encoding="utf-8")
        checks[name] = _PARSE.format(config=str(path), folder=str(ROOT / "dags"))
    return run_forked("from airflow.dag_processing.dagbag import DagBag", checks)


@pytest.mark.parametrize("config", CONFIGS)
def test_both_dags_parse_with_a_broken_or_missing_configuration(
    broken_parses: dict[str, dict[str, Any]], config: str
) -> None:
    """The forms read the file at parse time: a file that does not read, or reads into
    the wrong shape, leaves their pick lists empty instead of failing the DAG file (the
    tasks then report the file)."""
    assert result_of(broken_parses[config]) == {
        "errors": {},
        "markets": {"localize_catalog": [], "deliver_feeds": []},
        "channels": [],
    }
