"""Google product taxonomy ids suggested for a catalog category by text similarity
(rapidfuzz), against the taxonomy Google publishes (``taxonomy-with-ids.en-US.txt``,
shipped in ``schemas/taxonomy/`` with its provenance).

Two kinds of evidence, each scored by rapidfuzz and merged in turn:

- the category's code (``drinkware``) against every taxonomy path, the most general match
  first (a code names a group, rarely a leaf);
- the words that set the category's product names apart from the other categories' (a
  word in every category's names, a colour say, says nothing) against the taxonomy's leaf
  names (``Desk Lamp`` finds ``Lamps``).

A suggestion is a starting point for a person: the ready-to-paste block says so.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

TAXONOMY: Final = "taxonomy"
"""The taxonomy files' folder in package ``schemas`` (package data: the wheel carries it)."""
SUGGESTIONS: Final = 6
"""Ids suggested per category: the best `BY_CODE` by the category's code, then the best
by its products' words."""
BY_CODE: Final = 2


@dataclass(frozen=True, slots=True)
class TaxonomyEntry:
    """One line of Google's ``taxonomy-with-ids``: ``543626 - Electronics > ... > Headphones``."""

    id: int
    path: str

    @property
    def leaf(self) -> str:
        return self.path.rsplit(" > ", 1)[-1]

    @property
    def depth(self) -> int:
        return self.path.count(" > ")


@dataclass(frozen=True)
class Taxonomy:
    """Google's product taxonomy in one locale, and its version line's date."""

    version: str
    entries: tuple[TaxonomyEntry, ...]


@lru_cache(maxsize=2)
def google_taxonomy(locale: str = "en-US") -> Taxonomy:
    """The shipped ``taxonomy-with-ids.<locale>.txt``.

    >>> taxonomy = google_taxonomy()
    >>> taxonomy.version, next(e.path for e in taxonomy.entries if e.id == 100)
    ('2021-09-21', 'Luggage & Bags > Backpacks')
    """
    version = ""
    entries = []
    from importlib.resources import files

    text = (
        files("schemas")
        .joinpath(TAXONOMY, f"taxonomy-with-ids.{locale}.txt")
        .read_text(encoding="utf-8")
    )
    for line in text.splitlines():
        if line.startswith("#"):
            version = line.rpartition(":")[2].strip()
            continue
        number, separator, path = line.partition(" - ")
        if separator and number.isdigit():
            entries.append(TaxonomyEntry(int(number), path))
    return Taxonomy(version, tuple(entries))


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A taxonomy id for a category, with its path and rapidfuzz's score (0-100)."""

    id: int
    path: str
    score: float


def distinctive_words(
    names_by_category: Mapping[str, Counter[str]], category: str, limit: int = 3
) -> list[str]:
    """The words of ``category``'s product names that the other categories' names lack
    most (word counts per category; weight: products with the word times the log of how
    few categories have it).

    >>> names = {"home": Counter({"lamp": 12, "black": 3}), "tea": Counter({"tea": 9, "black": 2})}
    >>> distinctive_words(names, "home")
    ['lamp']
    """
    total = len(names_by_category)
    having: Counter[str] = Counter()
    for words in names_by_category.values():
        having.update(words.keys())
    weights = {
        word: count * math.log(total / having[word])
        for word, count in names_by_category.get(category, Counter()).items()
    }
    ranked = sorted((w for w in weights if weights[w] > 0), key=lambda w: (-weights[w], w))
    return ranked[:limit]


def name_words(name: str, brand: str | None = None) -> set[str]:
    """The words of a product name that may say what it is: letters only, at least three,
    lower case, not the brand's.

    >>> sorted(name_words("Nordquell Trail Bottle 500 ml black", "Nordquell"))
    ['black', 'bottle', 'trail']
    """
    skip = set((brand or "").casefold().split())
    return {
        word
        for word in name.casefold().split()
        if len(word) >= 3 and word.isalpha() and word not in skip
    }


def suggest_google_ids(
    category: str, words: Sequence[str], taxonomy: Taxonomy | None = None
) -> list[Suggestion]:
    """Up to `SUGGESTIONS` taxonomy ids for ``category``, from its code and its products'
    distinctive ``words`` (`distinctive_words`), taken in turn, best first.

    >>> [s.id for s in suggest_google_ids("audio", ["headphones", "wireless"])][:3]
    [223, 4921, 543626]
    """
    from rapidfuzz import fuzz, process, utils

    taxonomy = taxonomy or google_taxonomy()
    entries = taxonomy.entries
    query = category.replace("_", " ").replace("-", " ")
    by_code = process.extract(
        query,
        [e.path for e in entries],
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        limit=None,
        score_cutoff=80,
    )
    code_order = sorted(
        by_code,
        key=lambda m: (-m[1], entries[m[2]].depth, -fuzz.ratio(query, entries[m[2]].leaf)),
    )
    word_order = _by_words(words, entries, query)
    chosen: dict[int, float] = {}
    picks = [(m[2], m[1]) for m in code_order[:BY_CODE]] + [(m[2], m[1]) for m in word_order]
    picks += [(m[2], m[1]) for m in code_order[BY_CODE:]]
    for index, score in picks:
        if len(chosen) < SUGGESTIONS:
            chosen.setdefault(index, float(score))
    return [Suggestion(entries[i].id, entries[i].path, round(s, 1)) for i, s in chosen.items()]


def _by_words(
    words: Sequence[str], entries: Sequence[TaxonomyEntry], code: str
) -> list[tuple[object, float, int]]:
    """Entries whose leaf has a word like one of ``words`` (rapidfuzz ``ratio`` of at least
    90 against the taxonomy's vocabulary, plural s aside: ``lamp`` meets ``Lamps``, ``lap``
    does not), the earlier words weighing more and a path that also names the category's
    ``code`` half a word more (``home`` + ``lamp``: ``Home & Garden > Lighting > Lamps``
    before ``Furniture > Office Furniture > Desks``); among equals the leaf with fewer
    words (``Lamps`` before ``Lamp Shades``)."""
    from rapidfuzz import fuzz, process, utils

    def singular(text: str) -> list[str]:
        return [w.removesuffix("s") for w in utils.default_process(text).split()]

    vocabulary = sorted({w for e in entries for w in singular(e.leaf)})
    scores: dict[int, float] = {}
    for rank, word in enumerate(words):
        alike = {
            match
            for match, _, _ in process.extract(
                word.removesuffix("s"),
                vocabulary,
                scorer=fuzz.ratio,
                limit=None,
                score_cutoff=90,
            )
        }
        for index, entry in enumerate(entries):
            if alike.intersection(singular(entry.leaf)):
                scores[index] = scores.get(index, 0.0) + len(words) - rank
    context = set(singular(code))
    for index in scores:
        if context.intersection(singular(entries[index].path)):
            scores[index] += len(words) / 2
    best = max(scores.values(), default=0) or 1
    ranked = sorted(
        scores.items(),
        key=lambda m: (-m[1], len(entries[m[0]].leaf.split()), entries[m[0]].depth),
    )
    return [(None, 100.0 * score / best, index) for index, score in ranked]
