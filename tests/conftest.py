"""Shared fixtures. Airflow's environment is set here, before anything imports Airflow,
so no test ever touches a developer's own AIRFLOW_HOME."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import hypothesis
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.deepl_mock import DeepLMock
    from tests.deepl_server import FakeDeepL
    from tests.s3_server import S3Bucket, S3Server

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SAMPLE_CATALOG = ROOT / "examples" / "sample_catalog"
SHARED_DATA = ROOT.parent / "shared" / "data" / "akeneo-icecat-demo"
SAMPLE_RATES = ROOT / "examples" / "ecb" / "eurofxref-daily.xml"
PRICING_TOML = f"""
[pricing]
base_currency = "EUR"
rates = "{SAMPLE_RATES}"

[pricing.catalog_prices]
EUR = {{ includes_vat_of = "DE" }}
USD = {{}}

[pricing.vat]
DE = {{ standard = 19, reduced = 7 }}
"""
"""A [pricing] section for configurations written by tests: EUR gross in DE, USD net."""

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="grenzenlos-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["GRENZENLOS_RETRY_DELAY_SECONDS"] = "1"
# Every finding a test provokes must carry a rule listed in schemas/rules.py.
os.environ["GRENZENLOS_STRICT_RULES"] = "1"
os.environ.pop("GRENZENLOS_STAGING_URL", None)
os.environ.pop("GRENZENLOS_OUTPUT_URL", None)

# Property tests that leave the number of examples to the profile (the costly ones: a
# feed written per example) run 25 in the suite; HYPOTHESIS_PROFILE=thorough runs 500,
# e.g. nightly. Failing examples are kept in .hypothesis/ and replayed first either way.
hypothesis.settings.register_profile("suite", max_examples=25, deadline=None)
hypothesis.settings.register_profile("thorough", max_examples=500, deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Akeneo demo export beside the project; skipped where it is absent."""
    if not (SHARED_DATA / "products.csv").exists():
        pytest.skip(f"the shared Akeneo export is not at {SHARED_DATA}")
    return SHARED_DATA


POSTGRES_CONNINFO = os.environ.get(
    "GRENZENLOS_TEST_POSTGRES",
    "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=3",
)


@pytest.fixture(scope="session")
def postgres_conninfo() -> str:
    """The local PostgreSQL test database. Skips when no server answers, unless
    GRENZENLOS_REQUIRE_POSTGRES is set (as .ci/run does), where it fails instead."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_CONNINFO) as connection:
            connection.execute("select 1")
    except psycopg.OperationalError as exc:
        message = f"no PostgreSQL server at {POSTGRES_CONNINFO!r}: {exc}"
        if os.environ.get("GRENZENLOS_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_CONNINFO


def migrated_airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated Airflow metadata database (SQLite file) for this test session.
    The xdist workers of one session share one migration (about 8 s of CPU each): the
    first migrates, under a lock, and the others copy its file."""
    import fcntl
    import shutil
    import subprocess
    import sys

    if "PYTEST_XDIST_WORKER" not in os.environ:  # not under xdist
        shared = tmp_path_factory.mktemp("airflow-template")
    else:  # the folder above the workers' own: one per session
        shared = tmp_path_factory.getbasetemp().parent
    template = shared / "airflow-migrated.db"
    with (shared / "airflow-migrated.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            home = shared / "airflow-home"
            home.mkdir(exist_ok=True)
            airflow = Path(sys.executable).parent / "airflow"
            result = subprocess.run(
                [str(airflow), "db", "migrate"],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "AIRFLOW_HOME": str(home)},
            )
            if result.returncode != 0:
                pytest.fail(
                    f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
                )
            shutil.copyfile(home / "airflow.db", template)
    return template


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Airflow metadata database (SQLite) in a throw-away AIRFLOW_HOME."""
    import shutil

    shutil.copyfile(migrated_airflow_db(tmp_path_factory), _AIRFLOW_HOME / "airflow.db")
    return _AIRFLOW_HOME


@pytest.fixture
def deepl_server() -> Iterator[FakeDeepL]:
    """A local server speaking the DeepL API (see `tests.deepl_server`), stopped afterwards."""
    from tests.deepl_server import FakeDeepL

    server = FakeDeepL().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def deepl_mock() -> Iterator[DeepLMock]:
    """DeepL's own mock server (see `tests.deepl_mock`), installed once and started once per
    test session, stopped afterwards. Skips when Node/npm or the vendored mock are missing or
    its install fails, unless GRENZENLOS_REQUIRE_DEEPL_MOCK is set (as .ci/run does), where
    it fails instead."""
    from tests.deepl_mock import DeepLMockUnavailable, start_deepl_mock

    try:
        mock = start_deepl_mock()
    except DeepLMockUnavailable as exc:
        if os.environ.get("GRENZENLOS_REQUIRE_DEEPL_MOCK"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    with mock:
        yield mock


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 in server mode on a free loopback port (see `tests.s3_server`), with the
    Airflow connection ``grenzenlos_s3`` to it set for the session, stopped afterwards.

    One server per session: Airflow caches a connection's file system by its id, so the
    endpoint behind ``grenzenlos_s3`` must not change within a process."""
    from tests.s3_server import CONN_ID, S3Server

    variable = f"AIRFLOW_CONN_{CONN_ID.upper()}"
    server = S3Server().start()
    previous = os.environ.get(variable)
    os.environ[variable] = server.connection()
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = previous
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A new, empty bucket on `s3_server`, emptied and deleted afterwards."""
    bucket = s3_server.create_bucket()
    yield bucket
    bucket.delete()


def run_folder(output: Path, day: str) -> Path:
    """The report folder (``<output>/runs/<run_key>/``) of the newest run whose run day is
    ``day``: runs are keyed by their Airflow run id, which tests do not choose."""
    import json

    found = []
    for record in (output / "runs").glob("*/run.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        if data.get("run_day") == day:
            found.append((str(data.get("finished")), record.parent))
    assert found, f"no run of {day} under {output / 'runs'}"
    return max(found)[1]
