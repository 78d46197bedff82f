"""Category mapping: the catalog's categories to each channel's, per market.

``config/categories.toml`` has one table per catalog category; each key is a
channel (``google`` takes the Google product taxonomy id) and its value either
one category for every market or a table of market -> category::

    [drinkware]
    google = 2169
    amazon = "BOTTLE"
    idealo = { DE = "Küche > Trinkflaschen" }

A listing takes the mapping of its first catalog category that has one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class CategoryError(ValueError):
    """The mapping file cannot be read or has a value of the wrong shape."""


@dataclass(frozen=True)
class CategoryMap:
    """Catalog category -> channel -> market ("*" for every market) -> channel category."""

    entries: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def for_channel(self, channel: str, market: str) -> dict[str, str]:
        """Catalog category -> the channel's category in ``market``."""
        found = {}
        for category, channels in self.entries.items():
            values = channels.get(channel, {})
            value = values.get(market) or values.get("*")
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


def load_category_map(path: Path | None) -> CategoryMap:
    """Read the mapping file; no file gives an empty map.

    Raises:
        CategoryError: naming the file, category and channel.
    """
    if path is None:
        return CategoryMap()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CategoryError(f"{path}: cannot read the category mapping: {exc}") from exc
    entries: dict[str, dict[str, dict[str, str]]] = {}
    for category, channels in raw.items():
        if not isinstance(channels, dict):
            raise CategoryError(f"{path}: [{category}] must be a table of channel = category")
        entries[category] = {}
        for channel, value in channels.items():
            if isinstance(value, str | int):
                entries[category][channel] = {"*": str(value)}
            elif isinstance(value, dict) and all(isinstance(v, str | int) for v in value.values()):
                entries[category][channel] = {m: str(v) for m, v in value.items()}
            else:
                raise CategoryError(
                    f"{path}: [{category}] {channel}: give a category, or a table of "
                    "market = category"
                )
    return CategoryMap(entries)
