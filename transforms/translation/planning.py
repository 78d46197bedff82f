"""Which segments a run needs: per market and product, the texts its locales lack.

A market needs a field (title, description, bullet points) of a product when none
of the market's ``text_locales`` has it and the market's language is not the source
language. The text translated is the source locale's (`source_texts`). Markets with
the same translation unit (target language, formality, variant: DE and AT, say)
share one segment, and identical texts are one segment per unit.

`segments_for` says it for one product and market; `Segmenter` does the same for
every market of a product at once and collects the segments into a `Batch`, the
products read but not yet written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas.product import ANY_LOCALE
from transforms.translation.glossary import base_language
from transforms.translation.memory import Segment, machine_key

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from schemas.config.market import Market
    from schemas.config.pipeline import Translation
    from schemas.product import Product
    from transforms.translation.glossary import Glossary

FIELD_TAG_HANDLING = {"title": "", "description": "html", "bullet_points": ""}
"""DeepL's tag handling per field: descriptions may hold HTML."""

DEFAULT_BATCH_PRODUCTS = 5_000
"""Products translated together: their segments are looked up, sent and written as one."""
BATCH_SEGMENTS = 50_000
"""A batch also closes when it holds this many distinct segments (long bullet lists)."""
_KEY_CACHE = 100_000
"""Memory keys kept across products for texts seen before (bullet points)."""


def source_texts(product: Product, name: str, source_locale: str) -> list[str]:
    """The texts of field ``name`` a translation starts from.

    The source locale's; without it, a title or bullet points the catalog gives for
    every locale (`ANY_LOCALE`: model names). A description has no such fallback.

    >>> from schemas.product import Product
    >>> product = Product(sku="1", title={"*": "X464de"}, description={"fr_FR": "Imprimante"})
    >>> source_texts(product, "title", "de_DE"), source_texts(product, "description", "de_DE")
    (['X464de'], [])
    """
    if name == "bullet_points":
        points = product.bullet_points
        return list(points.get(source_locale) or points.get(ANY_LOCALE) or [])
    values = product.title if name == "title" else product.description
    text = values.get(source_locale) or (values.get(ANY_LOCALE) if name == "title" else None)
    return [text] if text else []


def target_languages(markets: Sequence[Market], settings: Translation) -> set[str]:
    """The DeepL target languages of the markets not in the source language."""
    return {
        m.deepl_target for m in markets if base_language(m.deepl_target) != settings.source_lang
    }


def segments_for(
    product: Product, market: Market, settings: Translation, glossary: Glossary
) -> Iterator[tuple[str, int, Segment]]:
    """The segments ``market`` needs translated for ``product``: (field, index, segment)."""
    source_lang = settings.source_lang
    target = market.deepl_target
    if base_language(target) == source_lang:
        return
    locales = market.text_locales
    target_unit = market.translation_unit
    values: dict[str, Mapping[str, object]] = {
        "title": product.title,
        "description": product.description,
        "bullet_points": product.bullet_points,
    }
    for name in settings.fields:
        if any(values[name].get(loc) for loc in locales):
            continue
        for index, text in enumerate(source_texts(product, name, settings.source_locale)):
            if not text.strip():
                continue
            yield (
                name,
                index,
                Segment(
                    source_text=text,
                    source_lang=source_lang,
                    target=target_unit[0],
                    formality=target_unit[1],
                    variant=target_unit[2],
                    tag_handling=FIELD_TAG_HANDLING[name],
                    glossary_version=glossary.version_for(text, target),
                ),
            )


@dataclass(slots=True)
class Need:
    """A segment the batch needs, with what the request's context and the review tell.

    Attributes:
        segment: The segment.
        category: The first category of the first product that uses it.
        titles: Up to three titles of products that use it (the request's context).
        uses: How many market lines use it.
        skus: Up to five products that use it (the review file's note).
    """

    segment: Segment
    category: str
    titles: list[str]
    uses: int = 0
    skus: list[str] = field(default_factory=list)


Line = tuple[tuple[str, tuple[str, ...]], ...]
"""One market's line for one product: (field, its segments' keys) per field it needs."""


@dataclass(slots=True)
class Batch:
    """Products read but not yet written: their lines per market and the segments they need."""

    products: list[tuple[str, list[Line | None]]] = field(default_factory=list)
    needs: dict[str, Need] = field(default_factory=dict)


class Segmenter:
    """`segments_for` for every market of one product at once, the work shared.

    Markets with one translation unit (DE and AT) share their segments, and a text's
    memory key is computed once per unit, remembered for texts that come back in
    later products (bullet points). Texts without any glossary term (one search of
    all the run's terms) skip the per-language glossary search. The keys are the
    ones `segments_for` gives: the nightly benchmark seeds the memory with those.
    """

    def __init__(self, markets: Sequence[Market], settings: Translation, glossary: Glossary):
        import re

        self._settings = settings
        self._glossary = glossary
        self._source = settings.source_lang
        self._plans: list[tuple[int, str, tuple[str, str, str], frozenset[str]]] = [
            (n, m.deepl_target, m.translation_unit, frozenset(m.text_locales))
            for n, m in enumerate(markets)
            if base_language(m.deepl_target) != settings.source_lang
        ]
        self.markets = len(markets)
        terms = sorted(
            {term for _n, target, _u, _l in self._plans for term in glossary.entries(target)},
            key=len,
            reverse=True,
        )
        # Same shape as the glossary's own patterns: no match here means none in any language.
        self._any_term = (
            re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(t) for t in terms)})(?!\w)", re.IGNORECASE)
            if terms
            else None
        )
        # Per (unit, tag handling): text -> (memory key, glossary version); and text ->
        # whether it holds any glossary term. Both bounded, for texts that come back.
        self._keys: dict[tuple[tuple[str, str, str], str], dict[str, tuple[str, str]]] = {}
        self._has_term: dict[str, bool] = {}
        self._cached = 0

    def _key(self, text: str, unit: tuple[str, str, str], tag_handling: str) -> tuple[str, str]:
        """(memory key, glossary version) of ``text`` in ``unit``, as `segments_for` has them."""
        if self._cached >= _KEY_CACHE:
            self._keys.clear()
            self._has_term.clear()
            self._cached = 0
        self._cached += 1
        target, formality, variant = unit
        has_term = self._has_term.get(text)
        if has_term is None:
            has_term = self._has_term[text] = (
                self._any_term is not None and self._any_term.search(text) is not None
            )
        version = self._glossary.version_for(text, target) if has_term else ""
        key = machine_key(text, self._source, target, formality, variant, tag_handling, version)
        return key, version

    def add(self, product: Product, batch: Batch) -> None:
        """Add ``product``'s segments for every market to ``batch``."""
        source_locale = self._settings.source_locale
        fields = self._settings.fields
        texts = {
            name: [t for t in source_texts(product, name, source_locale) if t.strip()]
            for name in fields
        }
        # The locales that have a text, per field: a market needs the field when none of its
        # locales is among them (the catalog's text wins, see `localize`).
        present = {
            "title": {loc for loc, value in product.title.items() if value},
            "description": {loc for loc, value in product.description.items() if value},
            "bullet_points": {loc for loc, value in product.bullet_points.items() if value},
        }
        shared: dict[tuple[tuple[str, str, str], str], list[Any]] = {}  # -> [keys, uses]
        lines: list[Line | None] = [None] * self.markets
        needs, source = batch.needs, self._source
        for number, _target, unit, locales in self._plans:
            line: list[tuple[str, tuple[str, ...]]] = []
            for name in fields:
                if not texts[name]:
                    continue
                if not locales.isdisjoint(present[name]):
                    continue
                entry = shared.get((unit, name))
                if entry is None:
                    tag = FIELD_TAG_HANDLING[name]
                    cache = self._keys.get((unit, tag))
                    if cache is None:
                        cache = self._keys[(unit, tag)] = {}
                    found_keys = []
                    for text in texts[name]:
                        known = cache.get(text)
                        if known is None:
                            known = cache[text] = self._key(text, unit, tag)
                        key = known[0]
                        if key not in needs:
                            segment = Segment(text, source, *unit, tag, known[1])
                            needs[key] = Need(segment, "", [])
                        found_keys.append(key)
                    entry = shared[(unit, name)] = [tuple(found_keys), 0]
                entry[1] += 1
                line.append((name, entry[0]))
            if line:
                lines[number] = tuple(line)
        title = (source_texts(product, "title", source_locale) or [""])[0]
        category = product.categories[0] if product.categories else ""
        sku = product.sku
        for (_unit, _name), (keys, uses) in shared.items():
            for key in keys:
                need = needs[key]
                if not need.category and not need.uses:
                    need.category = category
                need.uses += uses
                if len(need.skus) < 5 and sku not in need.skus:
                    need.skus.append(sku)
                if title and len(need.titles) < 3 and title not in need.titles:
                    need.titles.append(title)
        batch.products.append((sku, lines))
