"""Shopware's "Default properties" export (``[catalog] attribute_options_path``): the
names of the property options that a product export names by id only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.characters import remove_invisible
from transforms.catalog.files import (
    CatalogFileError,
    csv_records,
    side_file_problem,
)
from transforms.catalog.shopware.columns import DELIMITER, read_header

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from schemas.findings import Finding


def read_property_options(
    path: Path, encoding: str = "utf-8"
) -> tuple[dict[str, tuple[str, str]], list[Finding]]:
    """Load Shopware's "Default properties" export as ``{option id: (group name, option
    name)}``, and warnings about rows that cannot be used (their options stay ids).

    Raises:
        CatalogFileError: when the file is empty or has no ``id`` or no group name column.
    """
    header = read_header(path, encoding)
    if "group_name" not in header and "group.translations.DEFAULT.name" not in header:
        raise CatalogFileError(
            f"{path.name} ([catalog] attribute_options_path) is not Shopware's 'Default "
            f"properties' export: no group_name column in its header {header[:12]}"
        )
    options: dict[str, tuple[str, str]] = {}
    problems: list[Finding] = []
    for record in csv_records(path, delimiter=DELIMITER, encoding=encoding, sku_column="id"):
        if not isinstance(record, tuple):
            problems.append(side_file_problem(record, path, "its options stay ids in the products"))
            continue
        row = record[1]
        group = row.get("group_name") or row.get("group.translations.DEFAULT.name") or ""
        name = row.get("name") or row.get("translations.DEFAULT.name") or ""
        options[row["id"].strip()] = (
            remove_invisible(group.strip())[0],
            remove_invisible(name.strip())[0],
        )
    return options, problems


def named_options(ids: str, options: Mapping[str, tuple[str, str]]) -> dict[str, list[str]]:
    """Option ids (``a|b``) as {group name: option names}, ids not in ``options`` left out."""
    named: dict[str, list[str]] = {}
    for option_id in ids.split("|"):
        known = options.get(option_id.strip())
        if known is not None and known[0] and known[1]:
            named.setdefault(known[0], []).append(known[1])
    return named
