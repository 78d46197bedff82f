"""Every finding's rule is one documented name: the code names no rule missing from
`schemas.rules`, the table lists no rule the code never uses, and the data team's index
(``tests/cases/findings/rules.md``) is that table. Findings raised while the suite runs are
checked too (``GRENZENLOS_STRICT_RULES``, set in tests/conftest.py)."""

from __future__ import annotations

import ast
import os
from typing import TYPE_CHECKING

import pytest

from schemas.findings import Finding
from schemas.rules import RULES
from tests.conftest import CASES, ROOT

if TYPE_CHECKING:
    from pathlib import Path

INDEX = CASES / "findings" / "rules.md"
POSITIONAL_RULE = {
    "reject": 1,  # RowContext.reject(field, rule, message)
    "warn": 1,  # RowContext.warn(field, rule, message)
    "set_aside": 1,  # localize's set_aside(field, rule, message)
    "ValueProblem": 0,
    "PriceProblem": 0,
    "finding": 3,  # FeedWriter.finding(listing, severity, field, rule, message)
    "cut": 5,  # FeedWriter.cut(listing, findings, field, markup, limit, rule)
}


def rules_named_in(path: Path) -> set[str]:
    """Rule codes written as literals where a finding gets its rule: ``rule=...`` keywords,
    the rule argument of the helpers above, and a ``return ("code", message)`` pair."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        values: list[ast.expr] = []
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
            values += [k.value for k in node.keywords if k.arg == "rule"]
            position = POSITIONAL_RULE.get(name)
            if position is not None and len(node.args) > position:
                values.append(node.args[position])
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            if len(node.value.elts) == 2:
                values.append(node.value.elts[0])
        elif isinstance(node, ast.Tuple) and len(node.elts) == 3:
            first = node.elts[0]  # (rule, removed, message) in feeds/contract.py
            if isinstance(first, ast.Constant) and str(first.value).endswith("_removed"):
                values.append(first)
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
    return found


def rules_in_code() -> set[str]:
    return {
        rule
        for package in ("schemas", "transforms", "feeds", "pipeline")
        for path in (ROOT / package).rglob("*.py")
        for rule in rules_named_in(path)
        if "_" in rule or rule in RULES  # a lone word in such a place is a field, not a rule
    }


def test_every_rule_the_code_names_is_listed() -> None:
    named = rules_in_code()
    missing = sorted(named - set(RULES))
    assert missing == [], f"add these to schemas/rules.py: {missing}"


def test_every_listed_rule_is_used_somewhere() -> None:
    source = "".join(
        path.read_text(encoding="utf-8")
        for package in ("schemas", "transforms", "feeds", "pipeline")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "rules.py"
    )
    assert [rule for rule in RULES if f'"{rule}"' not in source] == []


def index() -> str:
    lines = [
        "# Rules of findings",
        "",
        "Generated from `schemas/rules.py` by `tests/unit/schemas/test_rules.py`",
        "(`GRENZENLOS_UPDATE_GOLDEN=1` rewrites it). `{...}` marks what varies in a message.",
        "",
        "| rule | stage | severity | message |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{code}` | {rule.stage} | {rule.severity} | {rule.message} |"
        for code, rule in RULES.items()
    ]
    return "\n".join(lines) + "\n"


def test_the_index_lists_every_rule_with_its_message() -> None:
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        INDEX.parent.mkdir(parents=True, exist_ok=True)
        INDEX.write_text(index(), encoding="utf-8")
    assert INDEX.read_text(encoding="utf-8") == index()


def test_a_finding_with_an_unlisted_rule_is_refused_in_tests() -> None:
    with pytest.raises(ValueError, match="'title_too_long' is not listed"):
        Finding(stage="feed", severity="warning", sku="A", field="title",
                rule="title_too_long", message="x")  # fmt: skip
