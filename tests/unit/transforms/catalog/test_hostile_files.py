"""Catalog files as merchants really produce them: one case file per hostile class in
``tests/cases/catalog/`` (BOM, bad bytes, wrong delimiter, ragged rows, NUL, bidi
controls, markup, ambiguous numbers), each beside a ``.expected.json`` naming the
products that must be read and the findings that must be reported."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from schemas.product import ANY_LOCALE, Product
from tests.conftest import CASES
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.files import CatalogFileError
from transforms.catalog.native import read_jsonl, read_native_csv

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from schemas.findings import Finding

BAD = CASES / "catalog"
EXPECTED = sorted(BAD.glob("*.expected.json"))
READERS = {"akeneo": read_akeneo, "csv": read_native_csv, "jsonl": read_jsonl}


def case_file(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected.json")
    return next(p for p in BAD.glob(f"{stem}.*") if not p.name.endswith(".expected.json"))


def read(expected: dict[str, Any], path: Path) -> Iterator[Product | Finding]:
    reader: Any = READERS[expected["reader"]]
    return reader(path, **expected.get("options", {}))


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_hostile_catalog_file(expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    path = case_file(expected_file)
    if "error" in expected:
        with pytest.raises(CatalogFileError) as raised:
            list(read(expected, path))
        for part in expected["error"]:
            assert part in str(raised.value)
        return
    items = list(read(expected, path))
    products = {p.sku: p for p in items if isinstance(p, Product)}
    findings = [f for f in items if not isinstance(f, Product)]
    assert sorted(products) == expected["products"]
    assert sorted([f.sku, f.row, f.field, f.rule, f.severity] for f in findings) == sorted(
        expected["findings"], key=lambda f: [str(v) for v in f]
    )
    for sku, title in expected.get("titles", {}).items():
        texts = products[sku].title
        assert (texts.get("en_US") or texts.get(ANY_LOCALE)) == title
    for sku, amount in expected.get("prices", {}).items():
        assert str(products[sku].prices["EUR"].amount) == amount
    for finding in findings:  # every refusal explained in a sentence that names the row
        assert finding.message and finding.row is not None


def test_every_hostile_case_has_its_expectations() -> None:
    # A shop format's own folder (shopify/ ...) is checked by that reader's tests.
    cases = {
        p.name.split(".")[0] for p in BAD.iterdir() if p.is_file() and not p.name.endswith(".md")
    }
    assert cases == {p.name.split(".")[0] for p in EXPECTED} | {
        p.name.split(".")[0] for p in BAD.iterdir() if p.stem in _OLDER_CASES
    }


_OLDER_CASES = {
    "akeneo_enabled_not_boolean",
    "akeneo_price_not_a_number",
    "akeneo_row_with_too_few_fields",
    "akeneo_row_without_sku",
    "akeneo_weight_unit_unknown",
    "jsonl_availability_unknown",
    "jsonl_currency_not_iso4217",
    "jsonl_gtin_as_number",
    "jsonl_line_cut_off",
    "native_row_with_too_few_fields",
    "native_weight_without_unit",
}
"""Cases from before the hostile classes, checked in test_catalog_readers.py."""


def test_invalid_encoding_names_the_bytes_and_the_setting() -> None:
    items = list(read_native_csv(BAD / "native_bad_byte_mid_file.csv"))
    finding = next(f for f in items if not isinstance(f, Product))
    assert "\\xe4" in finding.message and "[catalog] encoding" in finding.message
    assert finding.value == "K\\xe4se"


def test_legacy_export_in_cp1252_is_misread_as_utf8_row_by_row_not_crashing() -> None:
    """Without the encoding setting, a cp1252 file's accented rows are reported, not fatal."""
    items = list(read_native_csv(BAD / "native_cp1252.csv"))
    assert [(f.rule, f.row) for f in items if not isinstance(f, Product)] == [
        ("invalid_encoding", 1)
    ]
