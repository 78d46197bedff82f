"""The catalog rules, run with Great Expectations on case files named for what is wrong."""

from __future__ import annotations

import csv
import functools
import io
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.catalog_rules import catalog_rules
from schemas.findings import write_findings_jsonl
from schemas.gtin import gs1_check_digit
from schemas.product import Product, Quantity
from tests.conftest import CASES, SAMPLE_CATALOG
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.native import read_jsonl
from transforms.validation.run import CatalogValidation, validate_catalog
from transforms.validation.tables import _check_digits

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

CASE_FILES = sorted((CASES / "validation").glob("*.jsonl"))
SEVERITY = {rule.rule: rule.severity for rule in catalog_rules()}


def _products() -> list[Product]:
    products = []
    for path in CASE_FILES:
        for item in read_jsonl(path):
            assert isinstance(item, Product), f"{path.name}: {item}"
            products.append(item)
    # What no reader lets through, but a future one might: a unit the pipeline cannot convert.
    products.append(
        Product(
            sku="unit_allowed__stone",
            gtin="4006381333931",
            brand="Nordquell",
            title={"*": "Kettlebell"},
            description={"en_US": "<p>Cast iron kettlebell with a wide handle, powder coated.</p>"},
            prices={"EUR": products[0].prices["EUR"]},
            image_links=["https://cdn.example/k.jpg"],
            weight=Quantity(Decimal("2"), "stone"),
        )
    )
    return products


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[CatalogValidation, Path]:
    docs = tmp_path_factory.mktemp("data_docs")
    return validate_catalog(
        _products(), source_locale="en_US", docs_dir=docs, run_name="cases"
    ), docs


def test_every_rule_has_a_case() -> None:
    named = {path.name.split("__")[0] for path in CASE_FILES} | {"unit_allowed"}
    assert {rule.rule for rule in catalog_rules()} - named == {
        "sku_present"
    }  # readers refuse it first


@pytest.mark.parametrize("case", [p.stem for p in CASE_FILES] + ["unit_allowed__stone"])
def test_case_breaks_exactly_its_rule(outcome: tuple[CatalogValidation, Path], case: str) -> None:
    result, _ = outcome
    expected_rule = case.split("__")[0]
    found = {(f.rule, f.severity) for f in result.findings if f.sku == case}
    if expected_rule == "clean":
        assert found == set()
        assert case not in result.quarantined
        return
    assert found == {(expected_rule, SEVERITY[expected_rule])}
    if SEVERITY[expected_rule] == "error":
        assert result.quarantined[case] == [expected_rule]
    else:
        assert case not in result.quarantined


def test_findings_carry_the_offending_value(outcome: tuple[CatalogValidation, Path]) -> None:
    result, _ = outcome
    by_case = {(f.sku, f.rule): f for f in result.findings}
    wrong_digit = by_case[("gtin_check_digit__last_digit_off_by_one", "gtin_check_digit")]
    assert wrong_digit.value == "4006381333932"
    assert wrong_digit.message == "the GTIN's check digit is 2, GS1 computes 1"
    assert by_case[("currency_iso4217__made_up_currency", "currency_iso4217")].value == "XYZ"
    assert by_case[("price_positive__zero_price", "price_positive")].value == "0.00"
    assert (
        by_case[("image_link_absolute__relative_path", "image_link_absolute")].value
        == "files/p/1.jpg"
    )
    assert by_case[("description_short__one_line_description", "description_short")].value == "21"
    zero = by_case[("quantity_positive__zero_weight", "quantity_positive")]
    assert (zero.field, zero.value) == ("weight", "0")
    assert all(f.stage == "validate" and f.message for f in result.findings)


def test_duplicate_sku_is_reported_for_both_rows(outcome: tuple[CatalogValidation, Path]) -> None:
    result, _ = outcome
    assert sum(1 for f in result.findings if f.rule == "sku_unique") == 2


def test_data_docs_are_built(outcome: tuple[CatalogValidation, Path]) -> None:
    _, docs = outcome
    assert (docs / "index.html").exists()
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 4  # one validation page per table
    assert "gtin_check_digit" in (docs / "expectations" / "catalog_products.html").read_text(
        encoding="utf-8"
    )


def test_duplicate_sku_in_two_batches_is_found(tmp_path: Path) -> None:
    products = _products()
    twins = [p for p in products if p.sku == "sku_unique__same_sku_twice"]
    others = [p for p in products if p.sku != "sku_unique__same_sku_twice"]
    # One twin first, the other last: batches of 4 put them two batches apart.
    catalog = [twins[0], *others[:10], twins[1]]
    result = validate_catalog(
        catalog, source_locale="en_US", batch_size=4, docs_dir=tmp_path, run_name="twins"
    )
    unique = [f for f in result.findings if f.rule == "sku_unique"]
    assert [(f.sku, f.value) for f in unique] == [("sku_unique__same_sku_twice",) * 2] * 2
    assert result.quarantined["sku_unique__same_sku_twice"] == ["sku_unique"]
    assert result.products == 12
    # The Data Docs show the catalog-wide verdict, not one batch's.
    page = next((tmp_path / "validations" / "catalog_products").rglob("*.html"))
    assert "sku_unique__same_sku_twice" in page.read_text(encoding="utf-8")


def _sample_catalog() -> list[Product]:
    return [
        item
        for item in read_akeneo(
            SAMPLE_CATALOG / "products.csv",
            product_models=SAMPLE_CATALOG / "product_models.csv",
            asset_base_url="https://assets.example/",
        )
        if isinstance(item, Product)
    ]


@functools.cache
def _sample_failures() -> tuple[list[Product], set[str]]:
    """A part of the sample catalog that breaks every rule the whole sample breaks, and the
    rules it breaks: per rule the first three products that break it (the sample has one
    a rule), each followed by the product after it (a clean one), in catalog order. Small
    batches over the whole sample cost a GX run each (24 s); this part still spans batches."""
    products = _sample_catalog()
    whole = validate_catalog(products, source_locale="en_US")
    failing: dict[str, list[str]] = {}
    for finding in whole.findings:
        skus = failing.setdefault(finding.rule, [])
        if finding.sku is not None and finding.sku not in skus and len(skus) < 3:
            skus.append(finding.sku)
    picked = {sku for skus in failing.values() for sku in skus}
    kept: set[int] = set()
    for index, product in enumerate(products):
        if product.sku in picked:
            kept.update({index, min(index + 1, len(products) - 1)})
    return [products[i] for i in sorted(kept)], set(failing)


def _sample_part() -> list[Product]:
    part, _ = _sample_failures()
    return list(part)


@pytest.mark.parametrize("catalog", [_sample_part, _products], ids=["sample", "cases"])
def test_findings_do_not_depend_on_the_batch_size(catalog: Callable[[], list[Product]]) -> None:
    products = catalog()
    small = validate_catalog(products, source_locale="en_US", batch_size=3)
    large = validate_catalog(products, source_locale="en_US", batch_size=10_000)
    assert small.findings == large.findings
    assert small.findings  # the comparison says something
    if catalog is _sample_part:  # the part breaks what the whole sample breaks
        assert {f.rule for f in small.findings} == _sample_failures()[1]
        assert len(products) > 3  # more than one batch
    assert small.quarantined == large.quarantined
    assert (small.products, small.expectations, small.failed_expectations, small.warnings) == (
        large.products,
        large.expectations,
        large.failed_expectations,
        large.warnings,
    )


def test_findings_can_go_to_a_stream(outcome: tuple[CatalogValidation, Path]) -> None:
    listed, _ = outcome
    stream = io.StringIO()
    streamed = validate_catalog(
        _products(), source_locale="en_US", batch_size=4, findings_to=stream
    )
    expected = io.StringIO()
    write_findings_jsonl(listed.findings, expected)
    assert stream.getvalue() == expected.getvalue()
    assert streamed.findings == []
    assert streamed.warnings == sum(1 for f in listed.findings if f.severity == "warning")
    assert streamed.quarantined == listed.quarantined


def test_an_empty_catalog_is_validated(tmp_path: Path) -> None:
    result = validate_catalog([], source_locale="en_US", docs_dir=tmp_path)
    assert (result.products, result.findings, result.quarantined) == (0, [], {})
    assert result.expectations == len(catalog_rules())
    assert (tmp_path / "index.html").exists()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=7, max_size=13), min_size=1, max_size=20))
def test_vectorized_check_digit_agrees_with_the_scalar_one(bodies: list[str]) -> None:
    codes = [body + str(gs1_check_digit(body)) for body in bodies]
    codes = [c for c in codes if len(c) in (8, 12, 13, 14)] + ["123", None]
    stated, computed = _check_digits(pd.Series(codes, dtype="object"))
    for code, s, c in zip(codes, stated, computed, strict=True):
        if code is None or len(code) not in (8, 12, 13, 14):
            assert pd.isna(s) and pd.isna(c)
        else:
            assert (int(s), int(c)) == (int(code[-1]), gs1_check_digit(code[:-1]))


@pytest.mark.shared_data
def test_real_akeneo_export_findings_match_an_independent_recount(shared_data: Path) -> None:
    products = [
        p
        for p in read_akeneo(
            shared_data / "products.csv",
            product_models=shared_data / "product_models.csv",
            asset_base_url="https://assets.example/",
        )
        if isinstance(p, Product)
    ]
    result = validate_catalog(products, source_locale="en_US")

    # Recount from the raw file with the csv module and GS1 arithmetic, not with the pipeline.
    with (shared_data / "products.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream, delimiter=";"))
    with (shared_data / "product_models.csv").open(newline="", encoding="utf-8") as stream:
        models = {m["code"]: m for m in csv.DictReader(stream, delimiter=";")}

    def inherited(row: dict[str, str], column: str) -> str:
        value, parent = row.get(column, ""), row.get("parent", "")
        while not value and parent in models:
            value, parent = models[parent].get(column, ""), models[parent].get("parent", "")
        return value

    def gs1_valid(code: str) -> bool:
        digits = [int(d) for d in code]
        body = digits[:-1][::-1]
        total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
        return (10 - total % 10) % 10 == digits[-1]

    bad_check_digit = {
        r["sku"]
        for r in rows
        if r["ean"].isdigit() and len(r["ean"]) in (8, 12, 13, 14) and not gs1_valid(r["ean"])
    }
    no_price = {
        r["sku"]
        for r in rows
        if not any(
            inherited(r, c) and Decimal(inherited(r, c)) > 0 for c in ("price-EUR", "price-USD")
        )
    }
    found_check_digit = {f.sku for f in result.findings if f.rule == "gtin_check_digit"}
    found_no_price = {f.sku for f in result.findings if f.rule == "price_present"}
    assert found_check_digit == bad_check_digit
    assert found_no_price == no_price
    assert len(bad_check_digit) > 100 and len(no_price) > 1000  # the export is dirty, as documented
    assert "1111111171" in found_check_digit  # EAN 1234567890183: GS1 computes 0, not 3


@pytest.mark.parametrize("catalog", [_sample_part, _products], ids=["sample", "cases"])
def test_a_catalog_validated_in_parts_finds_what_it_finds_whole(
    catalog: Callable[[], list[Product]], tmp_path: Path
) -> None:
    """Shards validated each on their own (as the DAG's validate_shard tasks do), then
    combined: the same findings, in the same order, and the same counts; the sku
    duplicate of the cases is split across parts and still found."""
    from transforms.validation.run import combine_catalog_parts, validate_catalog_part

    products = catalog()
    twins = [i for i, p in enumerate(products) if p.sku == "sku_unique__same_sku_twice"]
    if twins:  # the second twin last, in another part than the first
        products.append(products.pop(twins[1]))
    whole = validate_catalog(products, source_locale="en_US")
    parts = []
    size = -(-len(products) // 3)  # three parts
    for index, start in enumerate(range(0, len(products), size)):
        part = tmp_path / f"part-{index}.sqlite"
        read = validate_catalog_part(
            products[start : start + size], part, source_locale="en_US", batch_size=4
        )
        assert read == len(products[start : start + size])
        parts.append(part)
    combined = combine_catalog_parts(
        parts, source_locale="en_US", docs_dir=tmp_path / "docs", run_name="parts"
    )
    assert combined.findings == whole.findings
    assert combined.findings  # the comparison says something
    assert combined.quarantined == whole.quarantined
    assert (combined.products, combined.expectations, combined.failed_expectations) == (
        whole.products,
        whole.expectations,
        whole.failed_expectations,
    )
    assert combined.warnings == whole.warnings
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 4
    assert len(parts) == 3
    if twins:
        assert [f.sku for f in combined.findings if f.rule == "sku_unique"] == [
            "sku_unique__same_sku_twice"
        ] * 2
