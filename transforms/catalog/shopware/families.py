"""Variants and their parents in a Shopware export: which ids are parents of variants in
the file (one fast pass over two cells), the parents written after a variant read ahead,
and a variant's row completed with what it inherits, block by block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from transforms.catalog.files import csv_cells
from transforms.catalog.shopware.columns import DELIMITER, Columns

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from schemas.findings import Finding


@dataclass(slots=True)
class Parent:
    """What a parent's variants need of it: its product number and inheritable values."""

    sku: str
    values: dict[str, str]
    clean: bool


def families(
    path: Path,
    encoding: str,
    columns: Columns,
    records: Callable[[], Iterator[tuple[int, dict[str, str], bool] | Finding]],
) -> tuple[dict[str, int], dict[str, Parent]]:
    """Which ids are parents of variants in the file, with their last variant's row
    number (counted as `csv_records` counts them); and the parents written after one of
    their variants, read ahead."""
    if "parent_id" not in columns.role or "id" not in columns.role:
        return {}, {}
    last_variant: dict[str, int] = {}
    late: set[str] = set()
    cells = (columns.role["parent_id"], columns.role["id"])
    for number, (parent_id, ident) in csv_cells(
        path, delimiter=DELIMITER, encoding=encoding, columns=cells
    ):
        if parent_id:
            last_variant[parent_id] = number
        elif ident in last_variant:
            late.add(ident)
    parents: dict[str, Parent] = {}
    if late:
        for record in records():
            if (
                isinstance(record, tuple)
                and (ident := record[1][columns.role["id"]].strip()) in late
            ):
                parents.setdefault(ident, parent_of(record[1], record[2], columns))
    return last_variant, parents


def parent_of(row: Mapping[str, str], clean: bool, columns: Columns) -> Parent:
    sku_column = columns.role.get("sku")
    return Parent(
        sku=row[sku_column].strip() if sku_column else "",
        values={c: v for c, v in row.items() if v and c in columns.block},
        clean=clean,
    )


def inherit(row: dict[str, str], inherited: Mapping[str, str], columns: Columns) -> dict[str, str]:
    """The variant's row with what it leaves empty taken from its parent; a block
    (price, tax, cover, manufacturer) the variant sets any part of is its own."""
    block = columns.block
    own = {block[c] for c, v in row.items() if v and c in block}
    if not own:  # the usual variant: its own cells are its identity, stock and options
        return {**row, **inherited}
    merged = dict(row)
    for column, value in inherited.items():
        if not row[column] and block[column] not in own:
            merged[column] = value
    return merged
