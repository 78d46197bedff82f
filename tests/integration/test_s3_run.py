"""The DAG with staging and output on real S3 (moto in server mode), through an Airflow
connection: ``s3://grenzenlos_s3@bucket/...``.

Unlike ``memory://`` (test_object_storage_run.py), S3 has no folders, no rename and only
whole-object writes, and every call goes over HTTP through the Amazon provider, s3fs and
aiobotocore. The same run's steps on a local disk (`tests.steps.run_steps`) are the
reference: its published Google feed must be the same bytes.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import ROOT
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

    from tests.s3_server import S3Bucket

pytestmark = pytest.mark.integration
LOGICAL_DATE = datetime(2026, 11, 23, tzinfo=UTC)
RUN = "2026-11-23"


def run_dag() -> str:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    return str(dag.test(logical_date=LOGICAL_DATE, run_conf={"markets": ["DE"]}).state)


def test_run_with_staging_and_output_on_s3(
    airflow_db: Path, s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The reference: the same run's steps, inputs and date on the local disk.
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "local" / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (tmp_path / "local" / "output").as_uri())
    monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(tmp_path / "local" / "memory.sqlite"))
    assert run_steps(
        ROOT / "config" / "markets.toml", LOGICAL_DATE.date(), markets=["DE"]
    ).state == ("success")
    local = tmp_path / "local" / "output"

    monkeypatch.setenv("GRENZENLOS_STAGING_URL", s3_bucket.url("staging"))
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", s3_bucket.url("output"))
    # SQLite needs a local disk: with staging on S3 the memory is a local file of its own.
    monkeypatch.setenv("GRENZENLOS_TRANSLATION_MEMORY", str(tmp_path / "s3" / "memory.sqlite"))
    assert run_dag() == "success"

    keys = set(s3_bucket.keys("output/"))
    run = s3_bucket.read("output/runs/LATEST").decode("utf-8").strip()
    report = f"output/runs/{run}"
    for name in ("google.xml", "manifest.json"):
        assert f"output/DE/{name}" in keys
    for name in (
        "summary.txt",
        "findings.csv",
        "findings.jsonl",
        "completeness.csv",
        "validation.json",
        "run.json",
        "report.html",
    ):
        assert f"{report}/{name}" in keys
    assert "output/runs/index.html" in keys
    assert "output/last_successful_run.json" in keys
    # Every file the local run published is in the bucket, under the same name (but for
    # the run's own folder, named after its run id), and nothing else (no temporary keys
    # left behind by atomic publishing).
    local_run = (local / "runs" / "LATEST").read_text(encoding="utf-8").strip()
    local_files = {
        f"output/{p.relative_to(local).as_posix()}".replace(local_run, run)
        for p in local.rglob("*")
        if p.is_file()
    }
    assert keys == local_files
    assert "DE  google" in s3_bucket.read(f"{report}/summary.txt").decode("utf-8")

    feed = s3_bucket.read("output/DE/google.xml")
    assert feed == (local / "DE" / "google.xml").read_bytes()
    items = etree.fromstring(feed).findall("channel/item")
    assert len(items) == 67  # 72 less 5 set aside (a lamp without its EPREL number), as in the demo
    assert items[0].findtext(f"{{{G_NS}}}id") == "GZ-BOT-0001"


class _DroppedConnection(io.RawIOBase):
    """A source stream that fails after its first chunk, as a dropped download does."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.sent:
            raise ConnectionResetError("connection reset by peer")
        self.sent = True
        buffer[:4] = b"<rss"
        return 4


class _BrokenSource:
    name = "google.xml"

    def open(self, mode: str = "rb", *args: Any, **kwargs: Any) -> IO[bytes]:
        return io.BufferedReader(_DroppedConnection())


def test_failed_publish_leaves_the_live_object(airflow_db: Path, s3_bucket: S3Bucket) -> None:
    """S3 writes the object when the file is closed, also when closed by an error: a
    half-read source must not replace the live feed, and no temporary key stays."""
    from airflow.sdk import ObjectStoragePath

    from transforms.infra.storage import publish_atomically

    target = ObjectStoragePath(s3_bucket.url("output/DE/google.xml"))
    target.write_bytes(b"<rss>live</rss>")
    with pytest.raises(ConnectionResetError):
        publish_atomically(_BrokenSource(), target)
    assert s3_bucket.read("output/DE/google.xml") == b"<rss>live</rss>"
    assert s3_bucket.keys() == ["output/DE/google.xml"]


def test_ensure_dir_creates_no_bucket(airflow_db: Path, s3_bucket: S3Bucket) -> None:
    """s3fs's mkdir creates a missing *bucket*: a misspelled URL must fail at the first
    write, not quietly make a new bucket."""
    from airflow.sdk import ObjectStoragePath

    from transforms.infra.storage import ensure_dir

    missing = f"{s3_bucket.name}-misspelled"
    ensure_dir(ObjectStoragePath(s3_bucket.url("staging").replace(s3_bucket.name, missing)))
    buckets = {b["Name"] for b in s3_bucket.client.list_buckets()["Buckets"]}
    assert missing not in buckets
