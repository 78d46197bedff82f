"""The ``deepl`` connection type: DeepL's API key and, optionally, another server."""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import BaseHook


class DeepLHook(BaseHook):
    """DeepL's key (the connection's password) and server URL (its host, in any form
    `transforms.translation.deepl_connection.server_url` reads; empty: DeepL's own API).
    Without the connection, ``DEEPL_AUTH_KEY`` from the environment. The key is registered
    with Airflow's secrets masker as soon as it is read."""

    conn_name_attr = "deepl_conn_id"
    default_conn_name = "deepl_default"
    conn_type = "deepl"
    hook_name = "DeepL API"

    def __init__(self, deepl_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.deepl_conn_id = deepl_conn_id

    def access(self) -> tuple[str | None, str | None]:
        """The key and the server URL (None: DeepL's own); (None, None) when neither the
        connection nor ``DEEPL_AUTH_KEY`` holds a key."""
        from airflow.sdk.exceptions import AirflowNotFoundException
        from airflow.sdk.log import mask_secret

        from transforms.translation.deepl_connection import server_url

        try:
            conn = self.get_connection(self.deepl_conn_id)
        except AirflowNotFoundException:
            conn = None
        key = server = None
        if conn is not None and conn.password:
            key = conn.password
            server = server_url(
                conn.conn_type, conn.host, conn.port, conn.schema, conn.extra_dejson
            )
        else:
            key = os.environ.get("DEEPL_AUTH_KEY") or None
        if key:
            mask_secret(key)
        return key, server

    def get_conn(self) -> Any:
        """A `deepl.DeepLClient` for the key (ValueError when there is none)."""
        import deepl

        key, server = self.access()
        if not key:
            raise ValueError(
                f"no DeepL key: the connection {self.deepl_conn_id!r} has no password and "
                "DEEPL_AUTH_KEY is not set"
            )
        return deepl.DeepLClient(key, server_url=server, send_platform_info=False)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap authenticated call: the account's usage (``GET /v2/usage``), which
        costs no characters."""
        import deepl

        try:
            usage = self.get_conn().get_usage()
        except (ValueError, deepl.DeepLException) as error:
            return False, f"DeepL refused: {error}"
        character = usage.character
        if character.valid:
            return (
                True,
                f"DeepL knows the key: {character.count} of {character.limit} characters used",
            )
        return True, "DeepL knows the key"
