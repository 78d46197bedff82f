"""The EU energy label a listing must show before it is published.

**The rule** (Regulation (EU) 2017/1369, Art. 5(1) and Art. 6(a), with the delegated
regulation of each product group: (EU) 2019/2015 light sources, 2019/2013 electronic
displays, 2019/2014 washing machines, 2019/2016 refrigerating appliances, 2019/2017
dishwashers, 2023/2534 tumble dryers, ...; each one's Art. 4 and its annex on distance
selling): a dealer offering an energy-labelled product at a distance shows its energy
class beside the price and makes the label and the product information sheet available;
the sheet is the one the supplier registered in EPREL (Art. 4(1) and 12), so a listing
needs both the class and the product's EPREL registration number. In force for light
sources since 1 September 2021, for the other rescaled groups since 1 March 2021 (checked
December 2026).

**Where it applies**: markets whose country is an EU member state
(`schemas.compliance.EU_MEMBER_STATES`). Great Britain has its own energy labelling since
1 January 2021 (the Energy Information Regulations 2011 as amended by the Ecodesign for
Energy-Related Products and Energy Information (Amendment) (EU Exit) Regulations 2019 and
2020; labels from the UK product database, not EPREL): it is not checked here, and
neither are CH, US and CN, whose rules differ.

**Which channels**: the duty is the dealer's, in every visual advertisement and
distance-selling offer that shows a price (Art. 6(a)), so by default every channel of an
EU market checks it (``[compliance.energy_label] channels`` narrows it): the
marketplaces enforce it on listings besides (eBay ``regulatory.energyEfficiencyLabel``,
Inventory API 1.18.2; Amazon's energy-label attributes), Google shows the label from
EPREL through ``certification`` (support.google.com/merchants/answer/13528839) and a
price-comparison site (idealo) shows a dealer's offer with its price.

**Which products**: those in a category of ``[compliance.energy_label] categories``
(`schemas.config.compliance.EnergyLabelScope`), itself or through an ancestor where the
catalog writes categories as paths (`schemas.compliance.category_in_scope`: a shop
export's ``Home > Lighting > Lamps`` is in scope of ``Home > Lighting``). Codes (Akeneo's
``lighting``) carry no parents, and neither does the category map, so those match as
written; an Akeneo export lists every category a product is classified in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from schemas.compliance import category_in_scope, in_eu
from schemas.product import ENERGY_CLASS, EPREL_NUMBER, safety_information

if TYPE_CHECKING:
    from collections.abc import Collection

    from schemas.config.compliance import EnergyLabelScope

ENERGY_LABEL_URL = "energy_label_url"
"""Attribute: URL of the product's energy label image (eBay ``imageURL``)."""
PRODUCT_INFORMATION_SHEET_URL = "product_information_sheet_url"
"""Attribute: URL of the product information sheet (eBay ``productInformationSheet``)."""

EnergyLabelRule = Literal["energy_label_missing", "eprel_number_missing"]


@dataclass(frozen=True, slots=True)
class EnergyLabelProblem:
    """What keeps one listing in scope of the energy label out of a feed.

    Attributes:
        field: The attribute to fill (``energy_class``, ``eprel_registration_number``).
        rule: ``energy_label_missing`` or ``eprel_number_missing``.
        message: What is missing and where to add it.
        value: The category that put the product in scope.
    """

    field: str
    rule: EnergyLabelRule
    message: str
    value: str


def energy_label_applies(country: str, channel: str, scope: EnergyLabelScope) -> bool:
    """Whether a listing for ``country`` in ``channel`` is checked for its energy label.

    >>> from schemas.config.compliance import EnergyLabelScope
    >>> scope = EnergyLabelScope(categories=["lighting"])
    >>> [energy_label_applies(c, "google", scope) for c in ("DE", "GB", "CH")]
    [True, False, False]
    >>> energy_label_applies("DE", "idealo", EnergyLabelScope(categories=["x"], channels=["ebay"]))
    False
    """
    if not scope.categories or not in_eu(country):
        return False
    return scope.channels is None or channel in scope.channels


def energy_label_problems(
    sku: str,
    categories: Collection[str],
    attributes: dict[str, str],
    scope: EnergyLabelScope,
) -> list[EnergyLabelProblem]:
    """What one product in an EU market lacks of its energy label; empty when it is not in
    scope or has both class and EPREL number. Call it where `energy_label_applies`.

    >>> from schemas.config.compliance import EnergyLabelScope
    >>> scope = EnergyLabelScope(categories=["lighting"])
    >>> [p.rule for p in energy_label_problems("L1", ["home", "lighting"], {}, scope)]
    ['energy_label_missing', 'eprel_number_missing']
    >>> energy_label_problems("L2", ["lighting"], {"energy_class": "F",
    ...     "eprel_registration_number": "1500042"}, scope)
    []
    >>> energy_label_problems("T1", ["tea"], {}, scope)
    []
    """
    category = category_in_scope(categories, scope.categories)
    if category is None:
        return []
    info = safety_information(attributes)
    why = (
        f"{sku} is in category {category!r}, which carries an EU energy label "
        "(Regulation (EU) 2017/1369 Art. 5): a listing in the EU shows"
    )
    problems = []
    if info.energy_class is None:
        problems.append(
            EnergyLabelProblem(
                ENERGY_CLASS,
                "energy_label_missing",
                f"{why} its energy class; set the product's {ENERGY_CLASS} attribute in the "
                "catalog (A to G, as on its label)",
                category,
            )
        )
    if info.eprel_number is None:
        problems.append(
            EnergyLabelProblem(
                EPREL_NUMBER,
                "eprel_number_missing",
                f"{why} its product information sheet from EPREL; set the product's "
                f"{EPREL_NUMBER} attribute in the catalog (the supplier's registration "
                "number in EPREL, eprel.ec.europa.eu)",
                category,
            )
        )
    return problems
