"""The run report's preview of what the team's files changed: per rule and overrides file
(and market and channel), how many listings it changed and the before and after of the
first of them, read from the run's ``override_applied`` findings (`transforms.overrides`).
In a dry run (nothing published) this is the preview of the next live run."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from transforms.infra.storage import StoragePath

FIRST_PRODUCTS = 5
"""Products shown with their before and after per rule or file."""
_APPLIED = re.compile(
    r"^(?P<field>\S+) set by (?P<source>\S+) "
    r"(?:row \d+|rule (?P<rule>'.*?'|\".*?\") \(line \d+\)): (?P<change>.*)$"
)


def changes_view(findings: StoragePath | Path) -> list[dict[str, Any]]:
    """One entry per (market, channel, file, rule): listings changed, and the first
    `FIRST_PRODUCTS` with each field's ``before -> after``.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> line = {"rule": "override_applied", "market": "CH", "channel": "google", "sku": "A",
    ...         "message": "price set by ch.csv row 2: '26.90 CHF' -> '24.90 CHF'"}
    >>> _ = (folder / "f.jsonl").write_text(json.dumps(line) + "\\n")
    >>> changes_view(folder / "f.jsonl")[0]["products"]
    [{'sku': 'A', 'changes': ["price: '26.90 CHF' -> '24.90 CHF'"]}]
    """
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    if not findings.exists():
        return []
    with findings.open("r", encoding="utf-8") as stream:
        for line in stream:
            if '"override_applied"' not in line:
                continue  # most lines: no JSON parsed
            finding = json.loads(line)
            match = _APPLIED.match(str(finding.get("message") or ""))
            if finding.get("rule") != "override_applied" or match is None:
                continue
            key = (
                str(finding.get("market") or ""),
                str(finding.get("channel") or ""),
                match["source"],
                (match["rule"] or "")[1:-1],
            )
            group = groups.setdefault(
                key,
                {"market": key[0], "channel": key[1], "source": key[2], "rule": key[3],
                 "skus": set(), "products": []},
            )  # fmt: skip
            sku = str(finding.get("sku") or "")
            group["skus"].add(sku)
            shown = group["products"]
            change = f"{match['field']}: {match['change']}"
            if shown and shown[-1]["sku"] == sku:
                shown[-1]["changes"].append(change)
            elif len(shown) < FIRST_PRODUCTS:
                shown.append({"sku": sku, "changes": [change]})
    return [
        {**{k: v for k, v in group.items() if k != "skus"}, "listings": len(group["skus"])}
        for _, group in sorted(groups.items())
    ]


def changes_line(findings: StoragePath | Path) -> str | None:
    """The summary's line: each rules or overrides file that changed listings, where and how
    many; None when none did.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> line = {"rule": "override_applied", "market": "CH", "channel": "google", "sku": "A",
    ...         "message": "exclude set by rules.toml rule 'no bottles' (line 8): 'no' -> 'yes'"}
    >>> _ = (folder / "f.jsonl").write_text(json.dumps(line) + "\\n")
    >>> changes_line(folder / "f.jsonl")
    "changed by the team's files: CH google rules.toml rule 'no bottles' 1"
    """
    groups = changes_view(findings)
    if not groups:
        return None
    parts = [
        f"{g['market']} {g['channel']} {g['source']}"
        + (f" rule {g['rule']!r}" if g["rule"] else "")
        + f" {g['listings']}"
        for g in groups
    ]
    return "changed by the team's files: " + ", ".join(parts)
