"""EU product law's attributes as shop systems' exports name them, in the one key form of
`schemas.product` that the GPSR check and the channels read.

The native and Akeneo readers take the attribute codes of `schemas.product` as they are
(``manufacturer_id``, ``safety_warning-de_DE``, ``eprel_registration_number`` ...). A shop
system has no such fields: its merchants keep them in columns of their own making, which
its export writes in its own way:

- Shopify: a metafield column ``<name> (product.metafields.<namespace>.<key>)`` (and
  ``variant.metafields``), https://help.shopify.com/en/manual/products/import-export/using-csv
  ("Metafields in CSV columns");
- WooCommerce: ``Meta: <key>`` (custom fields, often with a leading ``_``) and the
  ``Attribute N name`` / ``value(s)`` pairs (https://github.com/woocommerce/woocommerce/wiki/Product-CSV-Import-Schema);
- Magento 2: the attribute codes of ``additional_attributes`` (``energy_class=B``);
- Shopware 6: ``customFields.<name>`` columns of an export profile and property groups;
- BMEcat: a ``FEATURE``'s ``FNAME``; the Akeneo REST API: the attribute code.

`attribute_code` recognises the key inside such a name (the metafield's or custom field's
key, the meta key) and a few spellings merchants use for the same thing (`SPELLINGS`),
and gives everything else the catalog's one attribute vocabulary
(`schemas.axes.canonical_name`). A warning without a language is the catalog's
(``[catalog] locale``): a shop export holds one language. A column named otherwise is
named in ``[catalog.columns]`` (``manufacturer_id = "Hersteller-ID"``).
"""

from __future__ import annotations

import re
from typing import Final

from schemas.axes import canonical_name, fold
from schemas.product import (
    ENERGY_CLASS,
    EPREL_NUMBER,
    IMPORTER_ID,
    MANUFACTURER_ID,
    RESPONSIBLE_PERSON_ID,
    SAFETY_PICTOGRAMS,
    SAFETY_WARNING,
)

SPELLINGS: Final[dict[str, str]] = {
    # folded spelling -> the attribute of `schemas.product`
    "manufacturer_id": MANUFACTURER_ID,
    "gpsr_manufacturer_id": MANUFACTURER_ID,
    "hersteller_id": MANUFACTURER_ID,
    "responsible_person_id": RESPONSIBLE_PERSON_ID,
    "eu_responsible_person_id": RESPONSIBLE_PERSON_ID,
    "gpsr_responsible_person_id": RESPONSIBLE_PERSON_ID,
    "importer_id": IMPORTER_ID,
    "eu_importer_id": IMPORTER_ID,
    "gpsr_importer_id": IMPORTER_ID,
    "importeur_id": IMPORTER_ID,
    "safety_pictograms": SAFETY_PICTOGRAMS,
    "safety_pictogram": SAFETY_PICTOGRAMS,
    "gpsr_pictograms": SAFETY_PICTOGRAMS,
    "hazard_pictograms": SAFETY_PICTOGRAMS,
    "ghs_pictograms": SAFETY_PICTOGRAMS,
    "instructions_url": "instructions_url",
    "user_manual_url": "instructions_url",
    "manual_url": "instructions_url",
    "safety_data_sheet_url": "safety_data_sheet_url",
    "sds_url": "safety_data_sheet_url",
    "msds_url": "safety_data_sheet_url",
    "declaration_of_conformity_url": "declaration_of_conformity_url",
    "eu_declaration_of_conformity_url": "declaration_of_conformity_url",
    "energy_class": ENERGY_CLASS,
    "energy_efficiency_class": ENERGY_CLASS,
    "energy_label_class": ENERGY_CLASS,
    "energieeffizienzklasse": ENERGY_CLASS,
    "eprel_registration_number": EPREL_NUMBER,
    "eprel_number": EPREL_NUMBER,
    "eprel_id": EPREL_NUMBER,
    "eprel_registriernummer": EPREL_NUMBER,
}
"""Folded names (`schemas.axes.fold`) merchants give EU product law's attributes -> the
attribute of `schemas.product`. Kept short on purpose: a name that could mean something
else (``manufacturer`` is a name, not an id; ``warning`` may be a shipping note) is left
to ``[catalog.columns]``."""

WARNING_SPELLINGS: Final[frozenset[str]] = frozenset(
    {
        "safety_warning",
        "safety_warnings",
        "safety_information",
        "gpsr_safety_information",
        "gpsr_warning",
        "warnhinweise",
        "sicherheitshinweise",
    }
)
"""Folded names of a warning column without a language: the catalog locale's warning."""

_EMBEDDED_KEY = re.compile(
    r"""\((?:product|variant)\.metafields\.[^.()\s]+\.(?P<metafield>[^.()\s]+)\)\s*$
        |(?:^|\.)customFields\.(?P<custom_field>[^.\s]+)$
        |^\s*Meta:\s*_?(?P<meta>.+)$""",
    re.IGNORECASE | re.VERBOSE,
)
"""The key inside a Shopify metafield column, a Shopware custom field column or a
WooCommerce ``Meta:`` column."""
_LOCALIZED_WARNING = re.compile(
    r"^(?:safety_warning|safety_information)[_-](?P<lang>[a-z]{2,3})[_-](?P<region>[a-z]{2})"
    r"(?:-[a-z0-9_]+)?$",
    re.IGNORECASE,
)
"""``safety_warning-de_DE``, ``safety_warning_de_de``; a trailing Akeneo channel is dropped."""


def attribute_code(name: str, locale: str) -> str:
    """The attribute a catalog column or attribute ``name`` is kept under: EU product law's
    in the form of `schemas.product`, every other the catalog's one vocabulary.

    >>> attribute_code("Product Safety (product.metafields.custom.safety_warning)", "de_DE")
    'safety_warning-de_DE'
    >>> attribute_code("Meta: _eprel_number", "*"), attribute_code("Energy efficiency class", "*")
    ('eprel_registration_number', 'energy_class')
    >>> attribute_code("safety_warning-fr_FR", "de_DE"), attribute_code("Farbe", "de_DE")
    ('safety_warning-fr_FR', 'color')
    """
    embedded = _EMBEDDED_KEY.search(name)
    key = (
        (embedded["metafield"] or embedded["custom_field"] or embedded["meta"])
        if embedded
        else name
    )
    folded = fold(key)
    known = SPELLINGS.get(folded)
    if known is not None:
        return known
    if folded in WARNING_SPELLINGS:
        return f"{SAFETY_WARNING}-{locale}"
    warning = _LOCALIZED_WARNING.match(key.strip())
    if warning is not None:
        return f"{SAFETY_WARNING}-{warning['lang'].lower()}_{warning['region'].upper()}"
    return canonical_name(name)


PRODUCT_LAW_FIELDS: Final[frozenset[str]] = frozenset(
    {
        MANUFACTURER_ID,
        RESPONSIBLE_PERSON_ID,
        IMPORTER_ID,
        SAFETY_WARNING,
        SAFETY_PICTOGRAMS,
        "instructions_url",
        "safety_data_sheet_url",
        "declaration_of_conformity_url",
        ENERGY_CLASS,
        EPREL_NUMBER,
    }
)
"""`schemas.config.catalog.CatalogField` names that ``[catalog.columns]`` fills as EU
product law's attributes (``safety_warning`` as the catalog locale's warning)."""
