"""Translate what the markets lack, once per target language, through the memory.

For every market and product, a text (title, description, each bullet point) is
needed when none of the market's ``text_locales`` has it and the market's
language is not the source language (`transforms.translation.planning`). Markets
with the same translation unit (target language, formality, variant: DE and AT,
say) share one translation, and identical texts are translated once per unit.

The order of resolution, first match wins:

1. the catalog's own text in one of the market's locales (used by `localize`);
2. an approved human translation in the memory (translators' TMX/XLIFF, and the
   catalog's own localized texts, recorded as human pairs:
   `transforms.translation.human_pairs`);
3. a machine translation in the memory that passed the QA gate;
4. DeepL, for what is left, when there is a key and the run's budget allows; the
   answer is checked (`transforms.translation.qa`) and stored either way
   (`transforms.translation.resolution`).

What is still missing is *pending* with the reason; what failed QA is *flagged*.
`localize` applies each market's ``when_pending`` to them. The outcome per market
is a JSON Lines file (`transforms.translation.outcome`: one line per product that
needed a translation, in snapshot order, read back with `read_market_translations`);
the run's report and one XLIFF 1.2 file per target language for review go beside it
(`transforms.translation.report`). The snapshot is streamed in batches, so a run's
memory does not grow with the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from transforms.infra.storage import ensure_dir
from transforms.translation.deepl import DeepLTranslator
from transforms.translation.human_pairs import record_catalog_pairs
from transforms.translation.outcome import write_lines
from transforms.translation.planning import (
    BATCH_SEGMENTS,
    DEFAULT_BATCH_PRODUCTS,
    Batch,
    Segmenter,
    target_languages,
)
from transforms.translation.report import DistinctCounter, run_report, write_review_files
from transforms.translation.resolution import RunState, resolve_batch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.config.pipeline import Translation
    from schemas.product import Product
    from transforms.infra.storage import StoragePath
    from transforms.translation.glossary import Glossary
    from transforms.translation.memory import TranslationMemory


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
    targets = target_languages(markets, settings)
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
    state = RunState(sorted(targets))
    segmenter = Segmenter(markets, settings, glossary)
    ensure_dir(out_dir)
    files = {m.code: str(out_dir / f"{m.code}.jsonl") for m in markets}
    recorded = (
        record_catalog_pairs(read_products, markets, settings, memory, run, skip, batch_size)
        if record_pairs
        else None
    )
    with tempfile.TemporaryDirectory(prefix="grenzenlos-translate-") as scratch:
        counter = DistinctCounter(Path(scratch))
        with ExitStack() as stack:
            streams = [
                stack.enter_context((out_dir / f"{m.code}.jsonl").open("w", encoding="utf-8"))
                for m in markets
            ]
            batch = Batch()
            for product in read_products() if targets else ():
                if product.sku in skip or not product.enabled:
                    continue
                segmenter.add(product, batch)
                if len(batch.products) >= batch_size or len(batch.needs) >= BATCH_SEGMENTS:
                    _finish_batch(batch, state, counter, translator, memory, streams, settings,
                                  glossary, run)  # fmt: skip
                    batch = Batch()
            _finish_batch(batch, state, counter, translator, memory, streams, settings, glossary,
                          run)  # fmt: skip
        counts = counter.counts()
    locales = {m.deepl_target: m.locale for m in reversed(markets)}
    review = write_review_files(state.review, settings, review_dir, locales)
    report = run_report(
        counts, state.languages, translator, settings, deepl_key=bool(auth_key), review_files=review
    )
    if recorded is not None:
        report["catalog_pairs_recorded"] = recorded
    return TranslationOutcome(
        files=files,
        report=report,
        deepl_state=translator.session_state() if translator else None,
    )


def _finish_batch(
    batch: Batch,
    state: RunState,
    counter: DistinctCounter,
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
    resolutions = resolve_batch(batch, state, translator, memory, settings, glossary, run)
    write_lines(batch, resolutions, streams)
    counter.add_batch(batch.needs, resolutions, state.languages)
