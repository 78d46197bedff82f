"""SFTP for tests: asyncssh's SSH server with its SFTP subsystem on a loopback port, and an
Airflow SFTP connection to it.

The server speaks real SSH and SFTP (version 3, with OpenSSH's ``posix-rename@openssh.com``
extension, as OpenSSH's own server does), so an upload goes through the same stack as in
production: the SFTP provider's connection -> ``SFTPHook`` -> paramiko -> SSH. It serves
one folder (a chroot), accepts one user by password or by public key, and can be stopped
and started again on the same port.

Switches emulate stricter servers: ``allow_rename=False`` refuses ``rename`` and
``posix-rename``, ``allow_posix_rename=False`` the latter only; ``writable_names`` refuses
to write any file whose name is not listed (Google Merchant Center's drop at
``partnerupload.google.com:19321`` takes the file under the name its data source is
registered with). It cannot reproduce Google's real server rules beyond those (which names
it takes, whether it lists, stats or deletes files), its quotas (4 GB per file), the hours a
new password takes to become valid, or the processing that follows an upload: Google
answers in Merchant Center, not on the SFTP connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, Literal

import asyncssh

if TYPE_CHECKING:
    from collections.abc import Collection, Coroutine
    from pathlib import Path

USERNAME = "grenzenlos"
PASSWORD = "sftp-test-password"


class _Login(asyncssh.SSHServer):
    """One user, by password or by a key in ``authorized_client_keys``; remembers its
    connection so that `SftpServer.stop` can drop it."""

    def __init__(self, server: SftpServer) -> None:
        self._server = server
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._server._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._server._connections.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True  # every user must authenticate

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD

    def public_key_auth_supported(self) -> bool:
        return True


class _Drop(asyncssh.SFTPServer):
    """The SFTP subsystem, confined to the server's root, with the strict-server switches."""

    def __init__(self, chan: asyncssh.SSHServerChannel, *, server: SftpServer) -> None:
        super().__init__(chan, chroot=os.fsencode(server.root))
        self._server = server

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        names = self._server.writable_names
        writing = pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC)
        if writing and names is not None and os.path.basename(os.fsdecode(path)) not in names:
            raise asyncssh.SFTPPermissionDenied(f"{os.fsdecode(path)}: not a registered name")
        return super().open(path, pflags, attrs)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        if not self._server.allow_rename:
            raise asyncssh.SFTPPermissionDenied("Renaming is not allowed")
        super().rename(oldpath, newpath)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        if not (self._server.allow_rename and self._server.allow_posix_rename):
            raise asyncssh.SFTPOpUnsupported("posix-rename is not supported")
        super().posix_rename(oldpath, newpath)


class SftpServer:
    """An SFTP server on ``127.0.0.1`` serving ``root`` (a folder of its own below ``home``).

    The port is chosen when it first starts and kept for later starts, so an Airflow
    connection made earlier still points at it after ``stop()`` and ``start()``.

    Args:
        home: A scratch folder: the served root, the host key and the client key pair go
            below it.
        allow_rename: False: refuse ``rename`` (permission denied) and ``posix-rename``
            (unsupported).
        allow_posix_rename: False: refuse ``posix-rename`` only, as servers without
            OpenSSH's extension do (SFTP's own ``rename`` does not replace a file).
        writable_names: When set, only files with these names may be written.
    """

    def __init__(
        self,
        home: Path,
        *,
        allow_rename: bool = True,
        allow_posix_rename: bool = True,
        writable_names: Collection[str] | None = None,
    ) -> None:
        self.root = home / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.allow_rename = allow_rename
        self.allow_posix_rename = allow_posix_rename
        self.writable_names = frozenset(writable_names) if writable_names is not None else None
        self.host = "127.0.0.1"
        self.port = 0
        keys = home / "keys"
        keys.mkdir(exist_ok=True)
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519", comment="grenzenlos-test")
        self.private_key_file = keys / "id_ed25519"
        client_key.write_private_key(str(self.private_key_file))
        client_key.write_public_key(str(keys / "id_ed25519.pub"))
        self.private_key_file.chmod(0o600)
        self._authorized_keys = keys / "authorized_keys"
        client_key.write_public_key(str(self._authorized_keys))
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SftpServer:
        """Listen (again, on the same port after the first start); returns self."""
        # asyncssh logs every connection, channel and request at INFO.
        logging.getLogger("asyncssh").setLevel(logging.WARNING)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="sftp-server", daemon=True
            )
            self._thread.start()
        if self._acceptor is None:
            self._acceptor = self._run(self._listen())
            self.port = self._acceptor.get_port()
        return self

    async def _listen(self) -> asyncssh.SSHAcceptor:
        def sftp_factory(chan: asyncssh.SSHServerChannel) -> _Drop:
            return _Drop(chan, server=self)

        return await asyncssh.listen(
            self.host,
            self.port,
            server_factory=lambda: _Login(self),
            server_host_keys=[self._host_key],
            authorized_client_keys=str(self._authorized_keys),
            sftp_factory=sftp_factory,
            allow_scp=False,
            reuse_address=True,
        )

    def stop(self) -> None:
        """Stop listening and drop every open connection (the loop thread stays for a
        later `start`)."""
        if self._acceptor is not None:
            self._run(self._close(self._acceptor))
            self._acceptor = None

    async def _close(self, acceptor: asyncssh.SSHAcceptor) -> None:
        acceptor.close()
        for conn in list(self._connections):
            conn.close()
        await acceptor.wait_closed()
        for conn in list(self._connections):
            await conn.wait_closed()

    def shutdown(self) -> None:
        """`stop`, then end the loop thread."""
        self.stop()
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None
            self._thread = None

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def files(self, folder: str = "") -> list[str]:
        """Every file below the root (or below ``folder`` in it), as server paths
        (``/de/feed.xml``), sorted; hidden ones included."""
        base = self.root / folder.strip("/")
        return sorted(
            "/" + path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            if path.is_file()
        )

    def read(self, remote_path: str) -> bytes:
        """The bytes of one file on the server (read from disk, not over SFTP)."""
        return (self.root / remote_path.lstrip("/")).read_bytes()

    def connection(
        self, auth: Literal["password", "key"] = "password", path: str | None = None
    ) -> str:
        """The Airflow SFTP connection for this server, as ``AIRFLOW_CONN_<ID>`` JSON.

        Host keys are not checked (``no_host_key_check``), and the user's
        ``~/.ssh/known_hosts`` and keys are left alone (``allow_host_key_change`` skips
        loading known hosts, so nothing is written there; ``look_for_keys`` false);
        ``path`` goes to the extra ``path`` (the market's folder on the server).
        """
        extra: dict[str, Any] = {
            "no_host_key_check": True,
            "allow_host_key_change": True,
            "look_for_keys": False,
            "conn_timeout": 10,
        }
        connection: dict[str, Any] = {
            "conn_type": "sftp",
            "host": self.host,
            "port": self.port,
            "login": USERNAME,
        }
        if auth == "password":
            connection["password"] = PASSWORD
        else:
            extra["private_key"] = self.private_key_file.read_text(encoding="utf-8")
        if path is not None:
            extra["path"] = path
        connection["extra"] = extra
        return json.dumps(connection)
