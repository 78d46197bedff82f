"""Findings: what the pipeline set aside or warns about, per product, in plain words.

Every step that drops or changes something a merchant cares about writes a
`Finding`, so nothing disappears silently. The data team reads them as CSV or
JSON Lines; `message` is the sentence they act on.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

Severity = Literal["error", "warning"]
"""``error``: the product is left out (of the catalog, or of one market or feed).
``warning``: the product goes out, changed or worth a look."""

Stage = Literal["ingest", "validate", "translate", "localize", "completeness", "feed"]


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

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Finding:
        return cls(**json.loads(line))


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


def shorten(value: object, limit: int = 80) -> str:
    """Render an offending value for a report, cut to ``limit`` characters.

    >>> shorten("x" * 100, limit=10)
    'xxxxxxxxx…'
    """
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_findings_jsonl(findings: Iterable[Finding], stream: IO[str]) -> int:
    """Write findings one JSON object per line; return how many."""
    count = 0
    for finding in findings:
        stream.write(finding.to_json())
        stream.write("\n")
        count += 1
    return count


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """Text a spreadsheet shows as text: a cell starting like a formula gets a leading quote.

    Findings echo catalog values, and the data team opens the CSV in a spreadsheet
    (OWASP, CSV injection).

    >>> spreadsheet_safe("=SUM(A1:A9)"), spreadsheet_safe("-11.90"), spreadsheet_safe(27)
    ("'=SUM(A1:A9)", "'-11.90", '27')
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_findings_csv(findings: Iterable[Finding], stream: IO[str]) -> int:
    """Write findings as RFC 4180 CSV with a header row; return how many."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    count = 0
    for finding in findings:
        writer.writerow([spreadsheet_safe(getattr(finding, column)) for column in FINDING_COLUMNS])
        count += 1
    return count
