"""The shared CSV feed writer: RFC 4180, UTF-8, formula-safe cells, checked by column spec."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, ClassVar

from feeds.checks import Column, cell, csv_problems
from feeds.contract import FeedWriter

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from pathlib import Path


class CsvFeedWriter(FeedWriter):
    """Base of the CSV channels: subclasses set `columns` and `delimiter` and build rows."""

    columns: ClassVar[tuple[Column, ...]]
    delimiter: ClassVar[str] = ","

    def write_header(self) -> None:
        self._text = io.TextIOWrapper(self.stream, encoding="utf-8", newline="", write_through=True)
        self._rows = csv.writer(self._text, delimiter=self.delimiter, lineterminator="\r\n")
        self._rows.writerow([c.name for c in self.columns])

    def write_row(self, values: Sequence[object] | Mapping[str, object]) -> None:
        """One row, in column order; every cell made formula-safe."""
        ordered = [values.get(c.name) for c in self.columns] if isinstance(values, dict) else values
        self._rows.writerow([cell(v) for v in ordered])
        self.items_written += 1

    def write_footer(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller owns the binary stream

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        return csv_problems(path, cls.columns, cls.delimiter)
