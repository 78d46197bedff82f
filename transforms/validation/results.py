"""GX's results turned into what the gate reports: a finding per unexpected row, and the
batches' results of one expectation merged into the result GX would give the whole table
(counts summed, percentages recomputed, partial lists cut as GX cuts them)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.findings import Finding, shorten
from transforms.validation.tables import INDEX_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from schemas.catalog_rules import CatalogRule


def judged(table: str, by_rule: Mapping[str, CatalogRule], outcome: Any) -> dict[str, Any]:
    """One expectation's verdict over the whole catalog, as plain JSON-ready values."""
    configuration = outcome.expectation_config
    rule = by_rule[configuration.meta["rule"]]
    result = outcome.result or {}
    return {
        "table": table,
        "rule": rule.rule,
        "expectation": configuration.type,
        "column": configuration.kwargs.get("column"),
        "severity": rule.severity,
        "success": bool(outcome.success),
        "checked": result.get("element_count"),
        "unexpected": result.get("unexpected_count"),
    }


PARTIAL = 20
"""Unexpected values a merged result keeps, as GX's partial lists do."""


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _counted(outcome: dict[str, Any], element: int, missing: int, unexpected: int) -> None:
    """Set GX's counts and the percentages it derives from them in a result dict."""
    present = set(outcome)
    values: dict[str, Any] = {
        "element_count": element,
        "missing_count": missing,
        "missing_percent": _percent(missing, element),
        "unexpected_count": unexpected,
        "unexpected_percent": _percent(unexpected, element - missing),
        "unexpected_percent_total": _percent(unexpected, element),
        "unexpected_percent_nonmissing": _percent(unexpected, element - missing),
    }
    outcome.update({k: v for k, v in values.items() if k in present})


def merged_outcome(outcomes: list[Any]) -> Any:
    """One expectation's batch results as one: counts summed, partial lists cut at 20."""
    from great_expectations.core import ExpectationValidationResult

    first = outcomes[0]
    merged: dict[str, Any] = dict(first.result)
    for key in ("partial_unexpected_list", "partial_unexpected_index_list"):
        if key in merged:
            merged[key] = [v for o in outcomes for v in o.result.get(key, ())][:PARTIAL]
    if "partial_unexpected_counts" in merged:
        counts: dict[Any, int] = defaultdict(int)
        for outcome in outcomes:
            for entry in outcome.result.get("partial_unexpected_counts", ()):
                value = entry["value"]
                counts[tuple(value) if isinstance(value, list) else value] += entry["count"]
        merged["partial_unexpected_counts"] = [
            {"value": value, "count": n}
            for value, n in sorted(counts.items(), key=lambda item: -item[1])[:PARTIAL]
        ]
    _counted(
        merged,
        sum(o.result.get("element_count", 0) for o in outcomes),
        sum(o.result.get("missing_count", 0) for o in outcomes),
        sum(o.result.get("unexpected_count", 0) for o in outcomes),
    )
    return ExpectationValidationResult(
        success=all(o.success for o in outcomes),
        expectation_config=first.expectation_config,
        result=merged,
        meta=first.meta,
        exception_info=first.exception_info,
    )


def uniqueness_result(
    configuration: Any, element: int, missing: int, rows: list[dict[str, Any]], rule: CatalogRule
) -> Any:
    """The result GX gives a column's uniqueness, from what SQLite found over the catalog."""
    from great_expectations.core import ExpectationValidationResult

    column = rule.kwargs["column"]
    values = [row[column] for row in rows]
    counts: dict[Any, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    result: dict[str, Any] = dict.fromkeys(
        (
            "element_count",
            "missing_count",
            "missing_percent",
            "unexpected_count",
            "unexpected_percent",
            "unexpected_percent_total",
            "unexpected_percent_nonmissing",
        )
    )
    result["partial_unexpected_list"] = values[:PARTIAL]
    result["partial_unexpected_counts"] = [
        {"value": value, "count": n}
        for value, n in sorted(counts.items(), key=lambda item: -item[1])[:PARTIAL]
    ]
    result["partial_unexpected_index_list"] = rows[:PARTIAL]
    result["unexpected_index_column_names"] = INDEX_COLUMNS[rule.table]
    _counted(result, element, missing, len(rows))
    return ExpectationValidationResult(
        success=not rows, expectation_config=configuration, result=result, meta={}
    )


def findings_of(rule: CatalogRule, unexpected: list[dict[str, Any]]) -> list[Finding]:
    """A finding for every unexpected row GX (or SQLite, for a whole-catalog rule) reported."""
    shown = rule.shown_column
    found = []
    for row in unexpected:
        sku = row.get("sku")
        value = row.get(shown) if shown else None
        found.append(
            Finding(
                stage="validate",
                severity=rule.severity,
                sku=None if _missing(sku) else str(sku),
                field=str(row["field"]) if rule.table == "quantities" else rule.field,
                rule=rule.rule,
                message=_fill(rule.message, row),
                value=None if _missing(value) else shorten(_plain(value)),
            )
        )
    return found


def _fill(template: str, row: dict[str, Any]) -> str:
    """Put the row's reported values into the message; leave it as is when one is absent."""
    if "{" not in template:
        return template
    try:
        return template.format(**{k: _plain(v) for k, v in row.items()})
    except (KeyError, IndexError):
        return template


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA (which refuses to be compared)."""
    import pandas as pd

    return value is None or bool(pd.isna(value)) if not isinstance(value, list | dict) else False


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
