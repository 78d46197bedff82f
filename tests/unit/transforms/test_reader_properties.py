"""Property tests: whatever bytes or text a merchant's file holds, every reader goes on,
and every row is accounted for (read, or rejected with a finding)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.characters import remove_invisible
from schemas.product import Product
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.files import CatalogFileError
from transforms.catalog.native import read_jsonl, read_native_csv
from transforms.catalog.values import HOLDING_RULES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from schemas.findings import Finding

SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
"""The number of examples is the profile's (tests/conftest.py)."""
BAD_BYTES = st.sampled_from([b"\xff", b"\xc3", b"\xe4", b"\xed\xa0\x80", b"\x80\x80", b"\xf0\x9f"])
MARK = "\ue000BAD\ue000"
"""Placeholder a generated cell carries where undecodable bytes go in (private use area)."""
text = st.text(st.characters(blacklist_characters=MARK[0], codec="utf-8"), max_size=40)
json_text = st.text(st.characters(blacklist_characters=MARK[0]), max_size=40)
"""JSON escapes can carry lone surrogates (``"\\ud800"``), which no UTF-8 file can."""
NATIVE_COLUMNS = ["sku", "brand", "title", "description_en_US", "price_EUR", "weight", "attr_x"]
AKENEO_COLUMNS = [
    "sku",
    "brand",
    "name",
    "description-en_US-ecommerce",
    "price-EUR",
    "weight",
    "weight-unit",
]


def rows(width: int) -> st.SearchStrategy[list[list[str]]]:
    cell = st.one_of(text, text.map(lambda t: t[:3] + MARK + t[3:]), st.sampled_from(["1,250"]))
    return st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8)


def to_file(
    tmp: Path, header: list[str], data: list[list[str]], delimiter: str, bad: bytes
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(data)
    path = tmp / "catalog.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8").replace(MARK.encode(), bad))
    return path


def data_rows(data: list[list[str]]) -> int:
    """Rows a reader must account for: a row with only one empty cell is a blank line."""
    return sum(1 for row in data if row != [""])


def account(items: Iterable[Product | Finding]) -> tuple[int, int]:
    """Products read, and distinct rows rejected with an error finding."""
    products, rejected = 0, set()
    for item in items:
        if isinstance(item, Product):
            products += 1
            for texts in (item.title, item.description):
                assert all(remove_invisible(t)[1] == 0 for t in texts.values())
            assert remove_invisible(item.sku)[1] == 0
            assert remove_invisible(item.brand or "")[1] == 0
        elif item.severity == "error" and item.rule not in HOLDING_RULES:
            assert item.message and item.row is not None
            rejected.add(item.row)
    return products, len(rejected)


def check_csv_reader(
    tmp: Path,
    reader: Callable[[Path], Iterable[Product | Finding]],
    header: list[str],
    delimiter: str,
    data: list[list[str]],
    bad: bytes,
) -> None:
    path = to_file(tmp, header, data, delimiter, bad)
    products, rejected = account(reader(path))
    assert products + rejected == data_rows(data)


@SETTINGS
@given(data=rows(len(NATIVE_COLUMNS)), bad=BAD_BYTES)
def test_native_csv_accounts_for_every_row(tmp_path: Path, data: Any, bad: bytes) -> None:
    check_csv_reader(tmp_path, read_native_csv, NATIVE_COLUMNS, ",", data, bad)


@SETTINGS
@given(data=rows(len(AKENEO_COLUMNS)), bad=BAD_BYTES)
def test_akeneo_csv_accounts_for_every_row(tmp_path: Path, data: Any, bad: bytes) -> None:
    check_csv_reader(tmp_path, read_akeneo, AKENEO_COLUMNS, ";", data, bad)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | json_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
product_like = st.fixed_dictionaries(
    {"sku": st.one_of(json_text, st.integers(), st.none())},
    optional={
        "title": st.dictionaries(st.sampled_from(["en_US", "de_DE", "*"]), json_text, max_size=2)
        | json_value,
        "description": st.dictionaries(st.sampled_from(["en_US", "de_DE"]), json_text, max_size=2),
        "prices": st.dictionaries(
            st.sampled_from(["EUR", "USD", "eur", "EURO"]), json_text | json_value
        ),
        "bullet_points": json_value,
        "categories": json_value,
        "weight": json_value,
        "attributes": json_value,
    },
)


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(product_like.map(json.dumps), json_value.map(json.dumps), text),
        min_size=1,
        max_size=8,
    ),
    bad=BAD_BYTES,
    corrupt=st.lists(st.integers(min_value=0, max_value=7), max_size=2),
)
def test_jsonl_accounts_for_every_line(
    tmp_path: Path, lines: list[str], bad: bytes, corrupt: list[int]
) -> None:
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    encoded = [line.encode("utf-8", "surrogatepass") for line in lines]
    for index in corrupt:
        if index < len(encoded):
            encoded[index] += bad
    path = tmp_path / "catalog.jsonl"
    path.write_bytes(b"\n".join(encoded) + b"\n")
    products, rejected = account(read_jsonl(path))
    assert products + rejected == sum(1 for raw in encoded if raw.strip())


@SETTINGS
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_a_reader(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "catalog.bin"
    path.write_bytes(raw)
    for reader in (read_native_csv, read_akeneo, read_jsonl):
        refused = None
        try:
            account(reader(path))
        except CatalogFileError as error:  # a header the format cannot have: named, at once
            refused = str(error)
        assert refused is None or path.name in refused
