"""The DeepL server URL held by a connection, in every form Airflow stores one.

An Airflow connection reaches a task as separate fields, and where the URL's
scheme lands depends on how the connection was written:

- URI form, ``http://:KEY@127.0.0.1:3000`` or ``https://:KEY@api.deepl.com``:
  Airflow parses the URI's scheme into ``conn_type`` and any path into ``schema``.
- JSON form, ``{"conn_type": "http", "host": "127.0.0.1", "port": 3000, ...}``: the
  scheme is the ``conn_type``, or ``schema`` (the HTTP provider's convention,
  ``"schema": "https"``), or written into the host (``"host": "http://127.0.0.1:3000"``).
- Either form with ``server_url`` in the extra, which wins over the other fields.

Without a host (or ``server_url``) the connection names no server: the DeepL client
then uses DeepL's own API, ``api-free.deepl.com`` for a ``:fx`` key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

_SCHEMES = ("http", "https")
DEFAULT_SCHEME = "https"
"""For a host given without any scheme (``conn_type`` ``generic``, say): DeepL's API is
served over HTTPS only."""


def server_url(
    conn_type: str | None,
    host: str | None,
    port: int | None,
    schema: str | None,
    extra: Mapping[str, Any] | None = None,
) -> str | None:
    """The DeepL API base URL the connection's fields describe, or None for DeepL's own.

    Args:
        conn_type: The connection type; ``http`` or ``https`` in the URI form.
        host: Host name, or a whole URL with scheme (and port).
        port: Port, when not already in ``host``.
        schema: ``http``/``https`` (HTTP provider convention), else the URI's path,
            kept as a path prefix (a proxy that serves DeepL under ``/deepl``).
        extra: The connection's extra; ``server_url`` there overrides everything else.

    Raises:
        ValueError: ``server_url`` in the extra is not an absolute http(s) URL.

    >>> server_url("http", "127.0.0.1", 3000, "")  # http://:KEY@127.0.0.1:3000
    'http://127.0.0.1:3000'
    >>> server_url("https", "api.deepl.com", None, "")  # https://:KEY@api.deepl.com
    'https://api.deepl.com'
    >>> server_url("http", "http://127.0.0.1:3000", None, None)
    'http://127.0.0.1:3000'
    >>> server_url("http", "api.deepl.com", None, "https")
    'https://api.deepl.com'
    >>> server_url("https", "proxy.example", 8443, "deepl")
    'https://proxy.example:8443/deepl'
    >>> server_url("http", "::1", 3000, None)
    'http://[::1]:3000'
    >>> server_url("generic", None, None, None, {"server_url": "http://127.0.0.1:3000/"})
    'http://127.0.0.1:3000'
    >>> server_url("generic", "", None, None) is None  # DeepL's own API
    True
    """
    configured = (extra or {}).get("server_url")
    if configured:
        parts = urlsplit(str(configured))
        if parts.scheme not in _SCHEMES or not parts.netloc:
            raise ValueError(
                f"the DeepL connection's extra server_url {configured!r} is not an absolute "
                "URL; write it as https://host[:port]"
            )
        return str(configured).rstrip("/")
    if not host:
        return None
    if "://" in host:  # the JSON form with the scheme written into the host
        parts = urlsplit(host)
        base = f"{parts.scheme}://{parts.netloc}"
        if port and parts.port is None:
            base += f":{port}"
        return (base + parts.path).rstrip("/")
    path = ""
    if schema in _SCHEMES:
        scheme = schema
    else:
        scheme = conn_type if conn_type in _SCHEMES else DEFAULT_SCHEME
        path = f"/{schema.strip('/')}" if schema and schema.strip("/") else ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address (Airflow keeps it without brackets)
    netloc = f"{host}:{port}" if port else host
    return f"{scheme}://{netloc}{path}"
