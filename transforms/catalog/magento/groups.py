"""The first pass over a Magento export (`transforms.catalog.magento`): which configurable
each variant belongs to and where each configurable's last later variant is, read from
four cells a row with the csv module alone (the second pass, `reader`, checks the rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemas.findings import Finding
from transforms.catalog.files import csv_cells
from transforms.catalog.magento.cells import DELIMITER, parse_variations

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(slots=True)
class GroupPlan:
    """What the first pass learnt: each variant's configurable (by row number), and the
    row of each configurable's last variant that comes after it."""

    parent_of: dict[str, int] = field(default_factory=dict)
    last_row: dict[int, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def plan_groups(path: Path, encoding: str) -> GroupPlan:
    """First pass: which configurable each variant belongs to, and where each
    configurable's last later variant is."""
    plan = GroupPlan()
    cells = ("sku", "product_type", "configurable_variations", "store_view_code")
    for number, row in csv_cells(path, delimiter=DELIMITER, encoding=encoding, columns=cells):
        if row[3]:  # a store view's row
            continue
        sku = row[0]
        parent = plan.parent_of.get(sku)
        if parent is not None and parent < number:
            plan.last_row[parent] = max(plan.last_row[parent], number)
        if row[1] != "configurable":
            continue
        plan.last_row[number] = number
        for variant in parse_variations(row[2]):
            first = plan.parent_of.setdefault(variant, number)
            if first != number:
                plan.findings.append(
                    Finding(
                        stage="ingest",
                        severity="warning",
                        sku=variant,
                        field="configurable_variations",
                        rule="variant_in_two_groups",
                        message=f"{variant} is a variant of {sku} (row {number}) and of the "
                        f"configurable in row {first}: it is listed in the first only",
                        value=sku,
                        row=number,
                    )
                )
    return plan
