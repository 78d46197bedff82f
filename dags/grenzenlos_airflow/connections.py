"""The Airflow connections the steps need, read at run time only (never when a DAG file
is parsed) and handed to `pipeline` as plain values: the catalog's and the translation
memory's PostgreSQL, the Akeneo API, DeepL, and the marketplaces' credentials and SFTP
servers. Every secret read here is registered with Airflow's secrets masker."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pipeline.delivery.outcome import OAuthCredentials
    from pipeline.delivery.senders import ConnectionFields
    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection


def postgres_conninfo(conn_id: str) -> str:
    """The libpq connection string of a PostgreSQL connection (the catalog's, the
    translation memory's)."""
    from airflow.sdk import Connection

    return conninfo(Connection.get(conn_id))


def conninfo(conn: Any) -> str:
    """The libpq connection string of a connection's fields: host, port (5432 when
    unset), login, password and schema (the database).

    >>> from types import SimpleNamespace as C
    >>> conninfo(C(host="db", port=None, login="me", password="p w", schema="shop"))
    "host=db port=5432 user=me password='p w' dbname=shop"
    """
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=conn.host or "",
        port=str(conn.port or 5432),
        user=conn.login or "",
        password=conn.password or "",
        dbname=conn.schema or "",
    )


def akeneo_api(conn_id: str) -> AkeneoApiConnection:
    """The Akeneo API's address and credentials
    (`transforms.catalog.akeneo_api.connection.AkeneoApiConnection`).

    Raises:
        ValueError: the connection lacks a field the API needs.
    """
    from airflow.sdk import Connection

    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

    return AkeneoApiConnection.from_airflow_connection(Connection.get(conn_id))


def deepl_access() -> tuple[str | None, str | None]:
    """DeepL key and optional server URL: connection ``deepl_default``, else the environment
    (`grenzenlos_providers.hooks.deepl.DeepLHook.access`). The key is registered with
    Airflow's secrets masker, so no log line shows it."""
    from grenzenlos_providers.hooks.deepl import DeepLHook

    return DeepLHook().access()


def marketplace_connection(conn_id: str) -> Any:
    """A marketplace's connection.

    Raises:
        ConnectionNotDefined: it is not defined; the message says where to define it.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from pipeline.delivery.outcome import ConnectionNotDefined

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        raise ConnectionNotDefined(
            conn_id,
            f"the Airflow connection {conn_id!r} is not defined (Admin -> Connections, or "
            f"AIRFLOW_CONN_{conn_id.upper()}); see the README's 'Delivering the feeds'",
        ) from None


def oauth(conn_id: str) -> OAuthCredentials:
    """An app's client id and secret and the seller's refresh token, from a marketplace's
    connection (`grenzenlos_providers.hooks.marketplaces.OAuthHook.credentials`: login =
    client id, password = client secret, the form's refresh token, and, to point at
    another server, ``endpoint`` and ``token_url``). The secrets are masked in logs.

    Raises:
        ConnectionNotDefined: the connection is not defined.
        CredentialsError: it lacks one of the three.
    """
    from grenzenlos_providers.hooks.marketplaces import OAuthHook

    return OAuthHook(conn_id).credentials()


class AirflowConnections:
    """The senders' `pipeline.delivery.senders.Connections`, read from Airflow."""

    def fields(self, conn_id: str) -> ConnectionFields:
        from grenzenlos_providers.hooks.fields import masked_fields

        return masked_fields(marketplace_connection(conn_id))

    def oauth(self, conn_id: str) -> OAuthCredentials:
        return oauth(conn_id)

    @contextmanager
    def sftp(self, conn_id: str) -> Iterator[Any]:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
        from paramiko import AuthenticationException

        from pipeline.delivery.outcome import CredentialsError

        try:
            with SFTPHook(ssh_conn_id=conn_id).get_managed_conn() as client:
                yield client
        except AuthenticationException as error:  # a retry is refused the same way
            raise CredentialsError(
                f"the SFTP server refused the login of the Airflow connection {conn_id!r}: {error}"
            ) from None
