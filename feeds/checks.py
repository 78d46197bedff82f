"""Format checks before publishing: JSON Schemas in ``schemas/feeds/`` and CSV column specs.

Every JSON item is checked before it is written (a failing item is left out with
a finding) and every finished file again before it is published. The schemas
are the project's own copies of the rules each channel enforces; Amazon's
``maxUtf8ByteLength`` keyword is understood too.

The checks run through `jsonschema_rs`, a compiled validator: the per-item check
is the hot path of every JSON writer. It takes `Decimal` values as the exact
numbers they are (arbitrary precision, never a float), so ``multipleOf: 0.01``
and ``exclusiveMinimum: 0`` judge a price as the feed file will carry it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from schemas.characters import FORMULA_STARTS, spreadsheet_safe

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence


def _feed_schemas() -> Path:
    """The folder of feed schemas, package data of `schemas` (in the source tree as in an
    installed wheel).

    A folder on disk, not any resource: lxml resolves the RelaxNG grammar's ``include``
    beside its file. Every wheel installer unpacks package data into files; only a zip
    import (not a supported install) would have none.
    """
    folder = files("schemas") / "feeds"
    if not isinstance(folder, Path):
        raise ImportError(f"the feed schemas ({folder}) are not a folder on disk")
    return folder


SCHEMAS = _feed_schemas()


class MaxUtf8ByteLength:
    """Amazon's ``maxUtf8ByteLength`` keyword: a string of at most so many UTF-8 bytes.

    A custom keyword of `jsonschema_rs`: built once per occurrence in a schema,
    called for the values at that place; the message of what it raises is the
    error's message.

    >>> MaxUtf8ByteLength({}, 4, []).validate("Maß")
    >>> MaxUtf8ByteLength({}, 3, []).validate("Maß")
    Traceback (most recent call last):
    ValueError: 4 UTF-8 bytes, more than 3
    """

    def __init__(self, parent_schema: dict[str, Any], value: Any, schema_path: list[str | int]):
        self.limit = int(value)

    def validate(self, instance: Any) -> None:
        # A character is at most 4 bytes: most strings need no encoding to pass.
        if isinstance(instance, str) and len(instance) * 4 > self.limit:
            size = len(instance.encode())
            if size > self.limit:
                raise ValueError(f"{size} UTF-8 bytes, more than {self.limit}")


DRAFTS: dict[str, type[jsonschema_rs.Validator]] = {
    "http://json-schema.org/draft-04/schema": jsonschema_rs.Draft4Validator,
    "http://json-schema.org/draft-06/schema": jsonschema_rs.Draft6Validator,
    "http://json-schema.org/draft-07/schema": jsonschema_rs.Draft7Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema_rs.Draft201909Validator,
    "https://json-schema.org/draft/2020-12/schema": jsonschema_rs.Draft202012Validator,
}
"""The validator for each standard ``$schema``."""


@lru_cache(maxsize=32)
def validator_for(schema: str | Path, definition: str | None = None) -> jsonschema_rs.Validator:
    """A compiled validator for a schema file (a name in ``schemas/feeds`` or a path), built once.

    With ``definition``, for that entry of the file's ``definitions`` (one feed item).
    Numbers in the schema are read as `Decimal`, like the feeds they check. The draft
    is the file's ``$schema`` (Draft 7 if unknown); a file without one or with Amazon's
    meta-schema is read as Draft 2019-09; a definition as its file. Building it checks
    the schema against its meta-schema, a ``pattern`` as an ECMA-262 regular expression
    (no ``(?i)``; ``$`` is the end of the value). ``format`` is not checked (an
    annotation, as before), and nothing is fetched: every ``$ref`` points into the file.
    """
    path = Path(schema) if isinstance(schema, Path) else SCHEMAS / f"{schema}.schema.json"
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    declared = str(document.get("$schema", "amazon.com"))
    if definition is not None:
        # Read under its file's draft, not as a schema without one.
        document = {
            **document["definitions"][definition],
            "definitions": document["definitions"],
            **({"$schema": document["$schema"]} if "$schema" in document else {}),
        }
    draft = DRAFTS.get(declared.rstrip("#"), jsonschema_rs.Draft7Validator)
    if "amazon.com" in declared:
        draft = jsonschema_rs.Draft201909Validator
    return draft(
        document,
        keywords={"maxUtf8ByteLength": MaxUtf8ByteLength},
        validate_formats=False,
        offline=True,
    )


def schema_problems(
    schema: str | Path, instance: object, definition: str | None = None, limit: int = 5
) -> list[str]:
    """Why ``instance`` breaks the schema, one ``path: message`` per problem (at most ``limit``).

    >>> feed = {"market": "CN", "locale": "zh-CN", "currency": "CNY", "items": []}
    >>> schema_problems("mobile_cn", feed)
    ['locale: "zh-CN" does not match "^[a-z]{2}_[A-Z]{2}$"']
    """
    validator = validator_for(schema, definition)
    if validator.is_valid(instance):  # the common case, and cheaper than collecting errors
        return []
    found = []
    for error in validator.iter_errors(instance):
        where = "/".join(str(p) for p in error.instance_path) or "(document)"
        found.append(f"{where}: {error.message}")
        if len(found) >= limit:
            break
    return sorted(found)


def json_file_problems(path: Path, schema: str, items: str | None = None) -> list[str]:
    """A whole JSON feed file against its schema.

    With ``items`` (the name of the schema's item definition), a file laid out as the
    writer lays it out (`_items_as_written`) is checked a line at a time, in flat memory:
    the document without its items against the schema, each item against ``items``. That
    is the same check as the whole document's as long as the schema's ``items`` array
    has no rule of its own beyond its item type (checked, else the whole file is read).
    Any problem, or any other layout, reads the whole file, so the messages are the
    whole-document check's.
    """
    if items is not None and _items_as_written(path, schema, items):
        return []
    try:
        document = json.loads(path.read_bytes(), parse_float=Decimal)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    return schema_problems(schema, document)


_ITEMS_OPEN = b',"items":['


@lru_cache(maxsize=8)
def _items_array_is_plain(schema: str) -> bool:
    """Whether the schema's ``items`` array has no rule but its type and its items' type."""
    document = json.loads((SCHEMAS / f"{schema}.schema.json").read_text(encoding="utf-8"))
    return not set(document.get("properties", {}).get("items", {})) - {"type", "items"}


def _items_as_written(path: Path, schema: str, definition: str) -> bool:
    """Whether the file is ``{<head>,"items":[`` on its first line, one item per line
    (each but the last ending in a comma), ``]}`` on the last, and every part passes."""
    if not _items_array_is_plain(schema):  # minItems, uniqueItems...: only the whole file tells
        return False
    with path.open("rb") as stream:
        first = stream.readline()
        if not first.endswith(_ITEMS_OPEN + b"\n"):
            return False
        try:
            head = json.loads(first[: -len(_ITEMS_OPEN) - 1] + b"}", parse_float=Decimal)
            if not isinstance(head, dict) or schema_problems(schema, {**head, "items": []}):
                return False
            ended = False
            for line in stream:
                if ended or not line.endswith(b"\n"):
                    return False  # something after the end, or no final line break
                body = line[:-1]
                if body == b"]}":
                    ended = True
                    continue
                item = json.loads(body[:-1] if body.endswith(b",") else body, parse_float=Decimal)
                if schema_problems(schema, item, definition):
                    return False
        except ValueError:
            return False
    return ended


def json_lines_problems(
    path: Path, schema: str, known_good: Collection[str] | None = None, limit: int = 5
) -> list[str]:
    """Every line of a JSON Lines feed file against its schema; a line whose content
    hash is in ``known_good`` (checked by the writer already) is only parsed, or not even
    that when the line is the very text the writer hashed (`feeds.jsonfeed.dumps`): that
    text is valid JSON, and the document it holds was checked."""
    from feeds.jsonfeed import content_hash, text_hash

    problems: list[str] = []
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if known_good and line.endswith(b"\n"):
                try:
                    if text_hash(line[:-1].decode()) in known_good:
                        continue
                except UnicodeDecodeError:
                    pass  # json.loads reports it
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
