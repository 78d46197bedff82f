"""DAG runs that translate through DeepL: the real client, a local DeepL API server, the key
from the Airflow connection `deepl_default`, and the translation memory in PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import ROOT, run_folder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.deepl_server import FakeDeepL

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
G = f"{{{G_NS}}}"
SECRET = "9d1c7e52-0b4a-4f3e-8c61-run-secret:fx"


@pytest.fixture
def memory_role(postgres_conninfo: str) -> Iterator[str]:
    """A PostgreSQL role whose tables live in a schema of its own (its search path), so
    that runs in parallel never share a translation memory: the connection
    ``grenzenlos_tm`` logs in as it (an Airflow connection carries no search path).
    The schema and the role are dropped afterwards."""
    import psycopg

    role = f"tm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
        admin.execute(f"ALTER ROLE {role} SET search_path TO {role}")
    try:
        yield role
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {role} CASCADE")
            admin.execute(f"DROP ROLE {role}")


@pytest.fixture
def pipeline(
    airflow_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    deepl_server: FakeDeepL,
    memory_role: str,
) -> Path:
    """The checked-in config with its memory in PostgreSQL (connection grenzenlos_tm)."""
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = tmp_path / "markets.toml"
    extra = f'memory_conn_id = "grenzenlos_tm"\nserver_url = "{deepl_server.url}"\n'
    text = text.replace("\n[translation]\n", f"\n[translation]\n{extra}", 1)
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (tmp_path / "output").as_uri())
    monkeypatch.setenv(
        "AIRFLOW_CONN_GRENZENLOS_TM", f"postgresql://{memory_role}@127.0.0.1:5432/test"
    )
    host, port = deepl_server.url.removeprefix("http://").split(":")
    connection = {"conn_type": "http", "host": host, "port": int(port), "schema": "http",
                  "password": SECRET}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", json.dumps(connection))
    deepl_server.auth_key = SECRET
    return tmp_path


def run_dag(day: int) -> str:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(logical_date=datetime(2026, 11, day, tzinfo=UTC), run_conf={"markets": ["PL"]})
    return str(run.state)


def test_deepl_fills_what_the_translator_left_and_the_next_run_pays_nothing(
    pipeline: Path,
    deepl_server: FakeDeepL,
    postgres_conninfo: str,
    memory_role: str,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client's own log, whatever Airflow did to the root logger's handlers.
    client_log = io.StringIO()
    handler = logging.StreamHandler(client_log)
    logging.getLogger("deepl").addHandler(handler)
    logging.getLogger("deepl").setLevel(logging.DEBUG)
    try:
        assert run_dag(24) == "success"
        first_logs = capfd.readouterr()
        memory = f"{postgres_conninfo} options=-csearch_path={memory_role}"
        check_first_run(pipeline, deepl_server, memory)
        # The next night the key comes from DEEPL_AUTH_KEY instead of the connection.
        monkeypatch.delenv("AIRFLOW_CONN_DEEPL_DEFAULT")
        monkeypatch.setenv("DEEPL_AUTH_KEY", SECRET)
        deepl_server.reset_log()
        assert run_dag(25) == "success"
    finally:
        logging.getLogger("deepl").removeHandler(handler)
        logging.getLogger("deepl").setLevel(logging.NOTSET)
    assert deepl_server.translate_requests == []
    output = pipeline / "output"
    report = json.loads((run_folder(output, "2026-11-25") / "translation.json").read_text())
    assert report["deepl_key"] is True
    assert report["languages"]["PL"]["characters_sent"] == 0
    assert report["languages"]["PL"]["hit_rate"] == 1.0

    logs = first_logs.out + first_logs.err + "".join(capfd.readouterr())
    files = [p for p in pipeline.rglob("*") if p.is_file() and p.suffix != ".sqlite"]
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    assert "Request to DeepL API" in client_log.getvalue()  # the client logged its requests,
    assert "Authorization" not in client_log.getvalue()
    assert SECRET not in client_log.getvalue() + logs + written  # never the key


def check_first_run(pipeline: Path, deepl_server: FakeDeepL, memory: str) -> None:
    import psycopg

    # The TMX covers the catalog but for two lamp titles, one over-long title and one new
    # description: only those four texts went to DeepL, in two requests (titles, HTML).
    sent = sorted(deepl_server.texts_received)
    assert len(sent) == 4 and "<p>Black tea.</p>" in sent
    assert "Lichtform Desk Lamp 14 black" in sent
    assert all(r["target_lang"] == "PL" and r["formality"] == "more"
               for r in deepl_server.translate_requests)  # fmt: skip
    output = pipeline / "output"
    items = etree.parse(str(output / "PL" / "google.xml")).getroot().findall("channel/item")
    titles = {item.findtext(f"{G}id"): item.findtext(f"{G}title") for item in items}
    assert titles["GZ-LAM-0037"] == "[PL more] Lichtform Desk Lamp 14 black"
    assert titles["GZ-BOT-0001"] == "Nordquell Trail Bottle 500 ml czarny"  # human wins
    report = json.loads((run_folder(output, "2026-11-24") / "translation.json").read_text())
    assert report["languages"]["PL"]["deepl"] == 4
    assert report["languages"]["PL"]["pending"] == 0
    assert report["languages"]["PL"]["characters_sent"] == sum(len(t) for t in sent)
    summary = (run_folder(output, "2026-11-24") / "summary.txt").read_text(encoding="utf-8")
    assert "4 by DeepL" in summary
    with psycopg.connect(memory) as conn:
        origins = dict(
            conn.execute(
                "SELECT origin, COUNT(*) FROM translation_memory GROUP BY origin"
            ).fetchall()
        )
    assert origins["machine"] == 4 and origins["human"] > 100
