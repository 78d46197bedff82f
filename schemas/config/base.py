"""What every configuration model shares: the strict base model, the error a bad config
raises, and the checks of locales, currencies and countries.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Percent = Annotated[Decimal, Field(ge=0, le=100)]
"""A share in percent, 0 to 100."""

LOCALE_CODE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


class ConfigError(ValueError):
    """The configuration file does not describe a usable pipeline."""


class StrictModel(BaseModel):
    """A frozen model that refuses keys it does not know (a typo in the TOML fails)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_locale(value: str) -> str:
    """Return ``value`` if it is a locale like ``de_DE`` that CLDR knows, else raise ValueError."""
    if not LOCALE_CODE.match(value):
        raise ValueError(f"{value!r} is not a locale like de_DE")
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a locale CLDR knows") from exc
    return value
