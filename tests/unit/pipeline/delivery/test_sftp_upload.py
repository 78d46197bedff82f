"""`upload_feed` through the Airflow SFTP provider (SFTPHook -> paramiko) against a real
SFTP server (`tests.sftp_server`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.delivery.outcome import DeliveryError
from pipeline.delivery.sftp_upload import upload_feed
from tests.sftp_server import PASSWORD, SftpServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CONN_ID = "gmc_sftp_de"
FEED = b"".join(b"<item><g:id>SKU-%06d</g:id></item>\n" % i for i in range(12_000))
"""About 400 kB: several of paramiko's 32 kB writes."""
SHA256 = hashlib.sha256(FEED).hexdigest()


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "published" / "google.xml"
    path.parent.mkdir()
    path.write_bytes(FEED)
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    """An SFTP server with a ``/de`` folder, shut down afterwards."""
    server = SftpServer(tmp_path / "sftp")
    (server.root / "de").mkdir()
    yield server.start()
    server.shutdown()


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    # paramiko offers an SSH agent's keys when one runs; the tests use only the connection's.
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def hook(monkeypatch: pytest.MonkeyPatch, server: SftpServer, **connection: Any) -> Any:
    """An SFTPHook for ``server``'s connection, set as ``AIRFLOW_CONN_GMC_SFTP_DE``; one
    connection attempt (the provider's default is three, 3-5 s apart)."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", server.connection(**connection))
    return SFTPHook(ssh_conn_id=CONN_ID, conn_retry_attempts=1)


def test_upload_with_password(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path
) -> None:
    sftp = hook(monkeypatch, server, auth="password", path="/de")
    folder = sftp.get_connection(CONN_ID).extra_dejson["path"]
    with sftp.get_managed_conn() as client:
        outcome = upload_feed(client, feed, folder, "feed.xml", sha256=SHA256)
    assert outcome.verdict == "uploaded"
    assert outcome.reference == "/de/feed.xml"
    assert outcome.detail == f"Uploaded google.xml ({len(FEED):,} bytes) to /de/feed.xml."
    assert server.files() == ["/de/feed.xml"]  # no temporary file left
    assert server.read("/de/feed.xml") == FEED


def test_upload_with_key(monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path) -> None:
    connection = json.loads(server.connection(auth="key"))
    assert "password" not in connection and "BEGIN OPENSSH PRIVATE KEY" in str(connection)
    sftp = hook(monkeypatch, server, auth="key")
    with sftp.get_managed_conn() as client:
        outcome = upload_feed(client, feed, "de", "feed.xml", sha256=SHA256)
    assert outcome.reference == "de/feed.xml"
    assert server.files() == ["/de/feed.xml"]
    assert server.read("/de/feed.xml") == FEED


def test_wrong_key_or_password_is_refused(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer
) -> None:
    import paramiko

    connection = json.loads(server.connection(auth="password"))
    connection["password"] = PASSWORD + "-wrong"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(connection))
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    with (
        pytest.raises(paramiko.AuthenticationException),
        SFTPHook(ssh_conn_id=CONN_ID, conn_retry_attempts=1).get_managed_conn(),
    ):
        pass


def test_replaces_the_existing_file_and_stale_parts(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path
) -> None:
    (server.root / "de" / "feed.xml").write_bytes(b"yesterday's feed")
    (server.root / "de" / ".feed.xml.0123456789ab.part").write_bytes(b"an interrupted upload")
    (server.root / "de" / "other.xml").write_bytes(b"not ours")
    with hook(monkeypatch, server).get_managed_conn() as client:
        upload_feed(client, feed, "/de", "feed.xml", sha256=SHA256)
    assert server.files() == ["/de/feed.xml", "/de/other.xml"]
    assert server.read("/de/feed.xml") == FEED


def test_a_server_without_posix_rename_gets_the_old_file_removed_then_renamed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, feed: Path
) -> None:
    server = SftpServer(tmp_path / "plain", allow_posix_rename=False).start()
    try:
        (server.root / "feed.xml").write_bytes(b"yesterday's feed")
        with hook(monkeypatch, server).get_managed_conn() as client:
            outcome = upload_feed(client, feed, ".", "feed.xml", sha256=SHA256)
        assert server.files() == ["/feed.xml"]
        assert server.read("/feed.xml") == FEED
    finally:
        server.shutdown()
    assert outcome.detail == f"Uploaded google.xml ({len(FEED):,} bytes) to feed.xml."


def test_a_server_that_refuses_renames_gets_the_file_directly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, feed: Path
) -> None:
    server = SftpServer(tmp_path / "strict", allow_rename=False).start()
    try:
        (server.root / "feed.xml").write_bytes(b"yesterday's feed")
        with hook(monkeypatch, server).get_managed_conn() as client:
            with pytest.raises(PermissionError):  # the server really refuses
                client.rename("feed.xml", "renamed.xml")
            outcome = upload_feed(client, feed, "", "feed.xml", sha256=SHA256)
        assert server.files() == ["/feed.xml"]
        assert server.read("/feed.xml") == FEED
    finally:
        server.shutdown()
    assert outcome.verdict == "uploaded" and outcome.reference == "feed.xml"
    assert outcome.detail.startswith(
        f"Uploaded google.xml ({len(FEED):,} bytes) to feed.xml directly under its final name,"
        " as the server refuses renames (Renaming is not allowed)"
    )


def test_a_server_that_takes_only_the_registered_name_gets_the_file_directly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, feed: Path
) -> None:
    server = SftpServer(tmp_path / "google", writable_names={"feed.xml"}).start()
    try:
        with hook(monkeypatch, server).get_managed_conn() as client:
            outcome = upload_feed(client, feed, "/", "feed.xml", sha256=SHA256)
        assert server.files() == ["/feed.xml"]
        assert server.read("/feed.xml") == FEED
    finally:
        server.shutdown()
    assert "directly under its final name, as the server refused the temporary name" in (
        outcome.detail
    )


def test_bytes_that_are_not_the_published_file_are_not_published(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path
) -> None:
    (server.root / "de" / "feed.xml").write_bytes(b"yesterday's feed")
    with (
        hook(monkeypatch, server).get_managed_conn() as client,
        pytest.raises(DeliveryError, match=r"google\.xml to /de/\.feed\.xml\..*\.part failed"),
    ):
        upload_feed(client, feed, "/de", "feed.xml", sha256="0" * 64)
    assert server.files() == ["/de/feed.xml"]
    assert server.read("/de/feed.xml") == b"yesterday's feed"


def test_a_server_that_takes_only_the_registered_name_gets_no_wrong_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, feed: Path
) -> None:
    server = SftpServer(tmp_path / "google", writable_names={"feed.xml"}).start()
    try:
        (server.root / "feed.xml").write_bytes(b"yesterday's feed")
        with (
            hook(monkeypatch, server).get_managed_conn() as client,
            pytest.raises(DeliveryError, match=r"Not uploading google\.xml: it has sha256 "),
        ):
            upload_feed(client, feed, "", "feed.xml", sha256="0" * 64)
        assert server.read("/feed.xml") == b"yesterday's feed"
    finally:
        server.shutdown()


def test_a_missing_folder_names_the_file_and_the_server_reply(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path
) -> None:
    with (
        hook(monkeypatch, server).get_managed_conn() as client,
        pytest.raises(DeliveryError, match=r"google\.xml to /fr/\.feed\.xml\..* failed: "),
    ):
        upload_feed(client, feed, "/fr", "feed.xml", sha256=SHA256)
    assert server.files() == []


class _DroppingSource:
    """A feed file whose reading stops the server after the first chunk: the connection
    drops in the middle of the upload."""

    name = "google.xml"

    def __init__(self, server: SftpServer) -> None:
        self._server = server

    def open(self, mode: str = "rb") -> io.BytesIO:
        server = self._server

        class Stream(io.BytesIO):
            def read(self, size: int | None = -1) -> bytes:
                if self.tell() > 0:
                    server.stop()
                return super().read(size)

        return Stream(FEED)


def test_a_connection_dropped_mid_upload_leaves_the_old_file(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer
) -> None:
    (server.root / "de" / "feed.xml").write_bytes(b"yesterday's feed")
    sftp = hook(monkeypatch, server)
    # Closing the dropped connection may fail too (paramiko's EOFError, depending on when
    # the drop is noticed); what is checked is the upload's own error, read after the close.
    with contextlib.suppress(EOFError), sftp.get_managed_conn() as client:
        with pytest.raises(DeliveryError, match="google.xml") as raised:
            upload_feed(client, _DroppingSource(server), "/de", "feed.xml", sha256=SHA256)  # type: ignore[arg-type]
    assert raised.type is DeliveryError
    # The part may stay (nobody could remove it), but the registered name was never touched.
    assert server.read("/de/feed.xml") == b"yesterday's feed"
    assert all(name == "/de/feed.xml" or name.endswith(".part") for name in server.files())


def test_server_down_then_up(
    monkeypatch: pytest.MonkeyPatch, server: SftpServer, feed: Path
) -> None:
    sftp = hook(monkeypatch, server, auth="key")
    server.stop()
    with pytest.raises(OSError, match=str(server.port)), sftp.get_managed_conn():
        pass  # the DAG's task fails here and Airflow retries it
    server.start()  # the same port: the connection still points at it
    with hook(monkeypatch, server, auth="key").get_managed_conn() as client:
        outcome = upload_feed(client, feed, "/de", "feed.xml", sha256=SHA256)
    assert outcome.reference == "/de/feed.xml"
    assert server.read("/de/feed.xml") == FEED
