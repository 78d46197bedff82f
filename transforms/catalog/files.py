"""Opening catalog files as merchants really produce them: encodings, byte-order marks,
headers that do not fit, rows that do not decode.

Every file reader goes through here, so each of them:

- accepts a UTF-8 byte-order mark (spreadsheets save "CSV UTF-8" with one), and reads
  a legacy export in the configured ``[catalog] encoding`` (``cp1252``, ``latin-1``);
- reads a file with undecodable bytes row by row: bytes that do not decode are kept
  as lone surrogates (Python's ``surrogateescape``), so the row they sit in is reported
  (``invalid_encoding``, with its row number and the sku when that is readable) and
  skipped, and every other row is read;
- refuses a file whose header cannot be what the format expects (one column: the wrong
  delimiter; no ``sku`` column) at once, with `CatalogFileError` naming the file, the
  delimiter tried and the columns found. No retry heals a file like that.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import replace
from typing import IO, TYPE_CHECKING

from schemas.characters import has_invisible
from transforms.catalog.values import RowContext

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from schemas.findings import Finding

UTF8_BOM = codecs.BOM_UTF8
_UNDECODED = re.compile("[\udc80-\udcff]")
"""Where ``surrogateescape`` kept a byte the codec could not decode."""
_CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
MAX_FIELD_CHARACTERS = 10 * 1024 * 1024
"""Longest cell read (the csv module's default of 128 KiB is shorter than some descriptions)."""

csv.field_size_limit(MAX_FIELD_CHARACTERS)


class CatalogFileError(ValueError):
    """A catalog file that cannot be read as its format at all; the message says why."""


def codec_for(path: Path, encoding: str) -> str:
    """The codec to read ``path`` with: a UTF-8 byte-order mark wins over the setting
    (it proves the file is UTF-8) and is dropped; otherwise ``encoding``.

    Raises:
        CatalogFileError: when ``encoding`` is not a codec Python knows.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CatalogFileError(f"[catalog] encoding {encoding!r} is not a known encoding") from None
    with path.open("rb") as stream:
        starts_with_bom = stream.read(len(UTF8_BOM)) == UTF8_BOM
    if starts_with_bom or name == "utf-8":
        return "utf-8-sig"
    return name


def open_text(path: Path, encoding: str) -> IO[str]:
    """Open a catalog file for the csv module, undecodable bytes kept as surrogates."""
    return path.open(newline="", encoding=codec_for(path, encoding), errors="surrogateescape")


def undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes its file's encoding could not decode."""
    return _UNDECODED.search(text) is not None


def show_bytes(text: str, codec: str) -> str:
    """``text`` with each undecodable byte written as ``\\xNN``, for a finding.

    >>> show_bytes("K\\udce4se", "utf-8")
    'K\\\\xe4se'
    """
    raw = text.encode(codec, "surrogateescape")
    return raw.decode(codec, "backslashreplace")


def _delimiter_hint(line: str, tried: str) -> str:
    counts = {d: line.count(d) for d in _CANDIDATE_DELIMITERS if d != tried}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ""
    return f"; the header holds {counts[best]} x {best!r}: is that the file's delimiter?"


def check_header(
    path: Path,
    header: list[str],
    delimiter: str,
    *,
    sku_column: str = "sku",
    fold: bool = False,
    codec: str = "utf-8",
) -> None:
    """Refuse a header the format cannot have.

    Raises:
        CatalogFileError: one column only (a wrong delimiter), no ``sku`` column, or
            bytes that do not decode in the header.
    """
    shown = ", ".join(repr(c) for c in header[:12]) + (" ..." if len(header) > 12 else "")
    if any(undecodable(cell) for cell in header):
        raise CatalogFileError(
            f"{path.name}: the header row holds bytes that do not decode "
            f"({show_bytes(delimiter.join(header), codec)[:120]}); set [catalog] encoding "
            "to the file's encoding (cp1252, latin-1, ...)"
        )
    if len(header) == 1:
        raise CatalogFileError(
            f"{path.name}: the header splits into one column only when split on "
            f"{delimiter!r} ({shown[:120]}){_delimiter_hint(header[0], delimiter)}"
        )
    names = [c.strip().lower() for c in header] if fold else header
    if sku_column not in names:
        raise CatalogFileError(
            f"{path.name}: no {sku_column!r} column in the header split on {delimiter!r}; "
            f"columns found: {shown}"
        )


def csv_records(
    path: Path,
    *,
    delimiter: str,
    encoding: str,
    sku_column: str = "sku",
    fold: bool = False,
) -> Iterator[tuple[int, dict[str, str], bool] | Finding]:
    """Stream ``(row number, {column: value}, clean)`` from a catalog CSV file, reporting
    the rows that cannot be used as findings (and skipping them). ``clean`` is True when
    no cell holds an invisible character (`schemas.characters`), so the reader can skip
    cleaning the row's texts one by one.

    Row numbers count data rows from 1 (the header is row 0). A blank line is not a
    row. Reported: a row the csv module cannot parse (``malformed_row``), a row with
    more or fewer cells than the header (``wrong_field_count``) and a row with bytes
    that do not decode (``invalid_encoding``).

    Raises:
        CatalogFileError: for an empty file or a header the format cannot have.
    """
    codec = codec_for(path, encoding)
    plain = codec.removesuffix("-sig")
    with path.open(newline="", encoding=codec, errors="surrogateescape") as stream:
        rows = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(rows)
        except StopIteration:
            raise CatalogFileError(f"{path.name} is empty: no header row") from None
        except csv.Error as exc:
            raise CatalogFileError(f"{path.name}: the header row is not CSV: {exc}") from None
        check_header(path, header, delimiter, sku_column=sku_column, fold=fold, codec=plain)
        names = [c.strip().lower() for c in header] if fold else header
        sku_index = names.index(sku_column)
        width = len(header)
        number = 0
        while True:
            number += 1
            try:
                values = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                context = RowContext(number, None)
                context.reject("(row)", "malformed_row", f"the row is not valid CSV: {exc}")
                yield from context.findings
                continue
            if not values or values == [""]:
                number -= 1
                continue
            sku = values[sku_index].strip() if sku_index < len(values) else ""
            readable_sku = sku if sku and not undecodable(sku) else None
            joined = "".join(values)
            clean = not has_invisible(joined)  # undecoded bytes are invisible characters too
            if not clean and undecodable(joined):
                column, value = next(
                    (header[i] if i < width else f"cell {i + 1}", v)
                    for i, v in enumerate(values)
                    if undecodable(v)
                )
                context = RowContext(number, readable_sku)
                context.reject(
                    column,
                    "invalid_encoding",
                    f"{column} holds bytes that are not valid {plain} "
                    f"({show_bytes(value, plain)[:60]}); is the file in another encoding? "
                    "([catalog] encoding)",
                    show_bytes(value, plain),
                )
                yield from context.findings
                continue
            if len(values) != width:
                context = RowContext(number, readable_sku)
                context.reject(
                    "(row)",
                    "wrong_field_count",
                    f"row has {len(values)} fields but the header has {width}",
                )
                yield from context.findings
                continue
            yield number, dict(zip(header, values, strict=True)), clean


def csv_cells(
    path: Path, *, delimiter: str, encoding: str, columns: Sequence[str]
) -> Iterator[tuple[int, list[str]]]:
    """A fast pass over a catalog CSV file for the few cells it needs: ``(row number, the
    stripped cell of each of ``columns``)``, "" for a column the header lacks.

    Rows are numbered as `csv_records` numbers them; the rows it reports are left out
    without a word (the full pass reports them), and a file without a header row yields
    nothing. The csv module alone, without the row's checks: about twice as fast.
    """
    with open_text(path, encoding) as stream:
        rows = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(rows)
        except (StopIteration, csv.Error):
            return
        width = len(header)
        wanted = [header.index(c) if c in header else None for c in columns]
        number = 0
        while True:
            number += 1
            try:
                values = next(rows)
            except StopIteration:
                return
            except csv.Error:
                continue
            if len(values) != width:
                if not values or values == [""]:
                    number -= 1  # a blank line is not a row
                continue
            yield number, ["" if i is None else values[i].strip() for i in wanted]


def text_lines(path: Path, encoding: str) -> Iterator[tuple[int, str | None, bytes]]:
    """Stream ``(line number, text or None, raw bytes)`` from a line-based file (JSON Lines);
    the text is None when the line's bytes do not decode. A leading BOM is dropped."""
    codec = codec_for(path, encoding).removesuffix("-sig")
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            try:
                yield number, raw.decode(codec), raw
            except UnicodeDecodeError:
                yield number, None, raw


def side_file_problem(finding: Finding, path: Path, consequence: str) -> Finding:
    """A row of a side file (Akeneo's product models, Shopware's properties) that cannot be
    read: a warning naming the file and what it costs the products (``consequence``), not
    a skipped catalog row."""
    return replace(
        finding,
        severity="warning",
        field=f"{path.name}: {finding.field}",
        message=finding.message.replace("the row was skipped", consequence),
    )
