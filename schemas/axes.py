"""One vocabulary for variant axes and attribute names, whatever the shop system wrote.

Shop systems name the same attribute in many ways: Shopify's option ``Color``,
WooCommerce's ``pa_colour``, Magento's ``color``, a German shop's ``Farbe``. A group's
``varies_by`` and its variants' attributes must name an axis the same way, or channels
cannot tell what the variants differ in (eBay refuses the group, Google titles collide).
`canonical_name` maps every spelling onto one code, which the catalog readers apply to
both, so every later step compares plain strings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s\-./]+")

SYNONYMS: dict[str, str] = {
    # colour
    "color": "color",
    "colour": "color",
    "colors": "color",
    "colours": "color",
    "farbe": "color",
    "couleur": "color",
    "colore": "color",
    "kleur": "color",
    "kolor": "color",
    "farge": "color",
    "farg": "color",
    # size
    "size": "size",
    "sizes": "size",
    "grosse": "size",
    "groesse": "size",
    "taille": "size",
    "taglia": "size",
    "talla": "size",
    "maat": "size",
    "rozmiar": "size",
    "storlek": "size",
    # material
    "material": "material",
    "materials": "material",
    "matiere": "material",
    "materiale": "material",
    "materiaal": "material",
    # volume, capacity
    "volume": "volume",
    "volumen": "volume",
    # shoe sizes as the Akeneo demo names them
    "shoe_size": "eu_shoes_size",
    "shoes_size": "eu_shoes_size",
    "eu_shoe_size": "eu_shoes_size",
}
"""Spellings (folded: lower case, accents off, separators as ``_``) -> the code used here."""

_PREFIXES = ("pa_", "attribute_pa_", "attribute_")
"""WooCommerce names global attributes ``pa_<slug>`` and variation data ``attribute_pa_<slug>``."""


def fold(name: str) -> str:
    """Lower case, accents and ``ß`` spelled out, runs of spaces, hyphens, dots and
    slashes as one ``_``.

    >>> fold("Größe"), fold(" Main  Colour "), fold("EU-Shoe size")
    ('grosse', 'main_colour', 'eu_shoe_size')
    """
    text = name.strip().replace("ß", "ss").replace("ẞ", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SEPARATORS.sub("_", text.casefold()).strip("_")


@lru_cache(maxsize=4096)  # a catalog has a few hundred attribute names, read per product
def canonical_name(name: str) -> str:
    """The one code of an attribute or axis name: a known synonym's code, else the folded
    name.

    >>> canonical_name("Color"), canonical_name("Colour"), canonical_name("pa_colour")
    ('color', 'color', 'color')
    >>> canonical_name("Größe"), canonical_name("Size"), canonical_name("Fabric Weight")
    ('size', 'size', 'fabric_weight')
    """
    folded = fold(name)
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix) :]
            break
    return SYNONYMS.get(folded, folded)
