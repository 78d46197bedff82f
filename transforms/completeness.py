"""Per-market, per-channel completeness of a localized listing, as Akeneo PIM computes it.

Akeneo's completeness is the share of a channel's required attributes that
are filled for a locale. Here the requirements come from the configuration
(`[channels.<name>].required`, overridable per market) and are checked on the
listing after localization, so "title" means a title in the market's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.text import html_to_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from schemas.config.channel import Requirement
    from schemas.listing import Listing

_CHECKS: dict[str, Callable[[Listing], bool]] = {
    "title": lambda x: bool(x.title.strip()),
    "description": lambda x: bool(html_to_text(x.description)),
    "link": lambda x: bool(x.link),
    "image_link": lambda x: bool(x.image_links),
    "price": lambda x: x.price.amount > 0,
    "availability": lambda x: bool(x.availability),
    "brand": lambda x: bool(x.brand),
    "gtin": lambda x: bool(x.gtin),
    "mpn": lambda x: bool(x.mpn),
    "gtin_or_mpn": lambda x: bool(x.gtin or x.mpn),
    "weight": lambda x: x.weight is not None,
    "dimensions": lambda x: None not in (x.length, x.width, x.height),
    "bullet_points": lambda x: bool(x.bullet_points),
    "category": lambda x: bool(x.categories),
}


def completeness(listing: Listing, required: Sequence[Requirement]) -> tuple[int, list[str]]:
    """Return the completeness in whole percent (rounded down, as Akeneo) and what is missing.

    An empty requirement list is 100 % complete.
    """
    missing: list[str] = [name for name in required if not _CHECKS[name](listing)]
    if not required:
        return 100, missing
    return (100 * (len(required) - len(missing))) // len(required), missing
