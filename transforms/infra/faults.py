"""Which failures a retry can heal.

Airflow retries a failed task after a wait. That helps when the network, a database
connection or object storage hiccupped; it does not help when the catalog file is
broken, the configuration is wrong or the data breaks a rule: those fail the task at
once, with their reason, instead of failing the same way three times five minutes apart.
"""

from __future__ import annotations

_LOCAL_FILE_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
_TRANSIENT_BY_NAME = frozenset(
    {
        # Named, not imported: importing psycopg, botocore or aiohttp here would load
        # them into every task that only wants to classify an error.
        "psycopg.OperationalError",
        "psycopg.errors.ConnectionTimeout",
        "psycopg_pool.PoolTimeout",
        "botocore.exceptions.EndpointConnectionError",
        "botocore.exceptions.ConnectTimeoutError",
        "botocore.exceptions.ReadTimeoutError",
        "aiohttp.client_exceptions.ClientConnectionError",
        "requests.exceptions.ConnectionError",
        "requests.exceptions.Timeout",
    }
)


def heals_by_retry(error: BaseException) -> bool:
    """True for I/O that can heal by waiting: network, database connection, object storage.

    A missing or unreadable local file, a bad file, a bad configuration and bad data
    do not heal.

    >>> heals_by_retry(ConnectionResetError()), heals_by_retry(TimeoutError())
    (True, True)
    >>> heals_by_retry(FileNotFoundError("products.csv")), heals_by_retry(ValueError("bad"))
    (False, False)
    >>> heals_by_retry(UnicodeDecodeError("utf-8", b"\\xff", 0, 1, "invalid start byte"))
    False
    """
    for cls in type(error).__mro__:
        if f"{cls.__module__}.{cls.__qualname__}" in _TRANSIENT_BY_NAME:
            return True
    if isinstance(error, _LOCAL_FILE_ERRORS):
        return False
    # ConnectionError, TimeoutError, socket and urllib errors, object storage I/O.
    return isinstance(error, OSError)
