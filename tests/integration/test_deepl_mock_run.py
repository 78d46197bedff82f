"""A whole DAG run against DeepL's own mock: the key and server from the `deepl_default`
connection in its URI form, every answer through the QA gate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT, run_folder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.deepl_mock import DeepLMock

pytestmark = [pytest.mark.integration, pytest.mark.deepl_mock]
SECRET = "5f0c2a9e-mock-run-secret"


def test_cn_and_pl_against_deepls_mock_with_a_uri_connection(
    airflow_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    deepl_mock: DeepLMock,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    (tmp_path / "markets.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(tmp_path / "markets.toml"))
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (tmp_path / "output").as_uri())
    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", deepl_mock.url.replace("//", f"//:{SECRET}@"))
    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(
        logical_date=datetime(2026, 9, 1, tzinfo=UTC), run_conf={"markets": ["CN", "PL"]}
    )
    assert str(run.state) == "success"
    report_dir = run_folder(tmp_path / "output", "2026-09-01")
    report = json.loads((report_dir / "translation.json").read_text(encoding="utf-8"))
    assert report["deepl_key"] is True and report["stopped"] is None
    chinese = report["languages"]["ZH-HANS"]
    # The translator's TMX has every Chinese text but two; DeepL (the mock, which answers
    # every text with one phrase) is asked for those, and the QA gate holds them back.
    assert chinese["human"] > 80 and chinese["pending"] == 0
    assert chinese["requests"] > 0 and chinese["flagged"] == 2
    storefront = json.loads((tmp_path / "output" / "CN" / "mobile_cn.json").read_text())
    assert len(storefront["items"]) > 60
    findings = [
        json.loads(line) for line in (report_dir / "findings.jsonl").read_text().splitlines()
    ]
    held = [f for f in findings if f["market"] == "CN" and f["rule"] == "translation_qa_failed"]
    assert held and all("held back" in f["message"] for f in held)  # CN sets them aside
    review = (report_dir / "review-ZH-HANS.xlf").read_text(encoding="utf-8")
    assert 'state="needs-review-translation"' in review
    summary = (report_dir / "summary.txt").read_text(encoding="utf-8")
    assert "translation ZH-HANS" in summary
    captured = capfd.readouterr()
    for place in (captured.out, captured.err, summary, json.dumps(report), review):
        assert SECRET not in place
