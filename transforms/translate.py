"""Translate what the markets lack, once per target language, through the memory.

For every market and product, a text (title, description, each bullet point) is
needed when none of the market's ``text_locales`` has it and the market's
language is not the source language. Markets with the same translation unit
(target language, formality, variant: DE and AT, say) share one translation, and
identical texts are translated once per unit.

The order of resolution, first match wins:

1. the catalog's own text in one of the market's locales (used by `localize`);
2. an approved human translation in the memory (translators' TMX/XLIFF, and the
   catalog's own localized texts, recorded as human pairs);
3. a machine translation in the memory that passed the QA gate;
4. DeepL, for what is left, when there is a key and the run's budget allows; the
   answer is checked (`transforms.translation_qa`) and stored either way.

What is still missing is *pending* with the reason; what failed QA is *flagged*.
`localize` applies each market's ``when_pending`` to them. The outcome per market
is a JSON Lines file (one line per product that needed a translation, in snapshot
order, read back with `read_market_translations`); the run's report and one XLIFF
1.2 file per target language for review go beside it. The snapshot is streamed in
batches, so a run's memory does not grow with the catalog.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
from typing import IO, TYPE_CHECKING, Any, Literal

from schemas.product import ANY_LOCALE
from transforms.glossary import base_language
from transforms.machine_translation import BatchFailed, DeepLTranslator, plan_batches
from transforms.storage import ensure_dir
from transforms.translation_exchange import (
    ExchangeError,
    HumanTranslation,
    ReviewUnit,
    read_tmx,
    read_xliff,
    write_xliff,
)
from transforms.translation_memory import NewEntry, Segment, human_key, machine_key
from transforms.translation_qa import check_translation

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

    from schemas.market import Market, Translation
    from schemas.product import Product
    from transforms.glossary import Glossary
    from transforms.storage import StoragePath
    from transforms.translation_memory import TranslationMemory

Status = Literal["ok", "pending", "flagged"]
FIELD_TAG_HANDLING = {"title": "", "description": "html", "bullet_points": ""}
_CONTEXT_LIMIT = 1000


@dataclass(slots=True)
class Resolution:
    """How one segment ended up in this run.

    Attributes:
        status: ``ok``, ``pending`` (no translation yet) or ``flagged`` (failed QA).
        text: The translation, when ``ok``.
        origin: ``human``, ``memory`` (machine, from an earlier run) or ``deepl`` (this run).
        reason: Why it is pending or flagged.
    """

    status: Status
    text: str | None = None
    origin: str = ""
    reason: str = ""


@dataclass(slots=True)
class _Need:
    segment: Segment
    category: str
    titles: list[str]
    uses: int = 0
    skus: list[str] = field(default_factory=list)


@dataclass
class LanguageReport:
    """Per target language: what the run needed, found and spent."""

    segments: int = 0
    human: int = 0
    memory: int = 0
    deepl: int = 0
    pending: int = 0
    flagged: int = 0
    requests: int = 0
    retries: int = 0
    characters_sent: int = 0
    characters_billed: int = 0
    stopped: str | None = None


@dataclass
class TranslationOutcome:
    """What `translate_catalog` did, for the DAG's XCom and the run report.

    Attributes:
        files: Per market, its outcome file.
        report: The run's report (see `translate_catalog`).
        deepl_state: The DeepL session's state at the end (`DeepLTranslator.session_state`),
            for a later call of the same run to go on from; None without a key.
    """

    files: dict[str, str]
    report: dict[str, Any]
    deepl_state: dict[str, Any] | None = None


def segments_for(
    product: Product, market: Market, settings: Translation, glossary: Glossary
) -> Iterator[tuple[str, int, Segment]]:
    """The segments ``market`` needs translated for ``product``: (field, index, segment)."""
    source_lang = settings.source_lang
    target = market.deepl_target
    if base_language(target) == source_lang:
        return
    locales = market.text_locales
    source_locale = settings.source_locale
    target_unit = market.translation_unit
    for name in settings.fields:
        if name == "title":
            if any(product.title.get(loc) for loc in locales):
                continue
            texts = [product.title.get(source_locale) or product.title.get(ANY_LOCALE) or ""]
        elif name == "description":
            if any(product.description.get(loc) for loc in locales):
                continue
            texts = [product.description.get(source_locale) or ""]
        else:
            if any(product.bullet_points.get(loc) for loc in locales):
                continue
            texts = list(
                product.bullet_points.get(source_locale)
                or product.bullet_points.get(ANY_LOCALE)
                or []
            )
        for index, text in enumerate(texts):
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


def import_human_translations(
    memory: TranslationMemory,
    files: Sequence[Path],
    settings: Translation,
    variants: set[str],
    run: str,
) -> dict[str, Any]:
    """Load translators' TMX/XLIFF files into the memory as approved entries.

    A file whose content was imported before is skipped. ``variants`` are the
    locales of markets with their own variant: a translation into one of them is
    stored for that market only.

    Returns counts per file for the report.

    Raises:
        ExchangeError: a file is not TMX 1.4 / XLIFF 1.2.
    """
    from schemas.market import deepl_target_for

    summary: dict[str, Any] = {}
    for path in files:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if memory.was_imported(digest):
            summary[path.name] = {"status": "unchanged since last import"}
            continue
        import io

        if path.name.lower().endswith(".tmx"):
            pairs: list[HumanTranslation] = list(read_tmx(io.BytesIO(data), path.name))
            skipped = 0
        elif path.name.lower().endswith((".xlf", ".xliff")):
            pairs, skipped = read_xliff(io.BytesIO(data), path.name)
        else:
            raise ExchangeError(f"{path.name}: translators' files must be .tmx, .xlf or .xliff")
        entries = []
        for pair in pairs:
            source_lang = pair.source_locale.partition("_")[0].upper()
            if source_lang != settings.source_lang:
                skipped += 1
                continue
            target = deepl_target_for(pair.target_locale)
            variant = pair.target_locale if pair.target_locale in variants else ""
            entries.append(
                NewEntry(
                    key=human_key(pair.source_text, source_lang, target, variant),
                    origin="human",
                    source_lang=source_lang,
                    target_lang=target,
                    variant=variant,
                    source_text=pair.source_text,
                    target_text=pair.target_text,
                )
            )
        memory.store(entries, run)
        memory.record_import(digest, path.name, len(entries), run)
        summary[path.name] = {"imported": len(entries), "skipped": skipped}
    return summary


def _catalog_pairs(
    product: Product, settings: Translation, targets: set[str]
) -> Iterator[NewEntry]:
    """The catalog's own localized texts as human pairs (source text -> locale's text)."""
    from schemas.market import deepl_target_for

    source_locale, source_lang = settings.source_locale, settings.source_lang
    pairs: list[tuple[str, str, str]] = []  # (source text, locale, translation)
    for values in (product.title, product.description):
        source = values.get(source_locale) or (
            values.get(ANY_LOCALE) if values is product.title else None
        )
        if source:
            pairs += [
                (source, locale, text)
                for locale, text in values.items()
                if locale not in (source_locale, ANY_LOCALE) and text
            ]
    source_points = product.bullet_points.get(source_locale) or []
    for locale, points in product.bullet_points.items():
        if locale not in (source_locale, ANY_LOCALE) and len(points) == len(source_points):
            pairs += [(s, locale, t) for s, t in zip(source_points, points, strict=True) if s and t]
    for source, locale, text in pairs:
        target = deepl_target_for(locale)
        if target in targets:
            key = human_key(source, source_lang, target)
            yield NewEntry(key, "human", source_lang, target, "", source, text)


DEFAULT_BATCH_PRODUCTS = 5_000
"""Products translated together: their segments are looked up, sent and written as one."""
_BATCH_SEGMENTS = 50_000
"""A batch also closes when it holds this many distinct segments (long bullet lists)."""
_SHARED_RESOLUTIONS = 20_000
"""Resolutions kept across batches for texts used more than once (bullet points)."""
_KEY_CACHE = 100_000
"""Memory keys kept across products for texts seen before (bullet points)."""


def translate_catalog(
    read_products: Callable[[], Iterable[Product]],
    markets: Sequence[Market],
    settings: Translation,
    glossary: Glossary,
    memory: TranslationMemory,
    out_dir: StoragePath | Path,
    *,
    review_dir: StoragePath | Path,
    auth_key: str | None,
    run: str,
    skip: Mapping[str, object] | None = None,
    glossary_targets: Sequence[str] = (),
    batch_size: int = DEFAULT_BATCH_PRODUCTS,
    record_pairs: bool = True,
    deepl_state: Mapping[str, Any] | None = None,
) -> TranslationOutcome:
    """Resolve every segment the markets need and write one file per market.

    Per-market outcome files go to ``out_dir``, one line per product that needs a
    translation, in the order ``read_products`` yields them; one XLIFF 1.2 review
    file per target language (new DeepL translations, held-back and pending texts)
    to ``review_dir``.

    ``read_products`` is called twice and streamed: first the catalog's own
    localized texts are recorded in the memory as human pairs (all of them before
    any segment is resolved, so a product early in the catalog can use a text of a
    later one); then the products go in batches of ``batch_size`` (fewer when a
    batch reaches 50,000 distinct segments): the batch's segments are collected and
    deduplicated, looked up in the memory in one query, the rest sent to DeepL, and
    the batch's lines written before the next batch is read. What the run keeps
    across batches is bounded, except the texts the review files list (new DeepL
    translations, flagged and pending ones). Distinct segments per language, for
    the report, are counted from a scratch file, not held in memory.

    Products in ``skip`` (quarantined) and disabled ones are not translated.
    ``glossary_targets`` are every configured market's target language: the DeepL
    glossary covers all of them, whichever this run needs.

    A run split by target language (several calls, one per language) records the
    catalog's pairs once beforehand (`record_catalog_pairs`) and passes
    ``record_pairs=False``: its report then has no ``catalog_pairs_recorded``. It
    passes ``deepl_state`` (the `TranslationOutcome.deepl_state` of an earlier call,
    or of a session that synced the glossary beforehand) so the glossary is taken
    over, not synced again. Markets that are all in the source language need no
    reading of the catalog: their files are empty. The characters sent to DeepL are
    counted in the memory under ``run``, so all calls of a run share its
    ``character_budget`` (see `DeepLTranslator`).
    """
    import tempfile
    from contextlib import ExitStack
    from pathlib import Path

    skip = skip or {}
    targets = _targets(markets, settings)
    translator = (
        DeepLTranslator(
            auth_key,
            settings,
            glossary,
            memory,
            glossary_targets=sorted({*glossary_targets, *targets}),
            run=run,
        )
        if auth_key
        else None
    )
    if translator is not None and deepl_state is not None:
        translator.resume(deepl_state)
    state = _RunState(sorted(targets))
    segmenter = _Segmenter(markets, settings, glossary)
    ensure_dir(out_dir)
    files = {m.code: str(out_dir / f"{m.code}.jsonl") for m in markets}
    recorded = (
        record_catalog_pairs(read_products, markets, settings, memory, run, skip, batch_size)
        if record_pairs
        else None
    )
    with tempfile.TemporaryDirectory(prefix="grenzenlos-translate-") as scratch:
        counter = _DistinctCounter(Path(scratch))
        with ExitStack() as stack:
            streams = [
                stack.enter_context((out_dir / f"{m.code}.jsonl").open("w", encoding="utf-8"))
                for m in markets
            ]
            batch = _Batch()
            for product in read_products() if targets else ():
                if product.sku in skip or not product.enabled:
                    continue
                segmenter.add(product, batch)
                if len(batch.products) >= batch_size or len(batch.needs) >= _BATCH_SEGMENTS:
                    _finish_batch(batch, state, counter, translator, memory, streams, settings,
                                  glossary, run)  # fmt: skip
                    batch = _Batch()
            _finish_batch(batch, state, counter, translator, memory, streams, settings, glossary,
                          run)  # fmt: skip
        counts = counter.counts()
    reports = _language_reports(counts, state.languages, translator)
    locales = {m.deepl_target: m.locale for m in reversed(markets)}
    review = _write_review_files(state.review, settings, review_dir, locales)
    price = settings.price_per_million_characters
    report: dict[str, Any] = {
        "languages": {
            target: {
                **vars(lang),
                "hit_rate": round((lang.human + lang.memory) / lang.segments, 4)
                if lang.segments
                else 1.0,
                "estimated_cost": str(
                    (Decimal(lang.characters_billed) * price / 1_000_000).quantize(Decimal("0.01"))
                ),
            }
            for target, lang in sorted(reports.items())
        },
        "currency": settings.price_currency,
        "stopped": translator.stopped if translator else None,
        "warnings": translator.warnings if translator else [],
        "deepl_key": bool(auth_key),
        "review_files": review,
    }
    if recorded is not None:
        report["catalog_pairs_recorded"] = recorded
    return TranslationOutcome(
        files=files,
        report=report,
        deepl_state=translator.session_state() if translator else None,
    )


def _targets(markets: Sequence[Market], settings: Translation) -> set[str]:
    """The DeepL target languages of the markets not in the source language."""
    return {
        m.deepl_target for m in markets if base_language(m.deepl_target) != settings.source_lang
    }


def record_catalog_pairs(
    read_products: Callable[[], Iterable[Product]],
    markets: Sequence[Market],
    settings: Translation,
    memory: TranslationMemory,
    run: str,
    skip: Mapping[str, object] | None = None,
    batch_size: int = DEFAULT_BATCH_PRODUCTS,
) -> int:
    """Store the catalog's own localized texts for the markets' target languages as
    human pairs (the first pass of `translate_catalog`); returns how many were new or
    edited. ``read_products`` is called once, streamed."""
    import tempfile
    from pathlib import Path

    targets = _targets(markets, settings)
    with tempfile.TemporaryDirectory(prefix="grenzenlos-catalog-pairs-") as scratch:
        return _record_catalog_pairs(
            read_products, settings, targets, memory, run, skip or {}, Path(scratch), batch_size
        )


def _record_catalog_pairs(
    read_products: Callable[[], Iterable[Product]],
    settings: Translation,
    targets: set[str],
    memory: TranslationMemory,
    run: str,
    skip: Mapping[str, object],
    scratch: Path,
    batch_size: int,
) -> int:
    """Store the catalog's localized texts that are new or edited; returns how many.

    A source text with several localized versions keeps the first in catalog order:
    the keys recorded so far sit in a scratch SQLite file, not in memory.
    """
    import sqlite3

    seen = sqlite3.connect(str(scratch / "catalog_pairs.sqlite"), isolation_level=None)
    seen.execute("PRAGMA journal_mode=OFF")
    seen.execute("PRAGMA synchronous=OFF")
    seen.execute("CREATE TABLE seen (key TEXT PRIMARY KEY) WITHOUT ROWID")
    recorded = 0

    def flush(pairs: dict[str, NewEntry]) -> int:
        if not pairs:
            return 0
        earlier = {
            key
            for (key,) in seen.execute(
                "SELECT key FROM seen WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps(list(pairs)),),
            )
        }
        new = {k: e for k, e in pairs.items() if k not in earlier}
        seen.execute("BEGIN")
        seen.executemany("INSERT INTO seen (key) VALUES (?)", ((k,) for k in new))
        seen.execute("COMMIT")
        known = memory.lookup(new)
        # New pairs, and pairs whose localized text the merchant has since edited.
        changed = [
            e for k, e in new.items() if k not in known or known[k].target_text != e.target_text
        ]
        memory.store(changed, run)
        return len(changed)

    try:
        pairs: dict[str, NewEntry] = {}
        products = 0
        for product in read_products():
            if product.sku in skip or not product.enabled:
                continue
            for pair in _catalog_pairs(product, settings, targets):
                pairs.setdefault(pair.key, pair)
            products += 1
            if products >= batch_size or len(pairs) >= _BATCH_SEGMENTS:
                recorded += flush(pairs)
                pairs, products = {}, 0
        recorded += flush(pairs)
    finally:
        seen.close()
    return recorded


class _Segmenter:
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

    def add(self, product: Product, batch: _Batch) -> None:
        """Add ``product``'s segments for every market to ``batch``."""
        settings = self._settings
        source_locale = settings.source_locale
        fields = settings.fields
        texts: dict[str, list[str]] = {}
        for name in fields:
            if name == "title":
                found = [product.title.get(source_locale) or product.title.get(ANY_LOCALE) or ""]
            elif name == "description":
                found = [product.description.get(source_locale) or ""]
            else:
                found = list(
                    product.bullet_points.get(source_locale)
                    or product.bullet_points.get(ANY_LOCALE)
                    or []
                )
            texts[name] = [t for t in found if t.strip()]
        # The locales that have a text, per field: a market needs the field when none of its
        # locales is among them (the catalog's text wins, see `localize`).
        present = {
            "title": {loc for loc, value in product.title.items() if value},
            "description": {loc for loc, value in product.description.items() if value},
            "bullet_points": {loc for loc, value in product.bullet_points.items() if value},
        }
        shared: dict[tuple[tuple[str, str, str], str], list[Any]] = {}  # -> [keys, uses]
        lines: list[_Line | None] = [None] * self.markets
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
                            needs[key] = _Need(segment, "", [])
                        found_keys.append(key)
                    entry = shared[(unit, name)] = [tuple(found_keys), 0]
                entry[1] += 1
                line.append((name, entry[0]))
            if line:
                lines[number] = tuple(line)
        title = product.title.get(source_locale) or product.title.get(ANY_LOCALE) or ""
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


_Line = tuple[tuple[str, tuple[str, ...]], ...]
"""One market's line for one product: (field, its segments' keys) per field it needs."""


@dataclass(slots=True)
class _Batch:
    """Products read but not yet written: their lines per market and the segments they need."""

    products: list[tuple[str, list[_Line | None]]] = field(default_factory=list)
    needs: dict[str, _Need] = field(default_factory=dict)


@dataclass(slots=True)
class _Reviewed:
    """A segment the review files list, with its uses across the whole run."""

    need: _Need
    resolution: Resolution


@dataclass
class _RunState:
    """What the run keeps across batches.

    Attributes:
        languages: The run's target languages (their position codes the report's counts).
        review: Segments DeepL translated this run, flagged and pending ones, by key: each
            keeps its resolution for later batches and goes into the review files.
        shared: Memory and human resolutions of texts used more than once in a batch,
            so later batches need not look them up again (bounded).
    """

    languages: list[str]
    review: dict[str, _Reviewed] = field(default_factory=dict)
    shared: dict[str, Resolution] = field(default_factory=dict)


_OUTCOMES = ("human", "memory", "deepl", "pending", "flagged")


def _finish_batch(
    batch: _Batch,
    state: _RunState,
    counter: _DistinctCounter,
    translator: DeepLTranslator | None,
    memory: TranslationMemory,
    streams: Sequence[IO[str]],
    settings: Translation,
    glossary: Glossary,
    run: str,
) -> None:
    """Resolve the batch's segments, write its lines and count its segments."""
    if not batch.products:
        return
    resolutions: dict[str, Resolution] = {}
    unknown: dict[str, _Need] = {}
    review, shared = state.review, state.shared
    for key, need in batch.needs.items():
        reviewed = review.get(key)
        if reviewed is not None:
            resolutions[key] = reviewed.resolution
            earlier = reviewed.need
            earlier.uses += need.uses
            for sku in need.skus:
                if len(earlier.skus) < 5 and sku not in earlier.skus:
                    earlier.skus.append(sku)
            continue
        resolution = shared.get(key)
        if resolution is not None:
            resolutions[key] = resolution
        else:
            unknown[key] = need
    found, misses = _from_memory(memory, unknown)
    resolutions.update(found)
    new_machine = _from_deepl(translator, misses, unknown, resolutions, settings, glossary, run)
    if translator is None and misses:
        reason = (
            "no translation in the memory and no DeepL key (Airflow connection "
            "deepl_default or DEEPL_AUTH_KEY)"
        )
        for key in misses:
            resolutions.setdefault(key, Resolution("pending", reason=reason))
    for key, need in unknown.items():
        resolution = resolutions[key]
        if resolution.status != "ok" or key in new_machine:
            review[key] = _Reviewed(need, resolution)
        elif need.uses > 1:
            if len(shared) >= _SHARED_RESOLUTIONS:
                shared.clear()
            shared[key] = resolution
    _write_lines(batch, resolutions, streams)
    language = {target: n * 8 for n, target in enumerate(state.languages)}
    outcome = {name: n for n, name in enumerate(_OUTCOMES)}
    codes = []
    for key, need in batch.needs.items():
        resolution = resolutions[key]
        codes.append(
            language[need.segment.target] + outcome[resolution.origin or resolution.status]
        )
    counter.add(list(batch.needs), codes)


def _write_lines(
    batch: _Batch, resolutions: Mapping[str, Resolution], streams: Sequence[IO[str]]
) -> None:
    """The batch's lines, product by product: {"sku", field: {status, text(s), origin, reason}}.

    Written as ``json.dumps(line, ensure_ascii=False)`` writes them, a field at a time:
    markets that share a translation unit share the field's text.
    """
    for sku, lines in batch.products:
        fields: dict[tuple[str, tuple[str, ...]], str] = {}
        head = '{"sku": ' + encode_basestring(sku)
        for stream, line in zip(streams, lines, strict=True):
            if line is None:
                continue
            parts = [head]
            for name, keys in line:
                text = fields.get((name, keys))
                if text is None:
                    text = fields[(name, keys)] = _field_json(
                        [resolutions[k] for k in keys], many=name == "bullet_points"
                    )
                parts.append(f', "{name}": {text}')
            parts.append("}\n")
            stream.write("".join(parts))


def _field_json(parts: Sequence[Resolution], *, many: bool) -> str:
    """`_combine` as JSON; the usual case (one text, translated) without building a dict.

    >>> _field_json([Resolution("ok", "Flasche, 750 ml", "memory")], many=False)
    '{"status": "ok", "text": "Flasche, 750 ml", "origin": "memory"}'
    """
    if not many and len(parts) == 1 and parts[0].status == "ok":
        part = parts[0]
        return (
            f'{{"status": "ok", "text": {encode_basestring(part.text or "")}, '
            f'"origin": {encode_basestring(part.origin)}}}'
        )
    return json.dumps(_combine(parts, many=many), ensure_ascii=False)


_COUNTED = [("key", "<u8"), ("code", "u1")]


class _DistinctCounter:
    """Distinct segments per (language, outcome) across the run, counted from scratch files.

    Each batch appends its segments (the first 64 bits of the key, and a one-byte
    code of language and outcome) to one of 64 files picked by the key's first
    bits; at the end each file is read on its own and its keys made unique, so the
    heap never holds more than one sixty-fourth of them. A segment keeps one
    outcome for the whole run (later batches reuse it), so any copy's code counts.
    Two distinct keys with the same first 64 bits would count once: at a million
    segments the odds are about one in 10^7.
    """

    _BUCKETS = 64

    def __init__(self, folder: Path) -> None:
        self._paths = [folder / f"segments-{n:02d}.bin" for n in range(self._BUCKETS)]
        for path in self._paths:
            path.write_bytes(b"")

    def add(self, keys: Sequence[str], codes: Sequence[int]) -> None:
        """Record segments (their memory keys, hexadecimal) with their codes."""
        import numpy as np

        if not keys:
            return
        rows = np.empty(len(keys), dtype=_COUNTED)
        prefixes = bytes.fromhex("".join([key[:16] for key in keys]))
        rows["key"] = np.frombuffer(prefixes, dtype=">u8")
        rows["code"] = codes
        buckets = rows["key"] >> np.uint64(58)
        for bucket in np.unique(buckets):
            with self._paths[int(bucket)].open("ab") as stream:
                rows[buckets == bucket].tofile(stream)

    def counts(self) -> dict[int, int]:
        """Distinct segments per code."""
        import numpy as np

        total = np.zeros(256, dtype=np.int64)
        for path in self._paths:
            rows = np.fromfile(path, dtype=_COUNTED)
            if len(rows):
                _keys, first = np.unique(rows["key"], return_index=True)
                total += np.bincount(rows["code"][first], minlength=256)
        return {code: int(n) for code, n in enumerate(total) if n}


def _from_memory(
    memory: TranslationMemory, needs: Mapping[str, _Need]
) -> tuple[dict[str, Resolution], list[str]]:
    """Resolve from the memory: human first, then machine entries (flagged stay flagged).

    A market variant (de_CH) takes a translator's text for that variant first, then the
    one for its language as a whole.
    """
    human_keys: dict[str, tuple[str, ...]] = {}
    for key, need in needs.items():
        segment = need.segment
        general = human_key(segment.source_text, segment.source_lang, segment.target)
        human_keys[key] = (segment.human_key, general) if segment.variant else (general,)
    found = memory.lookup([*(k for keys in human_keys.values() for k in keys), *needs])
    resolutions: dict[str, Resolution] = {}
    misses: list[str] = []
    for key in needs:
        human = next((found[k] for k in human_keys[key] if k in found), None)
        machine = found.get(key)
        if human is not None:
            resolutions[key] = Resolution("ok", human.target_text, "human")
        elif machine is not None and not machine.qa_problems:
            resolutions[key] = Resolution("ok", machine.target_text, "memory")
        elif machine is not None:
            resolutions[key] = Resolution(
                "flagged",
                machine.target_text,
                reason=f"machine translation failed QA: {machine.qa_problems}",
            )
        else:
            misses.append(key)
    return resolutions, misses


def _from_deepl(
    translator: DeepLTranslator | None,
    misses: Sequence[str],
    needs: Mapping[str, _Need],
    resolutions: dict[str, Resolution],
    settings: Translation,
    glossary: Glossary,
    run: str,
) -> set[str]:
    """Send the misses to DeepL in batches; returns the keys DeepL translated this run."""
    if translator is None or not misses:
        return set()
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for key in misses:
        segment = needs[key].segment
        groups[(segment.target, segment.formality, segment.tag_handling)].append(key)
    targets = sorted({target for target, *_ in groups})
    translated: set[str] = set()
    for (target, formality, tag_handling), keys in sorted(groups.items()):
        if translator.reason_for(target) or translator.unsupported(target):
            continue  # the language (or the run) stopped: pending, below, with the reason
        # Texts of one category travel together, so a request's context fits most of them.
        keys.sort(key=lambda k: needs[k].category)
        by_text: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            by_text[needs[key].segment.source_text].append(key)
        batches, too_big = plan_batches(
            list(by_text),
            target=target,
            formality=formality,
            tag_handling=tag_handling,
            context="x" * _CONTEXT_LIMIT,  # room for the longest context
            max_texts=settings.max_texts_per_request,
            max_bytes=settings.max_request_bytes,
        )
        for batch in batches:
            batch_needs = [needs[k] for text in batch.texts for k in by_text[text]]
            batch.context = _context(
                [n.category for n in batch_needs],
                tag_handling,
                [t for n in batch_needs for t in n.titles],
            )
        for text in too_big:
            for key in by_text[text]:
                resolutions[key] = Resolution(
                    "pending", reason="text too long for one DeepL request (128 KiB)"
                )
        for batch in batches:
            try:
                results = translator.translate(batch, targets)
            except BatchFailed as failed:
                for text in batch.texts:
                    for key in by_text[text]:
                        resolutions[key] = Resolution("pending", reason=str(failed))
                continue
            if not results:
                break  # calls stopped for this language or the run: pending, below
            entries = []
            for text, (translation, billed) in zip(batch.texts, results, strict=True):
                for key in by_text[text]:
                    segment = needs[key].segment
                    problems = check_translation(
                        text,
                        translation,
                        html=segment.tag_handling == "html",
                        glossary=glossary.applicable(text, segment.target),
                    )
                    qa = "; ".join(problems)
                    entries.append(
                        NewEntry(
                            key,
                            "machine",
                            segment.source_lang,
                            segment.target,
                            segment.variant,
                            text,
                            translation,
                            qa,
                            billed,
                        )
                    )
                    translated.add(key)
                    resolutions[key] = (
                        Resolution(
                            "flagged", translation, reason=f"machine translation failed QA: {qa}"
                        )
                        if qa
                        else Resolution("ok", translation, "deepl")
                    )
            translator.memory.store(entries, run)
    for key in misses:
        target = needs[key].segment.target
        reason = translator.reason_for(target) or translator.unsupported(target)
        if reason:
            resolutions.setdefault(key, Resolution("pending", reason=reason))
    return translated


def _context(categories: Sequence[str], tag_handling: str, titles: Sequence[str]) -> str:
    """Context for one request: the products' categories and titles (not translated, not billed).

    >>> _context(["tea", "tea", "oil"], "", ["Green Tea 100 g", "Olive Oil"])
    'Product titles and selling points from an online shop, categories tea, oil. Products: ...'
    """
    kind = "descriptions" if tag_handling == "html" else "titles and selling points"
    text = f"Product {kind} from an online shop"
    named = [c for c in dict.fromkeys(categories) if c]
    if len(named) == 1:
        text += f", category {named[0]}"
    elif named:
        text += ", categories " + ", ".join(named[:8])
    unique = list(dict.fromkeys(titles))
    if unique:
        text += ". Products: " + "; ".join(unique[:20])
    return text[:_CONTEXT_LIMIT]


def _combine(parts: Sequence[Resolution], *, many: bool) -> dict[str, Any]:
    """One field's outcome from its segments: ok only when every segment is."""
    bad = [p for p in parts if p.status != "ok"]
    if bad:
        status = "flagged" if any(p.status == "flagged" for p in bad) else "pending"
        reasons = list(dict.fromkeys(p.reason for p in bad))
        return {"status": status, "reason": "; ".join(reasons)}
    origins = sorted({p.origin for p in parts})
    if many:
        return {"status": "ok", "texts": [p.text for p in parts], "origin": "+".join(origins)}
    return {"status": "ok", "text": parts[0].text, "origin": origins[0]}


def _language_reports(
    counts: Mapping[int, int],
    languages: Sequence[str],
    translator: DeepLTranslator | None,
) -> dict[str, LanguageReport]:
    reports: dict[str, LanguageReport] = defaultdict(LanguageReport)
    for code, number in counts.items():
        report = reports[languages[code // 8]]
        report.segments += number
        name = _OUTCOMES[code % 8]
        setattr(report, name, getattr(report, name) + number)
    if translator is not None:
        for target, spend in translator.spend.items():
            report = reports[target]
            report.requests = spend.requests
            report.retries = spend.retries
            report.characters_sent = spend.characters_sent
            report.characters_billed = spend.characters_billed
        for target, report in reports.items():
            report.stopped = translator.language_stopped.get(target)
    return dict(reports)


def _write_review_files(
    reviewed: Mapping[str, _Reviewed],
    settings: Translation,
    out_dir: StoragePath | Path,
    locales: Mapping[str, str],
) -> dict[str, str]:
    """XLIFF 1.2 per target language: this run's machine translations, flagged and pending texts."""
    units: dict[tuple[str, str], list[ReviewUnit]] = defaultdict(list)
    for key, item in reviewed.items():
        need, resolution = item.need, item.resolution
        why = {
            "ok": "new DeepL translation",
            "flagged": resolution.reason,
            "pending": f"pending: {resolution.reason}",
        }[resolution.status]
        units[(need.segment.target, need.segment.variant)].append(
            ReviewUnit(
                unit_id=key[:32],
                source_text=need.segment.source_text,
                target_text=resolution.text,
                note=f"{why}; used by {', '.join(need.skus)}"
                + (f" and {need.uses - len(need.skus)} more" if need.uses > len(need.skus) else ""),
            )
        )
    written: dict[str, str] = {}
    if units:
        ensure_dir(out_dir)
    for (target, variant), review in sorted(units.items()):
        name = f"review-{variant or target}.xlf"
        target_locale = variant or locales.get(target) or target.lower()
        with (out_dir / name).open("wb") as stream:
            write_xliff(stream, settings.source_locale, target_locale, review)
        written[variant or target] = str(out_dir / name)
    return written


def read_market_translations(path: StoragePath | Path | None) -> MarketTranslations:
    """A market's translation outcome, read as the build asks for it (see `MarketTranslations`).

    ``None`` (the run translated nothing) gives a reader whose every answer is None.
    """
    return MarketTranslations(path)


class MarketTranslations:
    """A market's translation outcome file, read line by line as a merge join.

    Contract: `get` answers exactly what a dict of the whole file by sku would
    (the entry without its ``"sku"``, or None), in any order. It is fast and holds
    one line at a time when the skus are asked for in the order of the snapshot the
    file was written from, which is how the build reads it: the file lists the
    products that need a translation in snapshot order, and leaves out those that
    need none (disabled or quarantined products, markets in the source language,
    products whose texts are all in the market's locales). So a sku that is not the
    next line is taken to be absent only after checking: the first such sku makes
    the reader index the file (64-bit hash of each line's sku and its offset, 16
    bytes a line), and from then on a sku not in the file is None without moving
    the cursor, a later one moves the cursor to it (skipping nothing for good: the
    lines passed stay reachable through the index), an earlier one is read at its
    offset. A sku written twice (the snapshot's skus are unique) is answered line
    by line in order. Use it as a context manager (or `close` it); an empty file is
    closed at once.

    >>> MarketTranslations(None).get("SKU-1") is None
    True
    """

    def __init__(self, path: StoragePath | Path | None) -> None:
        self._path = path
        self._stream: Any = path.open("rb") if path is not None else None
        self._offset = 0  # of the line after the current one
        self._current: tuple[str, dict[str, Any], int] | None = None  # sku, entry, offset
        self._index: tuple[Any, Any] | None = None  # sorted sku hashes, their line offsets
        self._reader: Any = None
        self._advance()

    def get(self, sku: str, default: None = None) -> dict[str, Any] | None:
        """The entry of ``sku`` (its fields' outcomes), or None when the file has none."""
        current = self._current
        if current is not None and current[0] == sku:
            self._advance()
            return current[1]
        if self._stream is None and self._index is None and self._path is None:
            return None
        return self._look_up(sku)

    def close(self) -> None:
        for stream in (self._stream, self._reader):
            if stream is not None:
                stream.close()
        self._stream = self._reader = None
        self._current = None

    def __enter__(self) -> MarketTranslations:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _advance(self) -> None:
        """Read the next line into ``_current`` (None at the end of the file)."""
        if self._stream is None:
            self._current = None
            return
        offset = self._offset
        line = self._stream.readline()
        if not line:
            self._current = None
            if self._index is None and offset == 0:
                self.close()  # an empty file: nothing to index
            return
        self._offset = offset + len(line)
        entry = json.loads(line)
        self._current = (entry.pop("sku"), entry, offset)

    def _look_up(self, sku: str) -> dict[str, Any] | None:
        """A sku that is not the current line: absent, earlier or later (through the index)."""
        if self._path is None:
            return None
        if self._index is None:
            self._index = self._build_index()
        import numpy as np

        hashes, offsets = self._index
        wanted = hash(_sku_token(sku))
        start = int(np.searchsorted(hashes, wanted, side="left"))
        stop = int(np.searchsorted(hashes, wanted, side="right"))
        matches = sorted(int(offsets[n]) for n in range(start, stop))
        if not matches:
            return None
        current = self._current[2] if self._current is not None else None
        later = [o for o in matches if current is not None and o >= current]
        for offset in later or matches:
            line = self._read_at(offset)
            entry = json.loads(line)
            if entry.pop("sku") != sku:
                continue  # another sku with the same hash
            if later:  # move the cursor to it; the lines passed stay in the index
                if self._stream is None:
                    self._stream = self._path.open("rb")
                self._stream.seek(offset + len(line))
                self._offset = offset + len(line)
                self._advance()
            return entry  # type: ignore[no-any-return]
        return None

    def _read_at(self, offset: int) -> bytes:
        if self._reader is None:
            assert self._path is not None
            self._reader = self._path.open("rb")
        self._reader.seek(offset)
        line: bytes = self._reader.readline()
        return line

    def _build_index(self) -> tuple[Any, Any]:
        """Hash of each line's sku (as written: its JSON string) and the line's offset."""
        from array import array

        import numpy as np

        assert self._path is not None
        hashes, offsets = array("q"), array("q")
        offset = 0
        with self._path.open("rb") as stream:
            for line in stream:
                # Lines start with '{"sku": ' and the sku as a JSON string.
                end = line.index(b'", ', 9) + 1
                token = line[8:end]
                if b"\\" in token:  # an escaped quote may end the match early
                    token = _sku_token(json.loads(line)["sku"])
                hashes.append(hash(token))
                offsets.append(offset)
                offset += len(line)
        keys = np.frombuffer(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        return keys[order], np.frombuffer(offsets, dtype=np.int64)[order]


def _sku_token(sku: str) -> bytes:
    """A sku as the outcome lines write it."""
    return json.dumps(sku, ensure_ascii=False).encode()
