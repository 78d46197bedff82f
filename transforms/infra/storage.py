"""Storage-agnostic file handling: staging paths and atomic publishing.

Functions here take any path object with the `pathlib`-like surface of
`StoragePath`: a `pathlib.Path` in tests and tools, Airflow's
``ObjectStoragePath`` (``file://``, ``s3://``, ``gs://``) inside the DAG. This
package never imports Airflow itself.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, Self, cast, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterator

CHUNK = 1 << 20


@runtime_checkable
class StoragePath(Protocol):
    """The part of the pathlib API the pipeline uses."""

    @property
    def name(self) -> str: ...

    @property
    def parent(self) -> Any: ...

    def __truediv__(self, other: str) -> Self: ...

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]: ...

    def exists(self) -> bool: ...

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None: ...

    def unlink(self, missing_ok: bool = False) -> None: ...

    def iterdir(self) -> Iterator[Any]: ...

    def rename(self, target: Any) -> Any: ...


BUCKET_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
"""Protocols whose "folders" are only key prefixes; their ``mkdir`` creates buckets."""


def local_path(path: StoragePath | Path) -> Path | None:
    """The local file system path behind ``path``, or None for remote storage."""
    if isinstance(path, Path):
        return path
    if getattr(path, "protocol", None) in ("file", "local"):
        return Path(str(path.path))  # type: ignore[attr-defined]  # ObjectStoragePath
    return None


def ensure_dir(path: StoragePath | Path) -> None:
    """Create a folder (and its parents); object stores need none, so errors there are ignored.

    Bucket stores are left alone: there ``mkdir`` with parents creates a missing bucket
    (s3fs), so a misspelled URL would write to a new bucket instead of failing.
    """
    local = local_path(path)
    if local is not None:
        local.mkdir(parents=True, exist_ok=True)
    elif getattr(path, "protocol", None) not in BUCKET_STORES:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except (OSError, NotImplementedError):  # pragma: no cover - object stores without folders
            pass


def publish_atomically(source: StoragePath | Path, target: StoragePath | Path) -> str:
    """Copy ``source`` to ``target`` so that readers see the old file or the whole new one.

    On a local file system the bytes go to a temporary file in the target's
    folder, are flushed to disk with fsync, and the temporary file is renamed
    over the target (``os.replace`` is atomic within one file system). On object
    storage they go to a temporary key beside the target, which is then copied
    over it (on S3 a server-side copy: readers see the old object or the whole
    new one) and deleted. Writing the target directly is not enough there: an
    fsspec file uploads what it holds when it is closed, also when an error
    closes it. A failure at any point leaves the previous target in place.

    Returns:
        The sha256 hex digest of the published bytes.
    """
    digest = hashlib.sha256()
    local = local_path(target)
    if local is None:
        # Workers on other machines share the store (and may share a process id).
        partial = f".{target.name}.{uuid.uuid4().hex}.partial"
        remote = cast("StoragePath", target.parent / partial)  # an object store path
        try:
            with source.open("rb") as src, remote.open("wb") as dst:
                _copy(src, dst, digest)
            remote.rename(target)
        finally:
            remote.unlink(missing_ok=True)
        return digest.hexdigest()
    local.parent.mkdir(parents=True, exist_ok=True)
    temporary = local.with_name(f".{local.name}.{os.getpid()}.partial")
    try:
        with source.open("rb") as src, temporary.open("wb") as dst:
            _copy(src, dst, digest)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temporary, local)
        _fsync_dir(local.parent)
    finally:
        temporary.unlink(missing_ok=True)
    return digest.hexdigest()


def _copy(src: IO[bytes], dst: IO[bytes], digest: Any) -> None:
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        dst.write(chunk)


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (the directory entry) on POSIX file systems."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def upload_tree(local_dir: Path, target: StoragePath | Path) -> int:
    """Copy every file below ``local_dir`` to the same relative place below ``target``.

    For reports built on the local disk (GX Data Docs) whose home is object storage.
    Returns the number of files copied.
    """
    count = 0
    for source in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        destination = target
        for part in source.relative_to(local_dir).parts:
            destination = destination / part
        ensure_dir(destination.parent)
        with source.open("rb") as src, destination.open("wb") as dst:
            _copy(src, dst, hashlib.sha256())
        count += 1
    return count


def remove_tree(path: StoragePath | Path) -> None:
    """Delete a folder and everything below it (a prefix's objects on object storage);
    nothing happens when it does not exist."""
    import shutil

    local = local_path(path)
    if local is not None:
        shutil.rmtree(local, ignore_errors=True)
        return
    if not path.exists():
        return
    for child in path.iterdir():
        if child.is_dir():
            remove_tree(child)
        else:
            child.unlink(missing_ok=True)
