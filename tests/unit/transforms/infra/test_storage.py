from __future__ import annotations

import hashlib
import io
from typing import IO, TYPE_CHECKING, Any

import pytest

from transforms.infra.storage import publish_atomically, upload_tree

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


def test_publish_to_object_storage_writes_the_whole_object(tmp_path: Path) -> None:
    from upath import UPath

    source = tmp_path / "google.xml"
    source.write_bytes(b"<rss>" + b"x" * (3 << 20) + b"</rss>")
    target = UPath("memory://feeds-bucket/output/DE/google.xml")
    digest = publish_atomically(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()


def test_upload_tree_keeps_the_folder_layout(tmp_path: Path) -> None:
    from upath import UPath

    (tmp_path / "validations" / "run").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<html>index</html>", encoding="utf-8")
    (tmp_path / "validations" / "run" / "page.html").write_text(
        "<html>page</html>", encoding="utf-8"
    )
    target = UPath("memory://feeds-bucket/runs/2026-11-27/data_docs")
    assert upload_tree(tmp_path, target) == 2
    assert (target / "index.html").read_text(encoding="utf-8") == "<html>index</html>"
    assert (target / "validations" / "run" / "page.html").read_text(
        encoding="utf-8"
    ) == "<html>page</html>"
