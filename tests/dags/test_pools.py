"""The marketplace APIs' Airflow pools: what `config/pools.json` creates is what the
deliver tasks use, sized from the APIs' published limits, and Airflow imports the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, migrated_airflow_db

POOLS = json.loads((ROOT / "config" / "pools.json").read_text(encoding="utf-8"))


def test_every_api_pool_the_deliver_tasks_use_is_in_the_file() -> None:
    from deliver_feeds import API_POOLS, DELIVER_TASKS

    assert set(DELIVER_TASKS.values()) - {"default_pool"} == set(POOLS)
    assert set(API_POOLS.values()) == set(POOLS)


def test_the_amazon_pool_keeps_every_operation_of_a_delivery_within_its_burst() -> None:
    """A delivery calls each of these once; the usage plans are the SP-API model's."""
    from pipeline.delivery.amazon_feeds.client import RATE_LIMITS

    once = ("createFeedDocument", "createFeed", "getFeedDocument")
    assert POOLS["amazon_sp_api"]["slots"] == min(RATE_LIMITS[op].burst for op in once)


@pytest.mark.integration  # Airflow's CLI on a migrated metadata database
def test_airflow_imports_the_pools(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    airflow = Path(sys.executable).parent / "airflow"
    shutil.copyfile(migrated_airflow_db(tmp_path_factory), tmp_path / "airflow.db")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(airflow), "pools", "import", str(ROOT / "config" / "pools.json")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    listed = subprocess.run(
        [str(airflow), "pools", "list", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    pools = {p["pool"]: int(p["slots"]) for p in json.loads(listed.stdout)}
    assert pools["amazon_sp_api"] == 10 and pools["ebay_api"] == 4
