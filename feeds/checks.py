"""Format checks before publishing: JSON Schemas in ``schemas/feeds/`` and CSV column specs.

Every JSON item is checked before it is written (a failing item is left out with
a finding) and every finished file again before it is published. The schemas
are the project's own copies of the rules each channel enforces; Amazon's
``maxUtf8ByteLength`` keyword is understood too.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas.characters import FORMULA_STARTS, spreadsheet_safe

if TYPE_CHECKING:
    from collections.abc import Sequence

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "feeds"


def _max_utf8_bytes(validator: Any, limit: int, instance: Any, schema: Any) -> Any:
    from jsonschema import ValidationError

    if isinstance(instance, str) and len(instance.encode()) > limit:
        yield ValidationError(f"{len(instance.encode())} UTF-8 bytes, more than {limit}")


@lru_cache(maxsize=32)
def validator_for(schema: str | Path, definition: str | None = None) -> Any:
    """A validator for a schema file (a name in ``schemas/feeds`` or a path), built once.

    With ``definition``, for that entry of the file's ``definitions`` (one feed item).
    Numbers in the schema are read as `Decimal`, like the feeds they check.
    """
    from jsonschema import validators

    path = Path(schema) if isinstance(schema, Path) else SCHEMAS / f"{schema}.schema.json"
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    if definition is not None:
        document = {**document["definitions"][definition], "definitions": document["definitions"]}
    base = validators.validator_for(document, default=validators.Draft7Validator)
    if "$schema" not in document or "amazon.com" in str(document.get("$schema")):
        base = validators.Draft201909Validator
    extended = validators.extend(base, {"maxUtf8ByteLength": _max_utf8_bytes})
    return extended(document)


def schema_problems(
    schema: str | Path, instance: object, definition: str | None = None, limit: int = 5
) -> list[str]:
    """Why ``instance`` breaks the schema, one sentence per problem (at most ``limit``)."""
    found = []
    for error in validator_for(schema, definition).iter_errors(instance):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{where}: {error.message}")
        if len(found) >= limit:
            break
    return sorted(found)


def json_file_problems(path: Path, schema: str) -> list[str]:
    """A whole JSON feed file against its schema."""
    try:
        document = json.loads(path.read_bytes(), parse_float=Decimal)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    return schema_problems(schema, document)


def json_lines_problems(
    path: Path, schema: str, known_good: set[str] | None = None, limit: int = 5
) -> list[str]:
    """Every line of a JSON Lines feed file against its schema; a line whose content
    hash is in ``known_good`` (checked by the writer already) is only parsed."""
    from feeds.jsonfeed import content_hash

    problems: list[str] = []
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            try:
                document = json.loads(line, parse_float=Decimal)
            except ValueError as exc:
                return [f"line {number}: not JSON: {exc}"]
            if known_good and content_hash(document) in known_good:
                continue
            problems += [f"line {number}: {p}" for p in schema_problems(schema, document)]
            if len(problems) >= limit:
                break
    return problems[:limit]


def cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula, without invisible characters
    (`schemas.characters.spreadsheet_safe`, the guard the findings reports use too).

    >>> cell("=HYPERLINK(1)"), cell("-5 %"), cell("\\tcmd"), cell("Nord\\u202equell")
    ("'=HYPERLINK(1)", "'-5 %", "'\\tcmd", 'Nordquell')
    """
    return spreadsheet_safe(value)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a CSV feed.

    Attributes:
        name: Header text.
        required: The cell may not be empty.
        max_length: Longest value in characters.
        digits_only: The value is an integer (prices in cents, say).
    """

    name: str
    required: bool = False
    max_length: int | None = None
    digits_only: bool = False


def csv_problems(
    path: Path, columns: Sequence[Column], delimiter: str, limit: int = 5
) -> list[str]:
    """Check a CSV feed file against its column spec (RFC 4180, UTF-8, formula-safe cells)."""
    problems: list[str] = []
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = csv.reader(stream, delimiter=delimiter, strict=True)
            header = next(rows, None)
            if header != [c.name for c in columns]:
                return [f"header is {header}, expected {[c.name for c in columns]}"]
            for number, row in enumerate(rows, start=2):
                if len(row) != len(columns):
                    problems.append(f"line {number}: {len(row)} cells, expected {len(columns)}")
                    continue
                for column, value in zip(columns, row, strict=True):
                    if column.required and not value:
                        problems.append(f"line {number}: {column.name} is empty")
                    if column.max_length and len(value) > column.max_length:
                        problems.append(
                            f"line {number}: {column.name} has {len(value)} characters, "
                            f"more than {column.max_length}"
                        )
                    if column.digits_only and value and not value.isdigit():
                        problems.append(f"line {number}: {column.name} is not a whole number")
                    if value.startswith(FORMULA_STARTS):
                        problems.append(f"line {number}: {column.name} starts like a formula")
                if len(problems) >= limit:
                    break
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(f"not a valid UTF-8 CSV file: {exc}")
    return problems[:limit]
