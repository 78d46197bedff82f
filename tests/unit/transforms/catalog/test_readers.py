"""Catalog readers: what they read, and how each bad row is reported without stopping."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from schemas.product import ANY_LOCALE, Money, Product, Quantity, product_from_json, product_to_json
from tests.conftest import CASES, SAMPLE_CATALOG
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.native import read_jsonl, read_native_csv

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding

BAD = CASES / "catalog"


def split(items: object) -> tuple[list[Product], list[Finding]]:
    products, findings = [], []
    for item in items:  # type: ignore[attr-defined]
        (products if isinstance(item, Product) else findings).append(item)
    return products, findings


def by_sku_title(products: list[Product], sku: str) -> str:
    return next(p.title[ANY_LOCALE] for p in products if p.sku == sku)


# --- Akeneo export -------------------------------------------------------------------------


def test_sample_catalog_reads_with_its_dirty_rows_reported() -> None:
    products, findings = split(
        read_akeneo(
            SAMPLE_CATALOG / "products.csv",
            product_models=SAMPLE_CATALOG / "product_models.csv",
            asset_base_url="https://cdn.example/",
        )
    )
    with (SAMPLE_CATALOG / "products.csv").open(newline="", encoding="utf-8") as stream:
        data_rows = sum(1 for _ in stream) - 1
    rejected = [f for f in findings if f.severity == "error"]
    assert len(products) + len(rejected) == data_rows
    assert 50 <= len(products) <= 100
    assert {(f.rule, f.row) for f in rejected} == {("missing_sku", 73), ("wrong_field_count", 74)}
    by_sku = {p.sku: p for p in products}
    assert {(f.sku, f.rule) for f in findings if f.severity == "warning"} == {
        ("GZ-HEA-0027", "not_a_number"),
        ("GZ-LAM-0040", "unknown_unit"),
        ("GZ-LAM-0041", "invisible_characters_removed"),  # a BEL character in its title
        ("GZ-OIL-0062", "negative_price"),
    }
    assert "\x07" not in by_sku_title(products, "GZ-LAM-0041")
    bottle = by_sku["GZ-BOT-0001"]
    assert set(bottle.description) == {"en_US", "de_DE", "fr_FR"}
    assert "<b>Edelstahl</b>" in bottle.description["de_DE"]
    assert bottle.bullet_points["de_DE"] == ["24 Stunden kalt", "Deckel spülmaschinenfest"]
    assert bottle.image_links[0] == "https://cdn.example/files/bottles/0001-front.jpg"
    assert bottle.weight == Quantity(Decimal("430"), "g")
    # A variant inherits what it leaves empty from its product model.
    assert by_sku["GZ-BAC-0013"].brand == "Bergfink"
    assert by_sku["GZ-BAC-0013"].attributes["material"] == "recycled polyester"
    assert by_sku["GZ-LAM-0037"].length == Quantity(Decimal("14"), "in")
    assert by_sku["GZ-TEA-0050"].enabled is False


@pytest.mark.parametrize(
    ("case", "sku", "field", "rule", "severity"),
    [
        ("akeneo_row_with_too_few_fields.csv", "A-2", "(row)", "wrong_field_count", "error"),
        ("akeneo_row_without_sku.csv", None, "sku", "missing_sku", "error"),
        ("akeneo_price_not_a_number.csv", "A-3", "price-EUR", "not_a_number", "warning"),
        ("akeneo_weight_unit_unknown.csv", "A-4", "weight", "unknown_unit", "warning"),
        ("akeneo_enabled_not_boolean.csv", "A-5", "enabled", "not_a_boolean", "warning"),
    ],
)
def test_bad_akeneo_rows_are_reported(
    case: str, sku: str | None, field: str, rule: str, severity: str
) -> None:
    products, findings = split(read_akeneo(BAD / case))
    assert [(f.sku, f.field, f.rule, f.severity) for f in findings] == [
        (sku, field, rule, severity)
    ]
    assert findings[0].row is not None
    assert findings[0].message
    if severity == "warning":  # the product goes on without the bad value
        assert [p.sku for p in products] == [sku]


def test_akeneo_unescapes_line_breaks_and_keeps_html(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "sku;name;description-de_DE-print;description-de_DE-ecommerce;price-EUR;weight;weight-unit\n"
        "X1;Model X;<b>Druck</b>\\nZeile 2;<b>Shop</b>\\nZeile 2;1299;1,5;KILOGRAM\n",
        encoding="utf-8",
    )
    [product] = read_akeneo(path, description_scopes=("ecommerce", "print"))
    assert isinstance(product, Product)
    assert product.description["de_DE"] == "<b>Shop</b>\nZeile 2"
    assert product.title[ANY_LOCALE] == "Model X"
    assert product.prices["EUR"] == Money(Decimal("1299"), "EUR")
    # 1,5 kg is one and a half kilograms, not fifteen.
    assert product.weight == Quantity(Decimal("1.5"), "kg")


@pytest.mark.shared_data
def test_real_akeneo_export_reads_completely(shared_data: Path) -> None:
    products, findings = split(
        read_akeneo(shared_data / "products.csv", product_models=shared_data / "product_models.csv")
    )
    with (shared_data / "products.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream, delimiter=";"))
    assert len(rows) == 1239
    rejected = {f.row for f in findings if f.severity == "error"}
    assert len(products) + len(rejected) == len(rows)
    # Independent recount: products with a German description in any scope.
    german = {
        r["sku"] for r in rows if r["description-de_DE-print"] or r["description-de_DE-ecommerce"]
    }
    assert german <= {p.sku for p in products if "de_DE" in p.description}
    # Images without an asset base URL are reported, not invented.
    with_image = sum(1 for r in rows if r["image"] or r["picture"])
    assert sum(1 for f in findings if f.rule == "relative_image_link") >= with_image


# --- the project's own CSV and JSON Lines -------------------------------------------------------


def test_native_csv_reads_localized_columns(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "sku,brand,gtin,title,title_de_DE,description_fr_FR,bullet_points_de_DE,price_EUR,price_chf,"
        "weight,image_links,categories,attr_color\n"
        'K-1,Kaffeeland,4006381333931,Mill,Mühle,<p>Moulin</p>,"Leise\nRobust",49.90,52.00,'
        '"0,8 kg",https://a.example/1.jpg https://a.example/2.jpg,kitchen|coffee,black\n',
        encoding="utf-8",
    )
    [product] = read_native_csv(path)
    assert isinstance(product, Product)
    assert product.title == {ANY_LOCALE: "Mill", "de_DE": "Mühle"}
    assert product.description == {"fr_FR": "<p>Moulin</p>"}
    assert product.bullet_points == {"de_DE": ["Leise", "Robust"]}
    assert product.prices == {
        "EUR": Money(Decimal("49.90"), "EUR"),
        "CHF": Money(Decimal("52.00"), "CHF"),
    }
    assert product.weight == Quantity(Decimal("0.8"), "kg")
    assert product.image_links == ["https://a.example/1.jpg", "https://a.example/2.jpg"]
    assert product.categories == ["kitchen", "coffee"]
    assert product.attributes == {"color": "black"}


@pytest.mark.parametrize(
    ("reader", "case", "expected"),
    [
        (
            read_native_csv,
            "native_row_with_too_few_fields.csv",
            [("N-2", "(row)", "wrong_field_count")],
        ),
        (read_native_csv, "native_weight_without_unit.csv", [("N-3", "weight", "not_a_quantity")]),
        (read_jsonl, "jsonl_line_cut_off.jsonl", [(None, "(row)", "invalid_json")]),
        (read_jsonl, "jsonl_currency_not_iso4217.jsonl", [("J-3", "prices", "unknown_currency")]),
        (
            read_jsonl,
            "jsonl_availability_unknown.jsonl",
            [("J-4", "availability", "unknown_availability")],
        ),
    ],
)
def test_bad_native_rows_are_reported(
    reader: object, case: str, expected: list[tuple[str | None, str, str]]
) -> None:
    _, findings = split(reader(BAD / case))  # type: ignore[operator]
    assert [(f.sku, f.field, f.rule) for f in findings] == expected


def test_jsonl_gtin_written_as_a_number_becomes_text() -> None:
    [product] = read_jsonl(BAD / "jsonl_gtin_as_number.jsonl")
    assert isinstance(product, Product)
    assert product.gtin == "4006381333931"


def test_jsonl_round_trips_the_snapshot_form(tmp_path: Path) -> None:
    original = Product(
        sku="R-1",
        gtin="4006381333931",
        brand="B",
        title={"de_DE": "Titel"},
        description={"de_DE": "<p>Text</p>"},
        prices={"EUR": Money(Decimal("10.10"), "EUR")},
        weight=Quantity(Decimal("0.25"), "kg"),
        availability="preorder",
        tax_class="reduced",
    )
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(product_to_json(original)) + "\n", encoding="utf-8")
    [read] = read_jsonl(path)
    assert read == original == product_from_json(product_to_json(original))
