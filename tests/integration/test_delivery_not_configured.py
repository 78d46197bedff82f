"""Real deliver_feeds runs on the shipped configuration (Google, Amazon and eBay deliver)
for a merchant who set up only Google's connection: the channels without a connection are
*not configured*, not failed, unless the configuration says they must deliver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import run_folder
from tests.integration.test_delivery_run import LAST_RUN_ID, _publish, _run, marketplaces

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
__all__ = ["marketplaces"]  # the fixture, shared with test_delivery_run


def _states(run_id: str) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.rendered_map_index, TaskInstance.state).where(
                TaskInstance.dag_id == "deliver_feeds",
                TaskInstance.run_id == run_id,
                TaskInstance.task_id.startswith("deliver"),
            )
        ).all()
    return {str(label): str(state) for label, state in rows}


def test_a_channel_without_its_connection_is_not_configured_and_the_run_is_green(
    airflow_db: Path, marketplaces: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_AMAZON_SP_API")
    monkeypatch.delenv("AIRFLOW_CONN_EBAY_API")
    assert _publish(11) == "success"
    state, _ = _run("deliver_feeds", 11, {"markets": ["DE"]})
    assert state == "success"
    states = _states(LAST_RUN_ID[0])
    assert states["DE google.xml"] == "success"
    assert states["DE amazon-0001.json"] == "skipped"
    assert states["DE ebay.jsonl"] == "skipped"
    summary = (run_folder(marketplaces["output"], "2026-12-11") / "summary.txt").read_text()
    assert "DE  google    google.xml: uploaded" in summary
    assert (
        "DE  amazon    amazon-0001.json: not configured: the Airflow connection "
        "'amazon_sp_api' is not defined" in summary
    )
    assert "DE  ebay      ebay.jsonl: not configured: the Airflow connection 'ebay_api'" in summary
    assert not marketplaces["amazon"].calls and not marketplaces["ebay"].calls


def test_a_required_channel_without_its_connection_fails_at_once(
    airflow_db: Path, marketplaces: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    from pathlib import Path

    config = Path(os.environ["GRENZENLOS_CONFIG"])
    text = config.read_text(encoding="utf-8").replace(
        'delivery = { method = "sp_api",', 'delivery = { method = "sp_api", required = true,'
    )
    config.write_text(text, encoding="utf-8")
    monkeypatch.delenv("AIRFLOW_CONN_AMAZON_SP_API")
    assert _publish(12) == "success"
    state, tries = _run("deliver_feeds", 12, {"markets": ["DE"], "channels": ["amazon"]})
    assert state == "failed"
    assert tries["deliver_amazon.0"] == 1  # not retried: the connection will not appear by itself
    summary = (run_folder(marketplaces["output"], "2026-12-12") / "summary.txt").read_text()
    assert "DE  amazon    amazon-0001.json: NOT DELIVERED" in summary
