"""Where an Akeneo PIM is and how to log in to its REST API, from the pipeline's
settings or an Airflow connection (read without importing Airflow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class AkeneoApiConnection:
    """Where the PIM is and how to log in to its API (an Akeneo *connection*:
    https://api.akeneo.com/documentation/authentication.html).

    The secret and the password never show in the repr (nor in logs or errors).

    Attributes:
        base_url: The PIM's URL (``https://pim.example.com``).
        client_id: The API connection's client id.
        secret: The API connection's secret.
        username: The connection's API user.
        password: That user's password.
    """

    base_url: str
    client_id: str
    secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)

    @classmethod
    def from_airflow_connection(cls, conn: Any) -> AkeneoApiConnection:
        """Build from an Airflow connection's fields: host (the PIM's URL, or its host
        name with ``schema`` ``https``/``http`` and ``port``), login, password, and
        ``client_id`` and ``secret`` in the extra. ``conn`` is any object with ``host``,
        ``schema``, ``port``, ``login``, ``password`` and ``extra_dejson``.

        >>> from types import SimpleNamespace as C
        >>> c = AkeneoApiConnection.from_airflow_connection(C(host="pim.example", schema="",
        ...     port=None, login="api", password="pw", extra_dejson={"client_id": "1_x",
        ...     "secret": "s"}))
        >>> c
        AkeneoApiConnection(base_url='https://pim.example', client_id='1_x', username='api')
        >>> AkeneoApiConnection.from_airflow_connection(C(host="http://127.0.0.1:8080/",
        ...     schema=None, port=None, login="u", password="p",
        ...     extra_dejson={"client_id": "i", "secret": "s"})).base_url
        'http://127.0.0.1:8080'

        Raises:
            ValueError: a field the API needs is empty (named, never its value).
        """
        extra = getattr(conn, "extra_dejson", None) or {}
        fields = {
            "host": str(conn.host or "").strip(),
            "login": str(conn.login or ""),
            "password": str(conn.password or ""),
            "extra client_id": str(extra.get("client_id") or ""),
            "extra secret": str(extra.get("secret") or ""),
        }
        missing = [name for name, value in fields.items() if not value]
        if missing:
            conn_id = getattr(conn, "conn_id", None)
            raise ValueError(
                f"the Akeneo API connection{f' {conn_id!r}' if conn_id else ''} lacks "
                f"{', '.join(missing)}"
            )
        scheme = getattr(conn, "conn_type", None)  # http or https in Airflow's URI form
        return cls(
            base_url=base_url(fields["host"], conn.schema, conn.port, scheme),
            client_id=fields["extra client_id"],
            secret=fields["extra secret"],
            username=fields["login"],
            password=fields["password"],
        )


def base_url(host: str, schema: str | None, port: int | None, conn_type: str | None) -> str:
    """The PIM's base URL from a connection's host, schema (``http``/``https``, the HTTP
    provider's convention), port and type (the scheme of a connection URI); https when
    none says.

    >>> base_url("pim.example", None, 8080, "http"), base_url("pim.example", "", None, None)
    ('http://pim.example:8080', 'https://pim.example')
    """
    if "://" in host:
        parts = urlsplit(host)
        netloc = parts.netloc if parts.port or not port else f"{parts.netloc}:{port}"
        return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")
    if schema in ("http", "https"):
        scheme = schema
    else:
        scheme = conn_type if conn_type in ("http", "https") else "https"
    return f"{scheme}://{host}{f':{port}' if port else ''}".rstrip("/")
