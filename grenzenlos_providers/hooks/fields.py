"""A connection's fields as the senders read them, with its secrets registered with
Airflow's secrets masker: the password, the extra's values (Airflow masks those under
sensitive keys: refresh_token, service_account_info, private_key, ...) and, where a
service account key is given as JSON text, that key's own values (Google's Merchant API).
Used by the hooks and by the DAGs' `grenzenlos_airflow.connections.AirflowConnections`.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.delivery.senders import ConnectionFields


def masked_fields(conn: Any) -> ConnectionFields:
    """``conn``'s login, password and extra, every secret in them masked in the logs."""
    from airflow.sdk.log import mask_secret

    from pipeline.delivery.senders import ConnectionFields

    extra = dict(conn.extra_dejson)
    if conn.password:
        mask_secret(conn.password)
    mask_secret(extra)
    info = extra.get("service_account_info")
    if isinstance(info, str):
        with suppress(ValueError):
            mask_secret(json.loads(info))
    return ConnectionFields(conn.login or "", conn.password or "", extra)
