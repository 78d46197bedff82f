"""The DeepL server URL from the ``deepl_default`` connection, in every form Airflow allows.

First the plain function on the fields Airflow hands a task; then the same forms set the
way an operator sets them (``AIRFLOW_CONN_DEEPL_DEFAULT``), read back through Airflow's
own ``Connection.get``, and, against DeepL's mock, used by the real client.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from transforms.translation.deepl_connection import server_url

if TYPE_CHECKING:
    from tests.deepl_mock import DeepLMock


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (("http", "127.0.0.1", 3000, "", None), "http://127.0.0.1:3000"),
        (("https", "api.deepl.com", None, "", None), "https://api.deepl.com"),
        (("https", "proxy.example", None, "deepl", None), "https://proxy.example/deepl"),
        (("http", "127.0.0.1", 3000, None, None), "http://127.0.0.1:3000"),
        (("http", "http://127.0.0.1:3000", None, None, None), "http://127.0.0.1:3000"),
        (("http", "http://127.0.0.1", 3000, None, None), "http://127.0.0.1:3000"),
        (("generic", "https://api.deepl.com/", None, None, None), "https://api.deepl.com"),
        (("http", "api.deepl.com", None, "https", None), "https://api.deepl.com"),
        (("generic", "api.deepl.com", None, None, None), "https://api.deepl.com"),
        (("http", "::1", 3000, "", None), "http://[::1]:3000"),
        (
            ("generic", None, None, None, {"server_url": "http://127.0.0.1:3000"}),
            "http://127.0.0.1:3000",
        ),
        (
            ("http", "ignored.example", 80, None, {"server_url": "https://api.deepl.com/"}),
            "https://api.deepl.com",
        ),
        (("generic", None, None, None, None), None),
        (("http", "", None, "", {}), None),
    ],
    ids=[
        "uri-http-port",
        "uri-https",
        "uri-path",
        "json-host-port",
        "json-scheme-in-host",
        "json-scheme-in-host-port-apart",
        "json-host-url-trailing-slash",
        "json-schema-is-scheme",
        "json-no-scheme-means-https",
        "ipv6",
        "extra-server-url",
        "extra-wins",
        "no-host",
        "empty-fields",
    ],
)
def test_server_url_from_the_fields(
    fields: tuple[str, str | None, int | None, str | None, dict[str, Any] | None],
    expected: str | None,
) -> None:
    assert server_url(*fields) == expected


@pytest.mark.parametrize("bad", ["127.0.0.1:3000", "ftp://deepl.example", "https://"])
def test_server_url_in_extra_must_be_absolute(bad: str) -> None:
    with pytest.raises(ValueError, match="not an absolute URL"):
        server_url("generic", None, None, None, {"server_url": bad})


KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:fx"
"""Shaped like a DeepL free key: the colon must survive the URI form."""

AS_SET = {
    "uri-http-port": ("http://:{key}@127.0.0.1:3000", "http://127.0.0.1:3000"),
    "uri-https": ("https://:{key}@api.deepl.com", "https://api.deepl.com"),
    "uri-https-port": ("https://:{key}@api.deepl.com:443", "https://api.deepl.com:443"),
    "uri-extra": (
        "generic://:{key}@?server_url=http%3A%2F%2F127.0.0.1%3A3000",
        "http://127.0.0.1:3000",
    ),
    "json-host-port": (
        {"conn_type": "http", "host": "127.0.0.1", "port": 3000, "password": "{key}"},
        "http://127.0.0.1:3000",
    ),
    "json-scheme-in-host": (
        {"conn_type": "http", "host": "http://127.0.0.1:3000", "password": "{key}"},
        "http://127.0.0.1:3000",
    ),
    "json-extra": (
        {
            "conn_type": "generic",
            "password": "{key}",
            "extra": {"server_url": "http://127.0.0.1:3000"},
        },
        "http://127.0.0.1:3000",
    ),
    "json-no-host": ({"conn_type": "generic", "password": "{key}"}, None),
}
"""``AIRFLOW_CONN_DEEPL_DEFAULT`` as an operator writes it -> the server URL it means."""


def _env_value(form: str | dict[str, Any], key: str, **replace: str) -> str:
    text = form if isinstance(form, str) else json.dumps(form)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.replace("{key}", key)


def _connection_fields(conn: Any) -> tuple[Any, ...]:
    return (conn.conn_type, conn.host, conn.port, conn.schema, conn.extra_dejson)


@pytest.mark.parametrize(("form", "expected"), AS_SET.values(), ids=AS_SET.keys())
def test_each_form_as_airflow_reads_it(
    form: str | dict[str, Any], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``Connection.get`` (the environment backend, as a task sees it), and through
    the URI round trip Airflow's secrets cache makes on the DAG processor."""
    from airflow.sdk import Connection

    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", _env_value(form, KEY))
    conn = Connection.get("deepl_default")
    assert conn.password == KEY
    assert server_url(*_connection_fields(conn)) == expected
    cached = Connection.from_uri(conn.get_uri(), conn_id="deepl_default")
    assert server_url(*_connection_fields(cached)) == expected


@pytest.mark.deepl_mock
@pytest.mark.parametrize(
    "form",
    [AS_SET["uri-http-port"][0], AS_SET["json-host-port"][0], AS_SET["json-scheme-in-host"][0]],
    ids=["uri", "json", "json-scheme-in-host"],
)
def test_the_dag_reaches_deepl_with_each_form(
    form: str | dict[str, Any], deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DAGs' own `deepl_access` reads the connection; the real client reaches the mock."""
    import deepl

    port = deepl_mock.url.rsplit(":", 1)[1]
    key = f"{uuid.uuid4()}:fx"
    value = _env_value(form, key, **{"3000": port})
    monkeypatch.setenv("AIRFLOW_CONN_DEEPL_DEFAULT", value)
    from grenzenlos_airflow.connections import deepl_access

    auth_key, server = deepl_access()
    assert (auth_key, server) == (key, deepl_mock.url)
    usage = deepl.DeepLClient(auth_key, server_url=server, send_platform_info=False).get_usage()
    assert usage.character.valid  # the mock knows the key's account: count and limit
