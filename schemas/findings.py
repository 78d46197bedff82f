"""Findings: what the pipeline set aside or warns about, per product, in plain words.

Every step that drops or changes something a merchant cares about writes a
`Finding`, so nothing disappears silently. The data team reads them as CSV or
JSON Lines; `message` is the sentence they act on.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import IO, TYPE_CHECKING, Literal

from schemas.characters import remove_invisible
from schemas.characters import spreadsheet_safe as spreadsheet_safe  # for existing callers

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Severity = Literal["error", "warning", "info"]
"""``error``: the product is left out (of the catalog, or of one market or feed).
``warning``: the product goes out, changed or worth a look. ``info``: a change the data
team asked for (an override, `transforms.overrides`), recorded so each one can be traced."""

Stage = Literal[
    "ingest", "validate", "translate", "localize", "completeness", "feed", "marketplace"
]
"""Where a finding comes from; ``marketplace``: what the marketplace itself said about an
item it was sent (the ``deliver_feeds`` DAG brings it back)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one product (or one catalog row).

    Attributes:
        stage: Pipeline step that found it.
        severity: ``error`` sets the product aside, ``warning`` does not.
        sku: Product identifier, when known.
        field: Catalog field or feed attribute concerned.
        rule: Short stable code of the rule (``missing_translation``).
        message: One sentence for a person.
        value: The offending value, shortened, when there is one.
        market: Market code, for market-specific findings.
        channel: Feed channel, for channel-specific findings.
        row: 1-based data row number in the source file, for ingestion findings.
    """

    stage: Stage
    severity: Severity
    sku: str | None
    field: str
    rule: str
    message: str
    value: str | None = None
    market: str | None = None
    channel: str | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        # Tests (and anyone who sets GRENZENLOS_STRICT_RULES) refuse a rule that is not in
        # schemas.rules, so every event keeps one documented name. A marketplace's answer
        # carries the marketplace's own code (Amazon 90220, eBay 25002), documented by it.
        if _STRICT_RULES and self.stage != "marketplace" and self.rule not in _rules():
            raise ValueError(f"rule {self.rule!r} is not listed in schemas/rules.py")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Finding:
        return cls(**json.loads(line))


_STRICT_RULES = bool(os.environ.get("GRENZENLOS_STRICT_RULES"))


def _rules() -> Mapping[str, object]:
    from schemas.rules import RULES

    return RULES


FINDING_COLUMNS = (
    "sku",
    "market",
    "channel",
    "field",
    "rule",
    "value",
    "severity",
    "message",
    "stage",
    "row",
)
"""CSV column order: what the data team filters on first, the explanation after."""


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and the noun, in the plural unless it is one.

    >>> count(1, "warning"), count(2, "row"), count(0, "product"), count(3, "entry", "entries")
    ('1 warning', '2 rows', '0 products', '3 entries')
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def shorten(value: object, limit: int = 80) -> str:
    """Render an offending value for a report: invisible characters removed
    (`schemas.characters`), cut to ``limit`` characters.

    >>> shorten("x" * 100, limit=10), shorten("Tee\\u202e\\x1b[2J")
    ('xxxxxxxxx…', 'Tee[2J')
    """
    text = remove_invisible(str(value))[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def readable(finding: Finding) -> Finding:
    """``finding`` without invisible characters in any text (a message may quote a value,
    and a report must not reorder or hide what the data team reads).

    >>> readable(Finding("feed", "warning", "A\\u202e1", "title", "title_shortened", "m\\x00")).sku
    'A1'
    """
    changes = {}
    for column in fields(finding):
        text = getattr(finding, column.name)
        if isinstance(text, str):
            cleaned, removed = remove_invisible(text)
            if removed:
                changes[column.name] = cleaned
    return replace(finding, **changes) if changes else finding  # type: ignore[arg-type]


def write_findings_jsonl(findings: Iterable[Finding], stream: IO[str]) -> int:
    """Write findings one JSON object per line, without invisible characters; return how
    many."""
    count = 0
    for finding in findings:
        stream.write(readable(finding).to_json())
        stream.write("\n")
        count += 1
    return count


def write_findings_csv(findings: Iterable[Finding], stream: IO[str]) -> int:
    """Write findings as RFC 4180 CSV with a header row; return how many.

    Every cell goes through `schemas.characters.spreadsheet_safe`: findings echo catalog
    values, and the data team opens the file in a spreadsheet (OWASP, CSV injection).
    """
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    count = 0
    for finding in findings:
        writer.writerow([spreadsheet_safe(getattr(finding, column)) for column in FINDING_COLUMNS])
        count += 1
    return count
