"""Category mapping: the catalog's categories to each channel's, per market.

``config/categories.toml`` has one table per catalog category; each key is a
channel (``google`` takes the Google product taxonomy id) and its value either
one category for every market or a table of market -> category::

    [drinkware]
    google = 2169
    amazon = "BOTTLE"
    idealo = { DE = "Küche > Trinkflaschen" }

A channel registered with ``categories_per_market=True``
(`schemas.config.channel.register_channel`: idealo, Kaufland) names its categories per
storefront, in the storefront's language, so it always takes a table; a market the
table does not name has no category in that channel (its writer sets the listing
aside), never another market's. The other channels take language-independent codes,
one for every market: Google's taxonomy id, Amazon's product type, Allegro's numeric
category id; ``mobile_cn`` is a single storefront. A listing takes the mapping of its
first catalog category that has one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from schemas.config.channel import per_market_category_channels

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

ALL_MARKETS: Final = "*"
"""Key under which a single value for every market is kept."""


class CategoryError(ValueError):
    """The mapping file cannot be read or has a value of the wrong shape."""


@dataclass(frozen=True)
class CategoryMap:
    """Catalog category -> channel -> market ("*" for every market) -> channel category."""

    entries: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def for_channel(self, channel: str, market: str) -> dict[str, str]:
        """Catalog category -> the channel's category in ``market``.

        A category mapped per market but not for ``market`` is left out: the
        listing gets no category in that channel rather than another market's.

        >>> m = CategoryMap({"tea": {"kaufland": {"DE": "Tee", "PL": "Herbata"}}})
        >>> m.for_channel("kaufland", "PL"), m.for_channel("kaufland", "CZ")
        ({'tea': 'Herbata'}, {})
        """
        found = {}
        for category, channels in self.entries.items():
            values = channels.get(channel, {})
            value = values.get(market) or values.get(ALL_MARKETS)
            if value:
                found[category] = value
        return found


def first_mapped(categories: list[str] | tuple[str, ...], mapping: dict[str, str]) -> str | None:
    """The mapped value of the first catalog category that has one.

    >>> first_mapped(["outdoor", "drinkware"], {"drinkware": "BOTTLE"})
    'BOTTLE'
    """
    for category in categories:
        if category in mapping:
            return mapping[category]
    return None


def missing_category_message(
    channel: str, market: str, categories: list[str] | tuple[str, ...]
) -> str:
    """Why a listing has no category in ``channel``, for its ``missing_category`` finding.

    >>> missing_category_message("Kaufland", "CZ", ("food", "tea"))
    'no Kaufland category for CZ in the category mapping of food, tea'
    """
    named = ", ".join(categories) or "(no catalog category)"
    return f"no {channel} category for {market} in the category mapping of {named}"


def load_category_map(path: Path | None, markets: Collection[str] | None = None) -> CategoryMap:
    """Read the mapping file; no file gives an empty map.

    Args:
        path: The TOML file, or None.
        markets: The configured market codes; a per-market table naming another
            fails. None skips that check (a writer test without a configuration).

    Raises:
        CategoryError: naming the file, category and channel: the file cannot be read,
            a value is neither a category nor a table of market = category, a table
            names a market that is not configured, or a channel that names its
            categories per market (`schemas.config.channel.per_market_category_channels`)
            has one value for every market.
    """
    if path is None:
        return CategoryMap()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CategoryError(f"{path}: cannot read the category mapping: {exc}") from exc
    per_market = per_market_category_channels()
    entries: dict[str, dict[str, dict[str, str]]] = {}
    for category, channels in raw.items():
        if not isinstance(channels, dict):
            raise CategoryError(f"{path}: [{category}] must be a table of channel = category")
        entries[category] = {}
        for channel, value in channels.items():
            where = f"{path}: [{category}] {channel}"
            if isinstance(value, str | int):
                if channel in per_market:
                    raise CategoryError(
                        f"{where}: {channel} names its categories per storefront and "
                        f'language; give a table of market = category, e.g. {{ DE = "{value}" }}'
                    )
                entries[category][channel] = {ALL_MARKETS: str(value)}
            elif isinstance(value, dict) and all(isinstance(v, str | int) for v in value.values()):
                if ALL_MARKETS in value:
                    raise CategoryError(
                        f"{where}: a table names markets; for every market give one value"
                    )
                unknown = sorted(set(value) - set(markets)) if markets is not None else []
                if unknown:
                    said = (
                        "are not configured markets"
                        if len(unknown) > 1
                        else "is not a configured market"
                    )
                    raise CategoryError(
                        f"{where}: {', '.join(unknown)} {said} "
                        f"(markets: {', '.join(sorted(markets or ()))})"
                    )
                entries[category][channel] = {m: str(v) for m, v in value.items()}
            else:
                raise CategoryError(f"{where}: give a category, or a table of market = category")
    return CategoryMap(entries)
