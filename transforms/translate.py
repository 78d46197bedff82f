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
is a JSON Lines file (one line per product that needed a translation); the
run's report and one XLIFF 1.2 file per target language for review go beside it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

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
from transforms.translation_memory import NewEntry, Segment, human_key
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
    """What `translate_catalog` did, for the DAG's XCom and the run report."""

    files: dict[str, str]
    report: dict[str, Any]


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
) -> TranslationOutcome:
    """Resolve every segment the markets need and write one file per market.

    Per-market outcome files go to ``out_dir``; one XLIFF 1.2 review file per
    target language (new DeepL translations, held-back and pending texts) to
    ``review_dir``.

    ``read_products`` is called twice (the snapshot is streamed twice rather
    than held in memory); products in ``skip`` (quarantined) and disabled ones
    are not translated. ``glossary_targets`` are every configured market's target
    language: the DeepL glossary covers all of them, whichever this run needs.
    """
    skip = skip or {}
    targets = {
        m.deepl_target for m in markets if base_language(m.deepl_target) != settings.source_lang
    }
    needs: dict[str, _Need] = {}
    catalog_pairs: dict[str, NewEntry] = {}
    for product in read_products():
        if product.sku in skip or not product.enabled:
            continue
        for pair in _catalog_pairs(product, settings, targets):
            catalog_pairs.setdefault(pair.key, pair)
        title = product.title.get(settings.source_locale) or product.title.get(ANY_LOCALE) or ""
        category = product.categories[0] if product.categories else ""
        for market in markets:
            for _name, _index, segment in segments_for(product, market, settings, glossary):
                key = segment.machine_key
                need = needs.get(key)
                if need is None:
                    need = needs[key] = _Need(segment, category, [])
                need.uses += 1
                if len(need.skus) < 5 and product.sku not in need.skus:
                    need.skus.append(product.sku)
                if title and len(need.titles) < 3 and title not in need.titles:
                    need.titles.append(title)
    known = memory.lookup(catalog_pairs)
    # New pairs, and pairs whose localized text the merchant has since edited.
    changed_pairs = [
        e
        for k, e in catalog_pairs.items()
        if k not in known or known[k].target_text != e.target_text
    ]
    memory.store(changed_pairs, run)

    resolutions, misses = _from_memory(memory, needs)
    translator = (
        DeepLTranslator(
            auth_key,
            settings,
            glossary,
            memory,
            glossary_targets=sorted({*glossary_targets, *targets}),
        )
        if auth_key
        else None
    )
    new_machine = _from_deepl(translator, misses, needs, resolutions, settings, glossary, run)
    if translator is None and misses:
        reason = (
            "no translation in the memory and no DeepL key (Airflow connection "
            "deepl_default or DEEPL_AUTH_KEY)"
        )
        for key in misses:
            resolutions.setdefault(key, Resolution("pending", reason=reason))

    files = _write_market_files(
        read_products, markets, settings, glossary, resolutions, out_dir, skip
    )
    reports = _language_reports(needs, resolutions, translator)
    locales = {m.deepl_target: m.locale for m in reversed(markets)}
    review = _write_review_files(needs, resolutions, new_machine, settings, review_dir, locales)
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
        "catalog_pairs_recorded": len(changed_pairs),
    }
    return TranslationOutcome(files=files, report=report)


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


def _write_market_files(
    read_products: Callable[[], Iterable[Product]],
    markets: Sequence[Market],
    settings: Translation,
    glossary: Glossary,
    resolutions: Mapping[str, Resolution],
    out_dir: StoragePath | Path,
    skip: Mapping[str, object],
) -> dict[str, str]:
    """One JSON Lines file per market: {"sku", field: {status, text(s), origin, reason}}."""
    from contextlib import ExitStack

    ensure_dir(out_dir)
    files = {m.code: str(out_dir / f"{m.code}.jsonl") for m in markets}
    with ExitStack() as stack:
        streams = {
            m.code: stack.enter_context((out_dir / f"{m.code}.jsonl").open("w", encoding="utf-8"))
            for m in markets
        }
        for product in read_products():
            if product.sku in skip or not product.enabled:
                continue
            for market in markets:
                fields: dict[str, list[Resolution]] = defaultdict(list)
                for name, _index, segment in segments_for(product, market, settings, glossary):
                    fields[name].append(resolutions[segment.machine_key])
                if not fields:
                    continue
                line: dict[str, Any] = {"sku": product.sku}
                for name, parts in fields.items():
                    line[name] = _combine(parts, many=name == "bullet_points")
                streams[market.code].write(json.dumps(line, ensure_ascii=False) + "\n")
    return files


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
    needs: Mapping[str, _Need],
    resolutions: Mapping[str, Resolution],
    translator: DeepLTranslator | None,
) -> dict[str, LanguageReport]:
    reports: dict[str, LanguageReport] = defaultdict(LanguageReport)
    for key, need in needs.items():
        report = reports[need.segment.target]
        report.segments += 1
        resolution = resolutions[key]
        if resolution.status == "ok":
            setattr(report, resolution.origin, getattr(report, resolution.origin) + 1)
        else:
            setattr(report, resolution.status, getattr(report, resolution.status) + 1)
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
    needs: Mapping[str, _Need],
    resolutions: Mapping[str, Resolution],
    new_machine: set[str],
    settings: Translation,
    out_dir: StoragePath | Path,
    locales: Mapping[str, str],
) -> dict[str, str]:
    """XLIFF 1.2 per target language: this run's machine translations, flagged and pending texts."""
    units: dict[tuple[str, str], list[ReviewUnit]] = defaultdict(list)
    for key, need in needs.items():
        resolution = resolutions[key]
        if resolution.status == "ok" and key not in new_machine:
            continue
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


def read_market_translations(path: StoragePath | Path | None) -> dict[str, dict[str, Any]]:
    """A market's translation outcome by sku (empty when the run translated nothing)."""
    if path is None:
        return {}
    found: dict[str, dict[str, Any]] = {}
    with path.open("r", encoding="utf-8") as stream:
        for line in stream:
            entry = json.loads(line)
            found[entry.pop("sku")] = entry
    return found
