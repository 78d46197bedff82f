"""Sale prices from the project's own CSV and JSON Lines and from Akeneo's CSV export:
``sale_price_<CUR>`` (Akeneo ``sale_price-<CUR>``) with ``sale_price_start`` and
``sale_price_end``; a sale that is none, or of unknown period, is dropped with a warning."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from schemas.product import Product, SalePrice
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.native import read_jsonl, read_native_csv

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from schemas.findings import Finding


def split(items: Iterable[Product | Finding]) -> tuple[dict[str, Product], list[Finding]]:
    products: dict[str, Product] = {}
    findings: list[Finding] = []
    for item in items:
        if isinstance(item, Product):
            products[item.sku] = item
        else:
            findings.append(item)
    return products, findings


def test_native_csv_reads_a_sale_per_currency_with_its_period(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "sku,title,price_EUR,price_CHF,sale_price_EUR,sale_price_CHF,sale_price_start,"
        "sale_price_end\n"
        "A,Bottle,24.90,23.40,19.90,18.90,2026-11-27,2026-11-30T20:00:00+01:00\n"
        "B,Bottle,24.90,,,,,\n"
        "C,Bottle,24.90,,24.90,,,\n"
        "D,Bottle,24.90,,19.90,,27.11.2026,\n"
        "E,Bottle,24.90,,19.90,,2026-11-30,2026-11-27\n",
        encoding="utf-8",
    )
    products, findings = split(read_native_csv(path))
    assert products["A"].sale_prices == {
        "EUR": SalePrice(Decimal("19.90"), "EUR", "2026-11-27", "2026-11-30T20:00:00+01:00"),
        "CHF": SalePrice(Decimal("18.90"), "CHF", "2026-11-27", "2026-11-30T20:00:00+01:00"),
    }
    assert "sale_price_start" not in products["A"].attributes
    assert products["B"].sale_prices == {}
    for sku in "CDE":  # not lower, a date in no ISO form, ending before it starts
        assert products[sku].sale_prices == {}, sku
        assert products[sku].prices["EUR"].amount == Decimal("24.90")
    rules = {(f.sku, f.field, f.rule) for f in findings}
    assert rules == {
        ("C", "sale_price_EUR", "sale_price_not_lower"),
        ("D", "sale_price_start", "not_a_date"),
        ("E", "sale_price_end", "sale_period_invalid"),
    }


def test_native_jsonl_reads_the_snapshots_sale_prices(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl"
    line = {
        "sku": "A",
        "title": {"*": "Bottle"},
        "prices": {"EUR": "24.90"},
        "sale_prices": {"EUR": {"amount": "19.90", "start": "2026-11-27", "end": None}},
    }
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    products, findings = split(read_jsonl(path))
    assert products["A"].sale_prices == {"EUR": SalePrice(Decimal("19.90"), "EUR", "2026-11-27")}
    assert findings == []


def test_akeneo_reads_a_sale_price_collection_and_its_dates(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "sku;name;price-EUR;sale_price-EUR;sale_price-USD;sale_price_start;sale_price_end\n"
        "A;Bottle;24.90;19.90;21.00;2026-11-27;\n"
        "B;Bottle;24.90;;;;\n",
        encoding="utf-8",
    )
    products, findings = split(read_akeneo(path))
    assert products["A"].sale_prices == {
        "EUR": SalePrice(Decimal("19.90"), "EUR", "2026-11-27"),
        "USD": SalePrice(Decimal("21.00"), "USD", "2026-11-27"),  # no USD price to compare
    }
    assert not any(key.startswith("sale_price") for key in products["A"].attributes)
    assert products["B"].sale_prices == {}
    assert findings == []


def _api_product(sku: str, sale: str, start: str | None) -> dict[str, object]:
    def value(data: object) -> list[dict[str, object]]:
        return [{"locale": None, "scope": None, "data": data}]

    values: dict[str, object] = {
        "sku": value(sku),
        "name": value("Trinkflasche"),
        "price": value([{"amount": "24.90", "currency": "EUR"}]),
        "sale_price": value([{"amount": sale, "currency": "EUR"}]),
        "sale_price_end": value("2026-12-24T00:00:00+00:00"),
    }
    if start is not None:
        values["sale_price_start"] = value(start)
    return {
        "uuid": f"00000000-0000-4000-8000-0000000000{sku[-2:]}",
        "enabled": True,
        "family": "loudspeakers",
        "categories": [],
        "groups": [],
        "parent": None,
        "values": values,
    }


def test_the_akeneo_api_reads_the_sale_price_collection_with_its_dates() -> None:
    """Through the fake PIM held to Akeneo's API reference: a ``sale_price`` price
    collection with two date attributes, as the CSV export's ``sale_price-<CUR>``; a sale
    not below the price is dropped with its warning."""
    from schemas.config.catalog import CatalogSource
    from tests.akeneo_api_server import (
        CONN_ID,
        AkeneoApiServer,
        load_catalog,
    )
    from transforms.catalog.akeneo_api.reader import read_akeneo_api

    catalog = load_catalog()
    catalog["products"] = [
        _api_product("SALE-01", "19.90", "2026-12-01T00:00:00+00:00"),
        _api_product("SALE-02", "29.90", None),
    ]
    catalog["product_models"] = []
    catalog["attributes"] = [
        *catalog["attributes"],
        *(
            {"code": code, "type": kind, "group": "marketing", "localizable": False,
             "scopable": False, "unique": False}
            for code, kind in (
                ("sale_price", "pim_catalog_price_collection"),
                ("sale_price_start", "pim_catalog_date"),
                ("sale_price_end", "pim_catalog_date"),
            )
        ),
    ]  # fmt: skip
    source = CatalogSource(
        format="akeneo_api", currency="EUR", api_conn_id=CONN_ID, api_channel="ecommerce"
    )
    with AkeneoApiServer(catalog) as server:
        connection = server.connection()
        products, findings = split(read_akeneo_api(connection, source, sleep=lambda _: None))
    assert server.problems == []
    sale = products["SALE-01"].sale_prices["EUR"]
    assert sale == SalePrice(
        Decimal("19.90"), "EUR", "2026-12-01T00:00:00+00:00", "2026-12-24T00:00:00+00:00"
    )
    assert "sale_price-EUR" not in products["SALE-01"].attributes
    assert "sale_price_start" not in products["SALE-01"].attributes
    assert products["SALE-02"].sale_prices == {}
    assert [(f.sku, f.rule) for f in findings if f.sku == "SALE-02"] == [
        ("SALE-02", "sale_price_not_lower")
    ]
