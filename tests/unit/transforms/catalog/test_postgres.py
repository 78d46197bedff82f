"""The PostgreSQL reader against the real local server (database ``test``)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import psycopg
import pytest

from schemas.product import Money, Product, Quantity
from transforms.catalog.native import read_postgres

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres


@pytest.fixture
def catalog_table(postgres_conninfo: str) -> Iterator[str]:
    table = f"catalog_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(
            f"""create table {table} (
                sku text, brand text, gtin text, "title_de_DE" text, description_de_de text,
                price_eur numeric(12, 2), weight text, image_links text, availability text)"""
        )
        rows = [
            (
                f"PG-{n:05d}",
                "Olivera",
                "4006381333931",
                "Olivenöl",
                "<p>Kalt gepresst</p>",
                Decimal("11.90") + n,
                "500 g",
                "https://cdn.example/oil.jpg",
                "in_stock",
            )
            for n in range(2500)
        ]
        rows.append(
            ("PG-BAD", "Olivera", None, "Öl", None, Decimal("1.00"), "viel", None, "sometimes")
        )
        rows.append((None, "Olivera", None, "Ohne SKU", None, None, None, None, None))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"insert into {table} values (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
            )
    yield table
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(f"drop table {table}")


def test_reads_every_row_in_batches_and_reports_bad_ones(
    postgres_conninfo: str, catalog_table: str
) -> None:
    items = list(
        read_postgres(
            postgres_conninfo,
            f"select * from {catalog_table} order by sku nulls last",
            batch_size=500,
        )
    )
    products = [i for i in items if isinstance(i, Product)]
    findings = [i for i in items if not isinstance(i, Product)]
    assert len(products) == 2501
    first = products[0]
    assert first.sku == "PG-00000"
    assert first.title == {"de_DE": "Olivenöl"}
    assert first.description == {"de_DE": "<p>Kalt gepresst</p>"}
    assert first.prices == {"EUR": Money(Decimal("11.90"), "EUR")}
    assert first.weight == Quantity(Decimal("500"), "g")
    assert [(f.sku, f.field, f.rule) for f in findings] == [
        ("PG-BAD", "availability", "unknown_availability"),
        ("PG-BAD", "weight", "not_a_quantity"),
        (None, "sku", "missing_sku"),
    ]
    assert [f.row for f in findings] == [2501, 2501, 2502]
