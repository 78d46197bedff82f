"""The ``[compliance]`` section (which goods EU product law puts in scope, and which channels
enforce it) and a market's ``[markets.<code>.epr]`` registrations.

```toml
[compliance.energy_label]
categories = ["lighting", "appliances"]

[compliance.epr]
weee_categories = ["audio", "lighting"]

[markets.DE.epr]
packaging = "DE1234567890123"
weee = "DE 12345678"
```

What the rules are and where they come from: `schemas.energy` (the energy label) and
`schemas.epr` (extended producer responsibility).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from schemas.config.base import COUNTRY_CODE, StrictModel
from schemas.config.channel import check_channel_name

EprScheme = Literal["packaging", "weee", "unique_identifier"]
"""An EPR scheme a registration number is for: ``packaging`` (Germany's VerpackG, the LUCID
register), ``weee`` (Germany's ElektroG, stiftung ear), ``unique_identifier`` (France's
identifiant unique, Code de l'environnement Art. L541-10-13, one per REP scheme)."""

_REGISTRATION = Annotated[str, Field(min_length=4, max_length=50, pattern=r"^\S.*\S$")]


class EnergyLabelScope(StrictModel):
    """``[compliance.energy_label]``: the goods that carry an EU energy label
    (Regulation (EU) 2017/1369 and its delegated regulations) and where it is checked."""

    categories: list[str] = Field(default_factory=list)
    """Catalog categories (as the catalog writes them: ``lighting``, or a shop's path
    ``Home > Lighting``) whose products need an energy class and an EPREL registration
    number in EU markets; a product in any of them, or below one of the paths, is in scope
    (`schemas.compliance.category_in_scope`). Empty: no product is checked."""
    channels: list[str] | None = None
    """Channels that set such a listing aside; absent: every channel (the duty is the
    dealer's wherever the offer is shown with its price, `schemas.energy`)."""

    @field_validator("channels")
    @classmethod
    def _channels_registered(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [check_channel_name(name) for name in value]


def _default_required() -> dict[str, list[EprScheme]]:
    return {"DE": ["packaging", "weee"], "FR": ["unique_identifier"]}


class EprRules(StrictModel):
    """``[compliance.epr]``: which registrations each country asks of a seller, which goods
    each scheme covers and which channels stop a feed without them (`schemas.epr`)."""

    required: dict[Annotated[str, Field(pattern=COUNTRY_CODE.pattern)], list[EprScheme]] = Field(
        default_factory=_default_required
    )
    """Country -> the schemes a seller there must be registered in (default: DE packaging
    and WEEE, FR the unique identifier). A country not named asks for none here."""
    weee_categories: list[str] = Field(default_factory=list)
    """Catalog categories of electrical and electronic equipment (the WEEE scheme; paths
    cover their subcategories, as for the energy label);
    packaging and the French unique identifier cover every product shipped to consumers."""
    channels: list[str] = Field(default_factory=lambda: ["amazon", "ebay"])
    """Channels whose feed stops in a market where in-scope goods lack a registration:
    the marketplaces that block such sellers (`schemas.epr`)."""

    @field_validator("channels")
    @classmethod
    def _channels_registered(cls, value: list[str]) -> list[str]:
        return [check_channel_name(name) for name in value]


class Compliance(StrictModel):
    """``[compliance]``: EU product law beyond the economic operators (``[operators]``)."""

    energy_label: EnergyLabelScope = Field(default_factory=EnergyLabelScope)
    """The energy-label gate."""
    epr: EprRules = Field(default_factory=EprRules)
    """Extended producer responsibility registrations."""


class EprRegistrations(StrictModel):
    """``[markets.<code>.epr]``: the merchant's registration numbers for this market's
    country, by scheme (absent: not registered)."""

    packaging: _REGISTRATION | None = None
    """Packaging register number (Germany: LUCID, Verpackungsgesetz § 9; ``DE`` and 13
    digits)."""
    weee: _REGISTRATION | None = None
    """Electrical equipment register number (Germany: WEEE-Reg.-Nr. of stiftung ear,
    ElektroG § 6; ``DE 12345678``)."""
    unique_identifier: _REGISTRATION | None = None
    """France's identifiant unique (IDU) from ADEME's SYDEREP register (Code de
    l'environnement Art. L541-10-13)."""

    def number(self, scheme: EprScheme) -> str | None:
        """The registration number for ``scheme``, or None.

        >>> EprRegistrations(weee="DE 12345678").number("weee")
        'DE 12345678'
        """
        value: str | None = getattr(self, scheme)
        return value
