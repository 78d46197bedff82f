"""Upload a feed file to an SFTP drop (Google Merchant Center) so that it is never seen
half-written under its registered name.

Google Merchant Center fetches the file of an SFTP data source under the name the data
source is registered with, from ``partnerupload.google.com`` (port 19321), and starts
processing it once it arrives. The upload therefore goes to a temporary name beside the
final one, its size is checked on the server, and only then is it renamed onto the final
name: with OpenSSH's ``posix-rename@openssh.com`` extension, which replaces an existing
file atomically, or, where the server lacks it, by removing the old file and renaming (a
moment with no file, never one with half a file).

Google documents only that the file must carry the registered name; its server is not
documented to accept other names or renames, and drops like it refuse them. When the
server refuses to write the temporary name, or to rename it, the file is written directly
under its final name and the outcome says so: a reader could then see it half-written,
which on Google's drop is harmless only because Google processes a file once its upload
has finished.

The client is anything with the few `paramiko.SFTPClient` methods in `SftpClient` (the
Airflow SFTP provider's ``SFTPHook.get_conn()`` returns one); this module knows neither
Airflow nor paramiko.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import posixpath
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.delivery.outcome import DeliveryError, DeliveryOutcome

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from transforms.infra.storage import StoragePath

CHUNK = 1 << 20


class RemoteAttributes(Protocol):
    """What `SftpClient.stat` returns (paramiko's ``SFTPAttributes``)."""

    @property
    def st_size(self) -> int | None: ...


class Readable(Protocol):
    """A binary stream `SftpClient.putfo` reads from."""

    def read(self, size: int = -1, /) -> bytes: ...


class SftpChannel(Protocol):
    """The channel under an `SftpClient` (paramiko's ``Channel``)."""

    @property
    def closed(self) -> bool: ...


class SftpClient(Protocol):
    """The part of `paramiko.SFTPClient` an upload uses.

    Errors are the client's own: paramiko raises ``OSError`` (``errno`` set for "no such
    file" and "permission denied", none for the server's other refusals), ``EOFError`` and
    ``paramiko.SSHException`` on a dropped connection.
    """

    def putfo(
        self,
        fl: Readable,
        remotepath: str,
        file_size: int = 0,
        callback: Callable[[int, int], object] | None = None,
        confirm: bool = True,
    ) -> Any: ...

    def stat(self, path: str) -> RemoteAttributes: ...

    def posix_rename(self, oldpath: str, newpath: str) -> None: ...

    def rename(self, oldpath: str, newpath: str) -> None: ...

    def remove(self, path: str) -> None: ...

    def listdir(self, path: str = ".") -> list[str]: ...

    def get_channel(self) -> SftpChannel | None: ...


class _Refused(Exception):
    """The server refused an operation it does not allow (a name or a rename)."""


def upload_feed(
    client: SftpClient,
    source: StoragePath | Path,
    remote_dir: str,
    remote_name: str,
    *,
    sha256: str,
) -> DeliveryOutcome:
    """Upload ``source`` to ``remote_dir/remote_name``: readers see the old file or the new
    one, never a part of it (unless the server refuses renames; see the module docstring).

    Args:
        client: A connected SFTP client (``SFTPHook(ssh_conn_id=...).get_conn()``).
        source: The published feed file (a local path or an ``ObjectStoragePath``).
        remote_dir: The folder on the server (``""`` or ``"."``: the login folder).
        remote_name: The file's name on the server (the data source's registered name).
        sha256: The sha256 hex digest of the published file; the bytes sent are hashed
            on the way and must match it, and its first 12 characters name the
            temporary file (so a retry of the same file reuses the same name).

    Returns:
        ``verdict="uploaded"``, ``reference`` the remote path, and a ``detail`` such as
        "Uploaded google.xml (123,456 bytes) to /de/feed.xml.".

    Raises:
        DeliveryError: The upload failed, the server's size differs from the file's, or
            the bytes sent are not the published file's; the message names the file and
            the server's reply. The temporary file is removed first.
    """
    final = _join(remote_dir, remote_name)
    temporary = _join(remote_dir, f".{remote_name}.{sha256[:12]}.part")
    try:
        size = _send(client, source, temporary, sha256)
    except _Refused as refusal:
        # Nothing was sent yet: check the file before it goes under the final name.
        _check_source(source, sha256)
        size = _send_directly(client, source, final, sha256)
        return _outcome(source, final, size, f"the server refused the temporary name ({refusal})")
    try:
        _replace(client, temporary, final)
    except _Refused as refusal:
        _remove_quietly(client, temporary)
        size = _send_directly(client, source, final, sha256)
        return _outcome(source, final, size, f"the server refuses renames ({refusal})")
    except DeliveryError:
        _remove_quietly(client, temporary)
        raise
    _remove_stale_parts(client, remote_dir, remote_name, keep=temporary)
    return _outcome(source, final, size, None)


def _join(remote_dir: str, name: str) -> str:
    """``name`` in ``remote_dir`` (server paths are POSIX paths)."""
    if remote_dir in ("", "."):
        return name
    return posixpath.join(remote_dir, name)


def _send(client: SftpClient, source: StoragePath | Path, remote: str, sha256: str) -> int:
    """Write ``source`` to ``remote`` and check it there; returns its size.

    Raises:
        _Refused: The server refused to create ``remote`` (before any byte was sent).
        DeliveryError: Anything else; ``remote`` is removed.
    """
    with source.open("rb") as stream:
        reader = _HashingReader(stream)
        try:
            client.putfo(reader, remote, confirm=False)
            remote_size = client.stat(remote).st_size
        except Exception as exc:  # paramiko's: OSError, EOFError, SSHException
            _remove_quietly(client, remote)
            if reader.size == 0 and _is_refusal(client, exc):
                raise _Refused(_reply(exc)) from exc
            raise DeliveryError(
                f"Uploading {source.name} to {remote} failed: {_reply(exc)}"
            ) from exc
    size = reader.size
    problem = None
    if remote_size != size:
        problem = f"the server holds {remote_size} bytes of {size:,}"
    elif reader.hexdigest() != sha256:
        problem = (
            f"the file read has sha256 {reader.hexdigest()[:12]}, not the published {sha256[:12]}"
        )
    if problem is not None:
        _remove_quietly(client, remote)
        raise DeliveryError(f"Uploading {source.name} to {remote} failed: {problem}.")
    return size


def _check_source(source: StoragePath | Path, sha256: str) -> None:
    """Raise `DeliveryError` unless ``source`` holds the published file."""
    digest = hashlib.sha256()
    with source.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise DeliveryError(
            f"Not uploading {source.name}: it has sha256 {digest.hexdigest()[:12]}, "
            f"not the published {sha256[:12]}."
        )


def _send_directly(client: SftpClient, source: StoragePath | Path, final: str, sha256: str) -> int:
    """`_send` to the final name; a refusal there is the end."""
    try:
        return _send(client, source, final, sha256)
    except _Refused as refusal:
        raise DeliveryError(
            f"Uploading {source.name} to {final} failed: the server refused it ({refusal})."
        ) from refusal


def _replace(client: SftpClient, temporary: str, final: str) -> None:
    """Rename ``temporary`` onto ``final``, replacing it.

    Raises:
        _Refused: The server refuses renames altogether.
        DeliveryError: The rename failed otherwise.
    """
    try:
        client.posix_rename(temporary, final)
        return
    except Exception as exc:
        if not _is_refusal(client, exc):
            raise DeliveryError(f"Renaming {temporary} to {final} failed: {_reply(exc)}") from exc
    # No posix-rename: SFTP's own rename does not replace, so the old file goes first.
    try:
        if _exists(client, final):
            client.remove(final)
        client.rename(temporary, final)
    except Exception as exc:
        if _is_refusal(client, exc):
            raise _Refused(_reply(exc)) from exc
        raise DeliveryError(f"Renaming {temporary} to {final} failed: {_reply(exc)}") from exc


def _exists(client: SftpClient, path: str) -> bool:
    try:
        client.stat(path)
    except FileNotFoundError:  # an OSError with errno ENOENT is one
        return False
    return True


def _is_refusal(client: SftpClient, exc: BaseException) -> bool:
    """A server's "not allowed" (permission denied) or "not supported" (a status without
    an errno: paramiko maps only "no such file" and "permission denied" to one), as opposed
    to a missing file or a dropped connection (paramiko's "Socket is closed" has no errno
    either, hence the look at the channel)."""
    if not isinstance(exc, OSError) or exc.errno not in (errno.EACCES, errno.EPERM, None):
        return False
    channel = client.get_channel()
    return channel is not None and not channel.closed


def _remove_quietly(client: SftpClient, path: str) -> None:
    """Remove ``path``; a failure (it is not there, the connection is gone) is ignored:
    the error being raised already says what went wrong."""
    with contextlib.suppress(Exception):
        client.remove(path)


def _remove_stale_parts(client: SftpClient, remote_dir: str, remote_name: str, keep: str) -> None:
    """Remove temporary files an earlier, interrupted upload of another version left
    (a killed worker removes nothing); servers that do not list or remove are left as
    they are."""
    prefix = f".{remote_name}."
    try:
        names = client.listdir(remote_dir or ".")
    except Exception:
        return
    for name in names:
        path = _join(remote_dir, name)
        if name.startswith(prefix) and name.endswith(".part") and path != keep:
            _remove_quietly(client, path)


def _reply(exc: BaseException) -> str:
    """The server's (or client's) words for an error, for a `DeliveryError`."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _outcome(
    source: StoragePath | Path, final: str, size: int, direct_because: str | None
) -> DeliveryOutcome:
    detail = f"Uploaded {source.name} ({size:,} bytes) to {final}"
    if direct_because is None:
        detail += "."
    else:
        detail += (
            f" directly under its final name, as {direct_because}: a reader could have seen "
            "it half-written during the upload."
        )
    return DeliveryOutcome(verdict="uploaded", detail=detail, reference=final)


class _HashingReader:
    """Reads a stream for `SftpClient.putfo`, counting and hashing what it hands over."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._stream.read(size)
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
