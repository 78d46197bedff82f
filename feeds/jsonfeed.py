"""Shared pieces of the JSON feed writers: exact numbers, stable bytes, content hashes."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

_NUMBER = "\u0000decimal:"
_PLACEHOLDER = re.compile('"\u0000decimal:([-+0-9.eE]+)"'.replace("\u0000", "\\\\u0000"))


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{_NUMBER}{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(document: Any) -> str:
    """JSON text with `Decimal` written as the exact number it is (never through float).

    U+2028 and U+2029 are written escaped: JSON allows them raw, but readers that
    split lines the Unicode way (JavaScript before ES2019, Python's str.splitlines)
    would cut a JSON Lines file in the middle of a string.

    >>> dumps({"value": Decimal("24.90"), "unit": "EUR", "note": "a\\u2028b"})
    '{"value":24.90,"unit":"EUR","note":"a\\\\u2028b"}'
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_decimal)
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _PLACEHOLDER.sub(r"\1", text)


def loads(text: str | bytes) -> Any:
    """Parse a feed file with decimals kept exact (so ``multipleOf 0.01`` checks hold)."""
    return json.loads(text, parse_float=Decimal)


def content_hash(document: Any) -> str:
    """Hash of an item's content, for delta runs (same content, same hash)."""
    return text_hash(dumps(document))


def text_hash(text: str) -> str:
    """`content_hash` of the document whose `dumps` is ``text`` (a writer that writes the
    text anyway serializes once).

    >>> text_hash(dumps({"sku": "A"})) == content_hash({"sku": "A"})
    True
    """
    return hashlib.sha256(text.encode()).hexdigest()[:32]
