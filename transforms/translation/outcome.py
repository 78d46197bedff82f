"""A market's translation outcome file: written per batch, read back by the build.

JSON Lines, one line per product that needed a translation, in snapshot order:
``{"sku": ..., field: {"status", "text" or "texts", "origin", "reason"}}`` per field the
market needs (see `write_lines`). `localize` applies the market's ``when_pending`` to
the fields not ``ok``. `read_market_translations` reads it back as the build asks.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from transforms.infra.storage import StoragePath
    from transforms.translation.planning import Batch
    from transforms.translation.resolution import Resolution


def write_lines(
    batch: Batch, resolutions: Mapping[str, Resolution], streams: Sequence[IO[str]]
) -> None:
    """The batch's lines, product by product: {"sku", field: {status, text(s), origin, reason}}.

    Written as ``json.dumps(line, ensure_ascii=False)`` writes them, a field at a time:
    markets that share a translation unit share the field's text.
    """
    for sku, lines in batch.products:
        fields: dict[tuple[str, tuple[str, ...]], str] = {}
        head = '{"sku": ' + encode_basestring(sku)
        for stream, line in zip(streams, lines, strict=True):
            if line is None:
                continue
            parts = [head]
            for name, keys in line:
                text = fields.get((name, keys))
                if text is None:
                    text = fields[(name, keys)] = _field_json(
                        [resolutions[k] for k in keys], many=name == "bullet_points"
                    )
                parts.append(f', "{name}": {text}')
            parts.append("}\n")
            stream.write("".join(parts))


def _field_json(parts: Sequence[Resolution], *, many: bool) -> str:
    """`_combine` as JSON; the usual case (one text, translated) without building a dict.

    >>> from transforms.translation.resolution import Resolution
    >>> _field_json([Resolution("ok", "Flasche, 750 ml", "memory")], many=False)
    '{"status": "ok", "text": "Flasche, 750 ml", "origin": "memory"}'
    """
    if not many and len(parts) == 1 and parts[0].status == "ok":
        part = parts[0]
        return (
            f'{{"status": "ok", "text": {encode_basestring(part.text or "")}, '
            f'"origin": {encode_basestring(part.origin)}}}'
        )
    return json.dumps(_combine(parts, many=many), ensure_ascii=False)


def _combine(parts: Sequence[Resolution], *, many: bool) -> dict[str, Any]:
    """One field's outcome from its segments: ok only when every segment is."""
    bad = [p for p in parts if p.status != "ok"]
    if bad:
        status = "flagged" if any(p.status == "flagged" for p in bad) else "pending"
        reasons = list(dict.fromkeys(p.reason for p in bad))
        return {"status": status, "reason": "; ".join(reasons)}
    origins = sorted({p.origin for p in parts})
    if many:
        return {"status": "ok", "texts": [p.text for p in parts], "origin": "+".join(origins)}
    return {"status": "ok", "text": parts[0].text, "origin": origins[0]}


def read_market_translations(path: StoragePath | Path | None) -> MarketTranslations:
    """A market's translation outcome, read as the build asks for it (see `MarketTranslations`).

    ``None`` (the run translated nothing) gives a reader whose every answer is None.
    """
    return MarketTranslations(path)


class MarketTranslations:
    """A market's translation outcome file, read line by line as a merge join.

    Contract: `get` answers exactly what a dict of the whole file by sku would
    (the entry without its ``"sku"``, or None), in any order. It is fast and holds
    one line at a time when the skus are asked for in the order of the snapshot the
    file was written from, which is how the build reads it: the file lists the
    products that need a translation in snapshot order, and leaves out those that
    need none (disabled or quarantined products, markets in the source language,
    products whose texts are all in the market's locales). So a sku that is not the
    next line is taken to be absent only after checking: the first such sku makes
    the reader index the file (64-bit hash of each line's sku and its offset, 16
    bytes a line), and from then on a sku not in the file is None without moving
    the cursor, a later one moves the cursor to it (skipping nothing for good: the
    lines passed stay reachable through the index), an earlier one is read at its
    offset. A sku written twice (the snapshot's skus are unique) is answered line
    by line in order. Use it as a context manager (or `close` it); an empty file is
    closed at once.

    >>> MarketTranslations(None).get("SKU-1") is None
    True
    """

    def __init__(self, path: StoragePath | Path | None) -> None:
        self._path = path
        self._stream: Any = path.open("rb") if path is not None else None
        self._offset = 0  # of the line after the current one
        self._current: tuple[str, dict[str, Any], int] | None = None  # sku, entry, offset
        self._index: tuple[Any, Any] | None = None  # sorted sku hashes, their line offsets
        self._reader: Any = None
        self._advance()

    def get(self, sku: str, default: None = None) -> dict[str, Any] | None:
        """The entry of ``sku`` (its fields' outcomes), or None when the file has none."""
        current = self._current
        if current is not None and current[0] == sku:
            self._advance()
            return current[1]
        if self._stream is None and self._index is None and self._path is None:
            return None
        return self._look_up(sku)

    def close(self) -> None:
        for stream in (self._stream, self._reader):
            if stream is not None:
                stream.close()
        self._stream = self._reader = None
        self._current = None

    def __enter__(self) -> MarketTranslations:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _advance(self) -> None:
        """Read the next line into ``_current`` (None at the end of the file)."""
        if self._stream is None:
            self._current = None
            return
        offset = self._offset
        line = self._stream.readline()
        if not line:
            self._current = None
            if self._index is None and offset == 0:
                self.close()  # an empty file: nothing to index
            return
        self._offset = offset + len(line)
        entry = json.loads(line)
        self._current = (entry.pop("sku"), entry, offset)

    def _look_up(self, sku: str) -> dict[str, Any] | None:
        """A sku that is not the current line: absent, earlier or later (through the index)."""
        if self._path is None:
            return None
        if self._index is None:
            self._index = self._build_index()
        import numpy as np

        hashes, offsets = self._index
        wanted = hash(_sku_token(sku))
        start = int(np.searchsorted(hashes, wanted, side="left"))
        stop = int(np.searchsorted(hashes, wanted, side="right"))
        matches = sorted(int(offsets[n]) for n in range(start, stop))
        if not matches:
            return None
        current = self._current[2] if self._current is not None else None
        later = [o for o in matches if current is not None and o >= current]
        for offset in later or matches:
            line = self._read_at(offset)
            entry = json.loads(line)
            if entry.pop("sku") != sku:
                continue  # another sku with the same hash
            if later:  # move the cursor to it; the lines passed stay in the index
                if self._stream is None:
                    self._stream = self._path.open("rb")
                self._stream.seek(offset + len(line))
                self._offset = offset + len(line)
                self._advance()
            return entry  # type: ignore[no-any-return]
        return None

    def _read_at(self, offset: int) -> bytes:
        if self._reader is None:
            assert self._path is not None
            self._reader = self._path.open("rb")
        self._reader.seek(offset)
        line: bytes = self._reader.readline()
        return line

    def _build_index(self) -> tuple[Any, Any]:
        """Hash of each line's sku (as written: its JSON string) and the line's offset."""
        from array import array

        import numpy as np

        assert self._path is not None
        hashes, offsets = array("q"), array("q")
        offset = 0
        with self._path.open("rb") as stream:
            for line in stream:
                # Lines start with '{"sku": ' and the sku as a JSON string.
                end = line.index(b'", ', 9) + 1
                token = line[8:end]
                if b"\\" in token:  # an escaped quote may end the match early
                    token = _sku_token(json.loads(line)["sku"])
                hashes.append(hash(token))
                offsets.append(offset)
                offset += len(line)
        keys = np.frombuffer(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        return keys[order], np.frombuffer(offsets, dtype=np.int64)[order]


def _sku_token(sku: str) -> bytes:
    """A sku as the outcome lines write it."""
    return json.dumps(sku, ensure_ascii=False).encode()
