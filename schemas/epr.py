"""Extended producer responsibility (EPR): the registrations a seller needs in a country
before marketplaces let its goods be sold there.

**The schemes** (checked December 2026):

- ``packaging``, Germany: Verpackungsgesetz (VerpackG) § 9, registration in LUCID, the
  register of the Zentrale Stelle Verpackungsregister, for anyone who first puts packaging
  filled with goods on the German market to consumers, i.e. every product shipped to
  consumers. Since 1 July 2022 marketplaces must not offer the goods of a seller who is
  not registered (§ 7(7)); Amazon.de asks for the LUCID number in Seller Central.
- ``weee``, Germany: Elektro- und Elektronikgerätegesetz (ElektroG) § 6, registration with
  stiftung elektro-altgeräte register (ear), WEEE-Reg.-Nr. ``DE 12345678``; since
  1 January 2023 marketplaces must check it (§ 6(2)) and Amazon.de and eBay.de block
  electrical listings without it.
- ``unique_identifier``, France: Code de l'environnement Art. L541-10-13, the identifiant
  unique (IDU) ADEME gives a producer per REP scheme (packaging, electrical equipment,
  furniture, textiles, ...); since 1 January 2022 marketplaces collect it and must
  otherwise pay the eco-contribution themselves. eBay France keeps the ids in the seller's
  account settings (accountsettings.ebay.fr/epr-fr: the offer's listing-level EPR id fields
  are deprecated in Sell Inventory API 1.18.2), Amazon.fr in Seller Central.

**What the pipeline does**: `missing_registrations` says which schemes a market's country
requires (``[compliance.epr] required``) that its ``[markets.<code>.epr]`` lacks; a feed
of an enforcing channel (``[compliance.epr] channels``, default Amazon and eBay, the
marketplaces above) that would list goods in scope of such a scheme is not published,
with the reason in the run summary and report (`pipeline.channel_files`). The other
channels (Google, idealo, Kaufland, Allegro, bol) are not stopped by default: a merchant
whose marketplace asks for the numbers adds it to ``channels``.

**France's circular-economy law** (loi n° 2020-105 "AGEC", 10 February 2020) also puts
two figures on a listing, read here from product attributes: the eco-participation
(``eco_participation_fee``, euros: the contribution to the eco-organisme included in the
price and shown to buyers apart from it) and the repairability
index (``repairability_index``, 0 to 10 with one decimal, Art. L541-9-2; since 8 January
2025 for televisions and 8 April 2025 for washing machines the durability index takes its
place, given on the same scale). eBay takes them on the offer (Sell Inventory API 1.18.2:
``extendedProducerResponsibility.ecoParticipationFee``, ``regulatory.repairScore``;
`feeds.ebay`); no other channel's published specification that the project holds names a
field for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from schemas.compliance import category_in_scope

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from schemas.config.compliance import EprRegistrations, EprRules, EprScheme

ECO_PARTICIPATION_FEE = "eco_participation_fee"
"""Attribute: France's eco-participation of one item in euros (``0.50``)."""
REPAIRABILITY_INDEX = "repairability_index"
"""Attribute: France's repairability (or durability) index, 0 to 10 with one decimal."""

SCHEME_NAMES: dict[EprScheme, str] = {
    "packaging": "packaging (VerpackG § 9, LUCID)",
    "weee": "electrical equipment (ElektroG § 6, stiftung ear WEEE-Reg.-Nr.)",
    "unique_identifier": "the identifiant unique (Code de l'environnement L541-10-13, ADEME)",
}
"""Each scheme as the run summary names it, with its law and register."""


@dataclass(frozen=True, slots=True)
class MissingRegistration:
    """A scheme a market's country requires and the market's configuration lacks.

    Attributes:
        scheme: ``packaging``, ``weee`` or ``unique_identifier``.
        categories: The catalog categories it covers; None for every product.
    """

    scheme: EprScheme
    categories: frozenset[str] | None

    def covers(self, categories: Collection[str]) -> bool:
        """Whether a product in ``categories`` is in scope of the scheme.

        >>> MissingRegistration("weee", frozenset({"audio"})).covers(["audio", "electronics"])
        True
        >>> MissingRegistration("packaging", None).covers([])
        True
        """
        if self.categories is None:
            return True
        return category_in_scope(categories, self.categories) is not None


def missing_registrations(
    country: str, channel: str, registrations: EprRegistrations, rules: EprRules
) -> list[MissingRegistration]:
    """The schemes whose registration a feed of ``channel`` in ``country`` needs and the
    market lacks; empty when the channel does not enforce EPR or nothing is missing.

    >>> from schemas.config.compliance import EprRegistrations, EprRules
    >>> rules = EprRules(weee_categories=["audio"])
    >>> [m.scheme for m in missing_registrations("DE", "amazon", EprRegistrations(), rules)]
    ['packaging', 'weee']
    >>> missing_registrations("DE", "google", EprRegistrations(), rules)
    []
    >>> missing_registrations("GB", "amazon", EprRegistrations(), rules)
    []
    """
    if channel not in rules.channels:
        return []
    missing = []
    for scheme in rules.required.get(country, []):
        if registrations.number(scheme) is not None:
            continue
        if scheme == "weee":
            if rules.weee_categories:  # no categories configured: no goods in scope
                missing.append(MissingRegistration(scheme, frozenset(rules.weee_categories)))
        else:
            missing.append(MissingRegistration(scheme, None))
    return missing


def stop_reason(market: str, channel: str, in_scope: dict[EprScheme, int], listed: int) -> str:
    """Why ``channel``'s feed of ``market`` is not published: the schemes without a
    registration and how many of its listings each covers.

    >>> stop_reason("DE", "amazon", {"packaging": 12, "weee": 4}, 12)
    'market DE has no EPR registration for packaging (VerpackG § 9, LUCID) (12 of 12 listings in scope: add packaging to [markets.DE.epr]), electrical equipment (ElektroG § 6, stiftung ear WEEE-Reg.-Nr.) (4 of 12 listings in scope: add weee to [markets.DE.epr]); amazon blocks such listings, so its feed is not published and the live feed stays'
    """  # noqa: E501
    schemes = ", ".join(
        f"{SCHEME_NAMES[scheme]} ({count} of {listed} listings in scope: add {scheme} to "
        f"[markets.{market}.epr])"
        for scheme, count in in_scope.items()
    )
    return (
        f"market {market} has no EPR registration for {schemes}; {channel} blocks such "
        "listings, so its feed is not published and the live feed stays"
    )


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def repairability_index(attributes: Mapping[str, str]) -> Decimal | None:
    """The product's French repairability index: 0 to 10 with at most one decimal, as
    eBay's ``repairScore`` takes it; None when absent or not such a number.

    >>> [repairability_index({REPAIRABILITY_INDEX: v}) for v in ("7,9", "10", "5.65", "11")]
    [Decimal('7.9'), Decimal('10'), None, None]
    """
    value = _decimal(attributes.get(REPAIRABILITY_INDEX))
    if value is None or not 0 <= value <= 10 or value != value.quantize(Decimal("0.1")):
        return None
    return value


def eco_participation_fee(attributes: Mapping[str, str]) -> Decimal | None:
    """The product's French eco-participation in euros, to cents; None when absent, not a
    number or zero (eBay: "0 should not be used as a default value").

    >>> [eco_participation_fee({ECO_PARTICIPATION_FEE: v}) for v in ("0.5", "0", "x")]
    [Decimal('0.50'), None, None]
    """
    value = _decimal(attributes.get(ECO_PARTICIPATION_FEE))
    if value is None or value <= 0:
        return None
    return value.quantize(Decimal("0.01"))
