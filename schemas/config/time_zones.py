"""Time zones of the merchant and of each market: a sale's start and end are read in the
merchant's and published in the market's.

A market's time zone defaults from its country (`COUNTRY_TIME_ZONES`); a country with
several (the United States) gets the one most of its buyers and its marketplaces' own
settings use, and a market may name another with ``time_zone``.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COUNTRY_TIME_ZONES: dict[str, str] = {
    # The EU member states (one zone each on the mainland; Portugal: Lisbon, Spain: Madrid).
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GR": "Europe/Athens",
    "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
    "IT": "Europe/Rome", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava",
    # Elsewhere in Europe.
    "CH": "Europe/Zurich", "GB": "Europe/London", "NO": "Europe/Oslo",
    "IS": "Atlantic/Reykjavik", "LI": "Europe/Vaduz",
    # Further afield. The United States span six zones: Eastern, where most of the
    # population lives and Amazon.com's and Google's US defaults point, is the default.
    "US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland",
    "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei",
    "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "SG": "Asia/Singapore",
    "IN": "Asia/Kolkata", "AE": "Asia/Dubai", "TR": "Europe/Istanbul",
}  # fmt: skip
"""ISO 3166-1 country -> the IANA time zone its market uses unless it names one
(``[markets.<code>] time_zone``). A country not listed needs ``time_zone``."""


def check_time_zone(value: str) -> str:
    """Return ``value`` if the IANA database (zoneinfo) knows it, else raise ValueError.

    >>> check_time_zone("Europe/Zurich")
    'Europe/Zurich'
    """
    try:
        zone_info(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (Europe/Berlin)") from None
    return value


@lru_cache(maxsize=64)
def zone_info(name: str) -> ZoneInfo:
    """The zone of that name, looked up once."""
    return ZoneInfo(name)
