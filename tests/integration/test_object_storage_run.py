"""The DAG's steps on object storage: staging and output as fsspec URLs, no local paths.

fsspec's ``memory://`` file system stands in for S3 or GCS; the steps run in this
process (`tests.steps.run_steps`), so they all see the same bucket. The DAG itself on
object storage, its tasks handing each other URLs through XCom, is
test_s3_run.py's ``dag.test()`` on moto's S3.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import ROOT, run_folder
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_run_with_staging_and_output_on_object_storage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem
    from upath import UPath

    # No provider registers memory://; attach it as a deployment attaches s3:// to a connection.
    attach("memory", fs=MemoryFileSystem())

    bucket = f"memory://grenzenlos-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", f"{bucket}/staging")
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", f"{bucket}/output")
    # SQLite needs a local disk: with staging on object storage the memory is set apart.
    monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(tmp_path / "memory.sqlite"))
    run = run_steps(ROOT / "config" / "markets.toml", date(2026, 11, 23), markets=["DE"])
    assert run.state == "success", run.summary
    output = UPath(f"{bucket}/output")
    feed = etree.fromstring((output / "DE" / "google.xml").read_bytes())
    assert len(feed.findall("channel/item")) == 67  # 72 less 5 set aside, as in the demo
    assert feed.find("channel/item").findtext(f"{{{G_NS}}}id") == "GZ-BOT-0001"  # type: ignore[union-attr]
    report = run_folder(output, "2026-11-23")
    assert "DE  google" in (report / "summary.txt").read_text(encoding="utf-8")
    assert (report / "validation.json").exists() and (report / "report.html").exists()
    assert (output / "last_successful_run.json").exists()
