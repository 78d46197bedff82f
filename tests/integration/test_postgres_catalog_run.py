"""localize_catalog reading its catalog from PostgreSQL through an Airflow connection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import PRICING_TOML, ROOT, run_folder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
G = f"{{{G_NS}}}"


@pytest.fixture
def catalog_table(postgres_conninfo: str) -> Iterator[str]:
    table = f"shop_catalog_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(
            f"""create table {table} (sku text primary key, brand text, gtin text,
                title text, description_de_de text, price_eur numeric(10, 2), image_links text)"""
        )
        connection.execute(
            f"""insert into {table} values
            ('DB-1', 'Olivera', '4006381333931', 'Olivenöl 500 ml', '<p>Kalt gepresst.</p>', 11.90,
             'https://cdn.example/db-1.jpg'),
            ('DB-2', 'Olivera', null, 'Olivenöl 1 l', null, 19.90, 'https://cdn.example/db-2.jpg'),
            ('DB-3', 'Olivera', null, 'Olivenöl 5 l', '<p>Für die Gastronomie.</p>', 79.00,
             'https://cdn.example/db-3.jpg')"""
        )
    yield table
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(f"drop table {table}")


def test_catalog_from_postgres_connection(
    airflow_db: Path, catalog_table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "markets.toml"
    config.write_text(
        f"""
[catalog]
format = "postgres"
postgres_conn_id = "shop_db"
query = "select * from {catalog_table} order by sku"

[storage]
staging_url = "staging"
output_url = "output"

[channels.google]
required = ["title", "description", "image_link", "price", "brand"]

[validation]
source_locale = "de_DE"
{PRICING_TOML}
[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
channels = ["google"]
product_url = "https://shop.example/de/p/{{sku}}"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))
    monkeypatch.setenv("AIRFLOW_CONN_SHOP_DB", "postgresql://postgres@127.0.0.1:5432/test")
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(logical_date=datetime(2026, 11, 22, tzinfo=UTC))
    assert str(run.state) == "success"
    feed = etree.parse(str(tmp_path / "output" / "DE" / "google.xml"))
    items = feed.getroot().findall("channel/item")
    assert [i.findtext(f"{G}id") for i in items] == ["DB-1", "DB-3"]
    assert items[0].findtext(f"{G}price") == "11.90 EUR"
    assert items[1].findtext(f"{G}identifier_exists") == "no"
    report = run_folder(tmp_path / "output", "2026-11-22")
    summary = (report / "summary.txt").read_text(encoding="utf-8")
    assert "3 products read" in summary
    # DB-2 has no description: Google's completeness sets it aside, the gate does not
    assert "0 products quarantined" in summary
    assert "1 set aside (incomplete 1)" in summary
