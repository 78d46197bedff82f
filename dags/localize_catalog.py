"""
### localize_catalog

Nightly: read the master catalog, re-express every product for each market and
publish one feed per market and channel.

1. **extract** stages a snapshot of the catalog for the run's date and records
   the rows it could not read.
2. **select_markets** checks the `markets` parameter against `config/markets.toml`.
3. **localize_market** (one mapped task per market) localizes texts and prices
   and writes the market's feeds to the staging area; products it cannot list
   are set aside with a finding.
4. **publish** replaces the live feeds atomically (skipped on a dry run) and
   emits one Asset event per feed through the `grenzenlos_feeds` alias.
5. **summary** writes `findings.csv`, `findings.jsonl` and `summary.txt` for the
   run and prints one line per market.

Trigger parameters: `markets` (empty: every configured market) and `dry_run`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias, ObjectStoragePath, Param, dag, get_current_context, task

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from schemas.market import PipelineConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "markets.toml"
FEEDS = AssetAlias("grenzenlos_feeds")


def _config() -> PipelineConfig:
    from schemas.market import load_config

    return load_config(os.environ.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG)


def _run_key() -> str:
    """The run's date (logical date, or the trigger time for runs without one)."""
    context = get_current_context()
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.strftime("%Y-%m-%d")


def _catalog_conninfo(conn_id: str) -> str:
    """libpq connection string of an Airflow connection, built at run time only."""
    from airflow.sdk import Connection
    from psycopg.conninfo import make_conninfo

    conn = Connection.get(conn_id)
    return make_conninfo(
        host=conn.host or "",
        port=str(conn.port or 5432),
        user=conn.login or "",
        password=conn.password or "",
        dbname=conn.schema or "",
    )


def _each(mapped: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Results of a mapped task, read by index (iterating probes one past the end)."""
    for index in range(len(mapped)):
        yield mapped[index]


@dag(
    dag_id="localize_catalog",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["grenzenlos", "feeds"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={
        "markets": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Markets",
            description="Market codes to run (DE, AT, ...); empty runs every configured market.",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Build and check all feeds but publish nothing.",
        ),
    },
)
def localize_catalog() -> None:
    @task
    def extract() -> dict[str, Any]:
        from transforms.pipeline import read_catalog, stage_catalog

        config = _config()
        conninfo = (
            _catalog_conninfo(config.catalog.postgres_conn_id)
            if config.catalog.format == "postgres"
            else None
        )
        run_dir = ObjectStoragePath(config.storage.staging_url) / _run_key()
        return stage_catalog(read_catalog(config.catalog, conninfo=conninfo), run_dir)

    @task
    def select_markets() -> list[str]:
        config = _config()
        params = get_current_context()["params"]
        wanted = [code.strip().upper() for code in params.get("markets") or [] if code.strip()]
        for code in wanted:
            config.market(code)  # raises ConfigError naming the configured markets
        return wanted or sorted(config.markets)

    @task(max_active_tis_per_dagrun=2)
    def localize_market(market: str, staged: dict[str, Any]) -> dict[str, Any]:
        from transforms.pipeline import build_market_feeds

        config = _config()
        market_dir = ObjectStoragePath(config.storage.staging_url) / _run_key() / market
        return build_market_feeds(
            ObjectStoragePath(staged["snapshot"]), config.market(market), market_dir
        )

    @task(outlets=[FEEDS])
    def publish(built: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        from transforms.pipeline import publish_market

        if get_current_context()["params"].get("dry_run"):
            print("Dry run: nothing published.")
            return None
        config = _config()
        output = ObjectStoragePath(config.storage.output_url)
        outlet_events = get_current_context()["outlet_events"]
        published: list[dict[str, Any]] = []
        for result in _each(built):
            for feed in publish_market(result, output, ObjectStoragePath):
                published.append(feed)
                outlet_events[FEEDS].add(
                    Asset(
                        uri=feed["path"], name=f"grenzenlos_feed_{feed['market']}_{feed['channel']}"
                    ),
                    extra={"items": feed["items"], "sha256": feed["sha256"], "run": _run_key()},
                )
        return published

    @task
    def summary(
        staged: dict[str, Any], built: list[dict[str, Any]], published: list[dict[str, Any]] | None
    ) -> str:
        from transforms.pipeline import write_run_report

        config = _config()
        report_dir = ObjectStoragePath(config.storage.output_url) / "runs" / _run_key()
        text = write_run_report(
            _run_key(), staged, list(_each(built)), published, report_dir, ObjectStoragePath
        )
        print(text)
        return str(report_dir / "summary.txt")

    staged = extract()
    built = localize_market.partial(staged=staged).expand(market=select_markets())
    summary(staged, built, publish(built))


localize_catalog()
