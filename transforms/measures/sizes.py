"""Clothing and shoe sizes per market, from the project's table ``transforms/measures/sizes.toml``.

Google wants ``size`` with the ``size_system`` it is in (AU BR CN DE EU FR IT JP
MEX UK US; support answers 6324492 and 6324502). The catalog states EU sizes;
a market asks for EU, UK or US. A size the table does not know stays the EU
size with ``size_system`` EU, so nothing is guessed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SizeKind = Literal["shoes", "clothing"]
Gender = Literal["male", "female", "unisex"]
SizeSystem = Literal["EU", "UK", "US"]

DEFAULT_TABLE = files("transforms.measures") / "sizes.toml"
"""The project's table: package data of `transforms`, so an installed wheel reads it too."""


@dataclass(frozen=True, slots=True)
class SizeTable:
    """EU shoe sizes by gender to UK/US, and the letter sizes every system shares."""

    shoes: dict[str, dict[str, dict[str, str]]]
    letters: frozenset[str]

    @classmethod
    def load(cls, path: Traversable = DEFAULT_TABLE) -> SizeTable:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            shoes={gender: dict(table) for gender, table in data.get("shoes", {}).items()},
            letters=frozenset(s.upper() for s in data.get("clothing", {}).get("letters", [])),
        )

    def for_market(
        self, eu_size: str, kind: SizeKind, gender: Gender, system: SizeSystem
    ) -> tuple[str, str]:
        """The size and its system as a market shows it.

        >>> table = SizeTable.load()
        >>> table.for_market("41", "shoes", "male", "UK")
        ('7', 'UK')
        >>> table.for_market("m", "clothing", "male", "US")
        ('M', 'US')
        >>> table.for_market("47", "shoes", "male", "US")
        ('47', 'EU')
        """
        size = eu_size.strip()
        if kind == "clothing" and size.upper() in self.letters:
            return size.upper(), system
        if system == "EU":
            return size, "EU"
        genders = [gender] if gender != "unisex" else ["male", "female"]
        for candidate in genders:
            mapped = self.shoes.get(candidate, {}).get(size, {}).get(system)
            if mapped is not None and kind == "shoes":
                return mapped, system
        return size, "EU"


@lru_cache(maxsize=1)
def default_table() -> SizeTable:
    """The project's table, read once per process."""
    return SizeTable.load()


def gender_of(categories: list[str]) -> Gender:
    """Guess the gender a product is made for from its category codes.

    >>> gender_of(["master_women_shoes"]), gender_of(["master_men_blazers"]), gender_of(["tshirts"])
    ('female', 'male', 'unisex')
    """
    words = {part for code in categories for part in code.lower().split("_")}
    if "women" in words or "woman" in words:
        return "female"
    if "men" in words or "man" in words:
        return "male"
    return "unisex"
