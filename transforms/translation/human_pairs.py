"""Human translations into the memory: translators' TMX/XLIFF files and the catalog's own.

Both are stored as approved (``human``) entries, which win over any machine
translation (`transforms.translation.resolution`). The catalog's localized texts
(a title it has in French, say) are paired with the source locale's text, so a
product early in the catalog can use a text of a later one.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from schemas.product import ANY_LOCALE
from transforms.translation.exchange import ExchangeError, HumanTranslation, read_tmx, read_xliff
from transforms.translation.memory import NewEntry, human_key
from transforms.translation.planning import (
    BATCH_SEGMENTS,
    DEFAULT_BATCH_PRODUCTS,
    source_texts,
    target_languages,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.config.pipeline import Translation
    from schemas.product import Product
    from transforms.translation.memory import TranslationMemory


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
    from schemas.config.market import deepl_target_for

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
    from schemas.config.market import deepl_target_for

    source_locale, source_lang = settings.source_locale, settings.source_lang
    pairs: list[tuple[str, str, str]] = []  # (source text, locale, translation)
    for name, values in (("title", product.title), ("description", product.description)):
        for source in source_texts(product, name, source_locale):
            pairs += [
                (source, locale, text)
                for locale, text in values.items()
                if locale not in (source_locale, ANY_LOCALE) and text
            ]
    # Bullet points pair by position with the source locale's own only (no `ANY_LOCALE`
    # fallback here, unlike `source_texts`).
    source_points = product.bullet_points.get(source_locale) or []
    for locale, points in product.bullet_points.items():
        if locale not in (source_locale, ANY_LOCALE) and len(points) == len(source_points):
            pairs += [(s, locale, t) for s, t in zip(source_points, points, strict=True) if s and t]
    for source, locale, text in pairs:
        target = deepl_target_for(locale)
        if target in targets:
            key = human_key(source, source_lang, target)
            yield NewEntry(key, "human", source_lang, target, "", source, text)


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

    targets = target_languages(markets, settings)
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
            if products >= batch_size or len(pairs) >= BATCH_SEGMENTS:
                recorded += flush(pairs)
                pairs, products = {}, 0
        recorded += flush(pairs)
    finally:
        seen.close()
    return recorded
