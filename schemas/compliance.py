"""EU product law a listing must meet before it is published: the economic operators of the
General Product Safety Regulation.

**The rule** (Regulation (EU) 2023/988, the GPSR, Art. 19, applicable from 13 December
2024): a product offered online to consumers in the EU names its manufacturer (name,
postal and electronic address) and, when the manufacturer is not established in the EU,
the person responsible for it in the EU (Art. 16 of the GPSR with Art. 4 of Regulation
(EU) 2019/1020: an EU responsible person, or the importer into the EU). The marketplaces
suppress a listing without them after it went live, so we set it aside before:
`gpsr_problems` says what a listing lacks and where to add it.

**Where it applies**: markets whose country is an EU member state (`EU_MEMBER_STATES`);
GB, CH, US and CN markets are untouched. **Which channels enforce it** (`GPSR_CHANNELS`,
as checked in December 2026): Amazon's EU stores (listing attributes in
``JSON_LISTINGS_FEED`` and the Listings Items API, changelog "Support for GPSR
compliance"), eBay (Inventory API ``regulatory``: manufacturer, up to five responsible
persons), Allegro (responsible producers and persons referenced by offers), bol.com
(economic operators; offers without a valid one kept off sale since 1 February 2025) and
Kaufland (GPSR fields). Google's product data specification had no GPSR attribute when
checked (an unverified absence): Google is not listed, and no other channel is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from schemas.product import MANUFACTURER_ID, RESPONSIBLE_PERSON_ID

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from schemas.config.operators import Operator, Operators

EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
"""The 27 member states of the European Union as ISO 3166-1 alpha-2 codes (Greece is
``GR``, not the EU's own ``EL``), as listed at european-union.europa.eu "EU countries"
(checked December 2026; the United Kingdom left on 31 January 2020). EEA states outside
the EU (Iceland, Liechtenstein, Norway) are not in it: no market of ours sells there."""

GPSR_CHANNELS: frozenset[str] = frozenset({"amazon", "ebay", "allegro", "kaufland", "bol"})
"""Channels that suppress an EU listing without its GPSR operators; see the module docstring
for each one's source."""

GpsrRule = Literal["gpsr_manufacturer_missing", "gpsr_responsible_person_missing"]


@dataclass(frozen=True, slots=True)
class GpsrProblem:
    """What keeps one listing out of a GPSR channel.

    Attributes:
        field: The attribute to fill (``manufacturer_id``, ``responsible_person_id``).
        rule: ``gpsr_manufacturer_missing`` or ``gpsr_responsible_person_missing``.
        message: What is missing and where to add it.
        value: The id or brand that did not resolve, when there is one.
    """

    field: str
    rule: GpsrRule
    message: str
    value: str | None = None


def in_eu(country: str) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2) is an EU member state.

    >>> in_eu("DE"), in_eu("GB"), in_eu("CH")
    (True, False, False)
    """
    return country in EU_MEMBER_STATES


def category_in_scope(categories: Iterable[str], scope: Collection[str]) -> str | None:
    """The first of a product's ``categories`` that ``scope`` names, itself or through an
    ancestor; None when none is. A category written as a path (WooCommerce's and
    Shopify's ``Home > Lighting > Lamps``, Magento's ``Default Category/Home/Lighting``)
    has its leading parts as ancestors; a code (Akeneo's ``lighting``) has none known.

    >>> category_in_scope(["home", "lighting"], {"lighting"})
    'lighting'
    >>> category_in_scope(["Home > Lighting > Lamps"], {"Home > Lighting"})
    'Home > Lighting'
    >>> category_in_scope(["Default Category/Gear/Bags"], {"Gear"}) is None
    True
    """
    for category in categories:
        for separator in (" > ", "/"):
            parts = category.split(separator)
            for end in range(len(parts), 0, -1):
                lineage = separator.join(parts[:end])
                if lineage in scope:
                    return lineage
    return None


def gpsr_applies(country: str, channel: str) -> bool:
    """Whether a listing for ``country`` in ``channel`` must name its GPSR operators.

    >>> gpsr_applies("DE", "ebay"), gpsr_applies("DE", "google"), gpsr_applies("GB", "amazon")
    (True, False, False)
    """
    return channel in GPSR_CHANNELS and country in EU_MEMBER_STATES


def _named(operator: tuple[str, Operator]) -> str:
    ident, found = operator
    return f"{found.name} ([operators.{ident}], {found.address.country})"


def gpsr_problems(
    sku: str,
    brand: str | None,
    attributes: Mapping[str, str],
    operators: Operators,
) -> list[GpsrProblem]:
    """What one product lacks under GPSR Art. 19 to be listed in an EU market; empty when
    nothing. Call it where `gpsr_applies`.

    The manufacturer is the ``manufacturer_id`` attribute's operator, else the one
    ``[operators.brands]`` maps the brand to. A manufacturer outside the EU needs an EU
    responsible person (the ``responsible_person_id`` attribute's operator) or, failing
    that, an importer established in the EU (``importer_id``).

    >>> from schemas.config.operators import Operators
    >>> [p.rule for p in gpsr_problems("A1", "Acme", {}, Operators())]
    ['gpsr_manufacturer_missing']
    """
    found = operators.resolve(attributes, brand)
    if found.manufacturer is None:
        named = found.unknown.get(MANUFACTURER_ID)
        if named is not None:
            where = (
                f"its {MANUFACTURER_ID} {named!r} has no [operators.{named}] table in the "
                "configuration: add it"
            )
        elif brand:
            where = (
                f"add the manufacturer as an [operators.<id>] table in the configuration and "
                f'map the brand in [operators.brands] ({brand} = "<id>"), or set the '
                f"product's {MANUFACTURER_ID} attribute"
            )
        else:
            where = (
                f"set the product's {MANUFACTURER_ID} attribute to an [operators.<id>] table "
                "of the configuration"
            )
        return [
            GpsrProblem(
                MANUFACTURER_ID,
                "gpsr_manufacturer_missing",
                f"{sku} names no manufacturer, which EU product law (GPSR Art. 19) requires "
                f"of every listing in the EU: {where}",
                named or brand,
            )
        ]
    if in_eu(found.manufacturer[1].address.country):
        return []
    for candidate in (found.responsible_person, found.importer):
        if candidate is not None and in_eu(candidate[1].address.country):
            return []
    named = found.unknown.get(RESPONSIBLE_PERSON_ID)
    if named is not None:
        where = f"its {RESPONSIBLE_PERSON_ID} {named!r} has no [operators.{named}] table: add it"
    elif found.responsible_person is not None:
        where = (
            f"its responsible person {_named(found.responsible_person)} is not established in "
            f"the EU: set {RESPONSIBLE_PERSON_ID} to one that is"
        )
    else:
        where = (
            f"set the product's {RESPONSIBLE_PERSON_ID} attribute to an [operators.<id>] "
            "table of the configuration with an address in the EU"
        )
    return [
        GpsrProblem(
            RESPONSIBLE_PERSON_ID,
            "gpsr_responsible_person_missing",
            f"{sku}: its manufacturer {_named(found.manufacturer)} is outside the EU, so EU "
            f"product law (GPSR Art. 19) requires an EU responsible person: {where}",
            named,
        )
    ]
