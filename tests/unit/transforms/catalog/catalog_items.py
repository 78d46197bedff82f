"""What the reader tests share: a reader's stream split into its products (by sku, each
read once) and its findings, and a case file's data rows as the csv module reads them."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from schemas.product import Product

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from schemas.findings import Finding


def by_sku(items: Iterable[Product | Finding]) -> tuple[dict[str, Product], list[Finding]]:
    """The products by sku (a sku read twice fails the test) and the findings, in order."""
    products: dict[str, Product] = {}
    findings: list[Finding] = []
    for item in items:
        if isinstance(item, Product):
            assert item.sku not in products, f"{item.sku} read twice"
            products[item.sku] = item
        else:
            findings.append(item)
    return products, findings


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """The file's data rows, by column name."""
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream, delimiter=delimiter))
