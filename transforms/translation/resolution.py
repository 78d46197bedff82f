"""A batch's segments resolved through the memory, DeepL and the QA gate.

The order, first match wins:

1. an approved human translation in the memory (translators' TMX/XLIFF, and the
   catalog's own localized texts, recorded as human pairs);
2. a machine translation in the memory that passed the QA gate;
3. DeepL, for what is left, when there is a key and the run's budget allows; the
   answer is checked (`transforms.translation.qa`) and stored either way.

What is still missing is *pending* with the reason; what failed QA is *flagged*.
What the run keeps across batches (`RunState`) saves later batches the lookups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from transforms.translation.deepl import BatchFailed, plan_batches
from transforms.translation.memory import NewEntry, human_key
from transforms.translation.qa import check_translation

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.config.pipeline import Translation
    from transforms.translation.deepl import DeepLTranslator
    from transforms.translation.glossary import Glossary
    from transforms.translation.memory import TranslationMemory
    from transforms.translation.planning import Batch, Need

Status = Literal["ok", "pending", "flagged"]
_CONTEXT_LIMIT = 1000
_SHARED_RESOLUTIONS = 20_000
"""Resolutions kept across batches for texts used more than once (bullet points)."""


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
class Reviewed:
    """A segment the review files list, with its uses across the whole run."""

    need: Need
    resolution: Resolution


@dataclass
class RunState:
    """What the run keeps across batches.

    Attributes:
        languages: The run's target languages (their position codes the report's counts).
        review: Segments DeepL translated this run, flagged and pending ones, by key: each
            keeps its resolution for later batches and goes into the review files.
        shared: Memory and human resolutions of texts used more than once in a batch,
            so later batches need not look them up again (bounded).
    """

    languages: list[str]
    review: dict[str, Reviewed] = field(default_factory=dict)
    shared: dict[str, Resolution] = field(default_factory=dict)


def resolve_batch(
    batch: Batch,
    state: RunState,
    translator: DeepLTranslator | None,
    memory: TranslationMemory,
    settings: Translation,
    glossary: Glossary,
    run: str,
) -> dict[str, Resolution]:
    """Every segment of ``batch`` resolved, by memory key; ``state`` updated for later batches."""
    resolutions: dict[str, Resolution] = {}
    unknown: dict[str, Need] = {}
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
            review[key] = Reviewed(need, resolution)
        elif need.uses > 1:
            if len(shared) >= _SHARED_RESOLUTIONS:
                shared.clear()
            shared[key] = resolution
    return resolutions


def _from_memory(
    memory: TranslationMemory, needs: Mapping[str, Need]
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
    needs: Mapping[str, Need],
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
