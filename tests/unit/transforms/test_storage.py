from __future__ import annotations

import hashlib
import io
from typing import IO, TYPE_CHECKING, Any

import pytest

from transforms.storage import publish_atomically

if TYPE_CHECKING:
    from pathlib import Path


def test_publish_replaces_the_target_and_returns_its_sha256(tmp_path: Path) -> None:
    source, target = tmp_path / "staged.xml", tmp_path / "out" / "DE" / "google.xml"
    source.write_bytes(b"<rss>new</rss>")
    digest = publish_atomically(source, target)
    assert target.read_bytes() == b"<rss>new</rss>"
    assert digest == hashlib.sha256(b"<rss>new</rss>").hexdigest()
    assert [p.name for p in target.parent.iterdir()] == ["google.xml"]


class _BreaksMidway:
    """A staged file whose reading fails after the first chunk, like a lost disk or bucket."""

    name = "google.xml"

    def open(self, mode: str = "rb", *args: Any, **kwargs: Any) -> IO[bytes]:
        stream = io.BytesIO(b"x" * (3 << 20))
        real_read = stream.read

        def read(size: int = -1) -> bytes:
            if stream.tell() > 0:
                raise OSError("connection reset while reading the staged feed")
            return real_read(size)

        stream.read = read  # type: ignore[method-assign]
        return stream


def test_failed_publish_leaves_the_previous_feed_in_place(tmp_path: Path) -> None:
    target = tmp_path / "google.xml"
    target.write_bytes(b"<rss>last good feed</rss>")
    with pytest.raises(OSError, match="connection reset"):
        publish_atomically(_BreaksMidway(), target)  # type: ignore[arg-type]
    assert target.read_bytes() == b"<rss>last good feed</rss>"
    assert [p.name for p in tmp_path.iterdir()] == ["google.xml"]  # no partial file left
