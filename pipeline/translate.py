"""Step 4, translate: what the markets' locales lack, from the translators' files, the
memory and DeepL (see `transforms.translation.run`), and the per-language report.

The step runs in one call (`translate_snapshot`) or split by target language, for one
task per language that may run at the same time, on several machines:

1. `prepare_translation`, once: the translators' files and the catalog's own localized
   texts go into the memory, and the DeepL glossary is synced;
2. `translate_language`, once per group of `translation_groups`: that language's
   segments, its markets' outcome files, its review file and its part of the report;
3. `merge_translation_reports`: the run's report from the parts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from pipeline.layout import (
    TRANSLATION_REPORT,
    path_like,
    read_snapshot,
)
from pipeline.records import (
    LanguageFigures,
    Translated,
    TranslatedLanguage,
    TranslationPrepared,
    TranslationReport,
    Validated,
    as_record,
)
from transforms.infra.storage import ensure_dir, publish_atomically

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig, Translation
    from transforms.infra.storage import StoragePath
    from transforms.translation.glossary import Glossary
    from transforms.translation.memory import TranslationMemory

_TRANSLATIONS = "translations"
"""Folder of the run's staging folder with the markets' outcome files and report parts."""


class TranslationOptions(TypedDict):
    """What every translate task passes on besides the snapshot, markets and settings."""

    auth_key: str | None
    run_id: str
    """The run's key."""
    memory_conninfo: str | None
    """The PostgreSQL memory's connection string; None for the SQLite file."""
    quarantine: dict[str, list[str]]
    """Sku -> the rules that keep it out of every market: not translated."""
    glossary_targets: list[str]
    """Every configured market's DeepL target language."""
    distributed: bool
    """Whether the tasks may run on several machines (then no SQLite memory)."""


def translation_options(
    config: PipelineConfig,
    validated: Validated,
    run_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None,
    distributed: bool,
) -> TranslationOptions:
    """The options of the DAG's translate tasks: the quarantine ``validated`` names (a
    path of the same kind as ``run_dir``) and every configured market's target language,
    with what the DAG knows of the run (the key, the memory's connection, whether tasks
    may run on several machines)."""
    with path_like(run_dir, validated["quarantine"]).open("r", encoding="utf-8") as stream:
        quarantine = config.validation.quarantined_everywhere(json.load(stream))
    return TranslationOptions(
        auth_key=auth_key,
        run_id=run_id,
        memory_conninfo=memory_conninfo,
        quarantine=quarantine,
        glossary_targets=sorted({m.deepl_target for m in config.markets.values()}),
        distributed=distributed,
    )


def translation_groups(markets: Sequence[Market]) -> list[list[str]]:
    """Market codes grouped by DeepL target language, one group per `translate_language`.

    Markets in the source language form groups too (their outcome files are empty), so
    every market is in exactly one group. Codes are sorted within a group, groups by
    their codes.
    """
    groups: dict[str, set[str]] = defaultdict(set)
    for market in markets:
        groups[market.deepl_target].add(market.code)
    return sorted(sorted(codes) for codes in groups.values())


def prepare_translation(
    snapshot: StoragePath | Path,
    markets: Sequence[Market],
    settings: Translation,
    run_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    glossary_targets: Sequence[str] = (),
    distributed: bool = False,
) -> TranslationPrepared:
    """What a run does once before its languages are translated, each on its own.

    Imports the translators' TMX/XLIFF files, records the catalog's own localized texts
    for all ``markets`` (see `transforms.translation.human_pairs.record_catalog_pairs`) and, with a
    DeepL key, makes DeepL's glossary match the file for ``glossary_targets`` and the
    markets' languages, so no two language tasks create it at the same time. Memory and
    arguments as in `translate_snapshot`; ``distributed``: the language tasks may run on
    several machines (see `translate_language`).

    Returns:
        What `translate_language` and `merge_translation_reports` take.
    """
    from transforms.translation.deepl import DeepLTranslator
    from transforms.translation.glossary import base_language
    from transforms.translation.human_pairs import (
        import_human_translations,
        record_catalog_pairs,
    )

    memory = _open_memory(settings, run_dir, memory_conninfo, distributed=distributed)
    glossary = _glossary(settings)
    targets = sorted(
        {m.deepl_target for m in markets if base_language(m.deepl_target) != settings.source_lang}
    )
    every_target = sorted({*glossary_targets, *targets})
    deepl_state: dict[str, Any] | None = None
    warnings: list[str] = []
    with memory:
        variants = {m.locale for m in markets if m.translation_variant}
        imported = import_human_translations(
            memory, [Path(f) for f in settings.human_translations], settings, variants, run_id
        )
        recorded = record_catalog_pairs(
            lambda: read_snapshot(snapshot), markets, settings, memory, run_id, quarantine
        )
        if auth_key:
            translator = DeepLTranslator(
                auth_key, settings, glossary, memory, glossary_targets=every_target
            )
            if targets:  # without a language to translate, no task calls DeepL
                translator.sync_glossary(targets[0])
            deepl_state = translator.session_state()
            warnings = translator.warnings
    return TranslationPrepared(
        imported=imported,
        catalog_pairs_recorded=recorded,
        glossary_targets=every_target,
        deepl=deepl_state,
        warnings=warnings,
        deepl_key=bool(auth_key),
        currency=settings.price_currency,
    )


def translate_language(
    snapshot: StoragePath | Path,
    markets: Sequence[Market],
    settings: Translation,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    glossary_targets: Sequence[str] = (),
    prepared: TranslationPrepared,
    distributed: bool = False,
) -> TranslatedLanguage:
    """Translate what one target language's markets lack, after `prepare_translation`.

    ``markets`` are one group of `translation_groups` (one DeepL target language). Their
    outcome files go to ``run_dir/translations/<market>.jsonl``, the language's review
    XLIFF to ``report_dir``, its part of the report to
    ``run_dir/translations/report-<target>.json``. The translators' files, the catalog's
    pairs and the glossary are left as ``prepared`` has them.

    Tasks of different languages may run at the same time: on one machine they may share
    the SQLite memory (a writer waits for the other's lock); with ``distributed`` (tasks
    on several machines) the memory must be PostgreSQL.

    Returns:
        The markets' outcome files, this language's part of the report and its file.

    Raises:
        ValueError: the markets have more than one target language, or ``distributed``
            with a SQLite memory.
    """
    result, _state = _translate_group(
        snapshot,
        markets,
        settings,
        run_dir,
        report_dir,
        auth_key=auth_key,
        run_id=run_id,
        memory_conninfo=memory_conninfo,
        quarantine=quarantine,
        glossary_targets=glossary_targets,
        prepared=prepared,
        deepl_state=prepared["deepl"],
        distributed=distributed,
    )
    return result


def merge_translation_reports(
    parts: Sequence[TranslatedLanguage],
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    prepared: TranslationPrepared,
) -> Translated:
    """The run's translation report from the languages' parts, as `translate_snapshot`
    writes it: ``translation.json`` in ``run_dir``, published to ``report_dir``.

    ``parts`` are `translate_language`'s results, in the order of `translation_groups`;
    ``prepared`` is `prepare_translation`'s. Languages, review files and outcome files
    are merged; warnings follow the preparation's, part by part; ``stopped`` is the
    first reason DeepL calls stopped for.

    Returns:
        The markets' outcome files, the run's report and where it was published.
    """
    files: dict[str, str] = {}
    languages: dict[str, LanguageFigures] = {}
    review_files: dict[str, str] = {}
    warnings = list(prepared["warnings"])
    deepl = prepared["deepl"]
    stopped: str | None = deepl["stopped"] if deepl else None
    for part in parts:
        report = part["report"]
        files.update(part["files"])
        languages.update(report["languages"])
        review_files.update(report["review_files"])
        warnings += report["warnings"]
        stopped = stopped or report["stopped"]
    merged = TranslationReport(
        languages=dict(sorted(languages.items())),
        currency=prepared["currency"],
        stopped=stopped,
        warnings=warnings,
        deepl_key=prepared["deepl_key"],
        review_files=dict(sorted(review_files.items())),
        catalog_pairs_recorded=prepared["catalog_pairs_recorded"],
        imported=prepared["imported"],
    )
    with (run_dir / TRANSLATION_REPORT).open("w", encoding="utf-8") as stream:
        json.dump(merged, stream, indent=1, sort_keys=True)
    ensure_dir(report_dir)
    publish_atomically(run_dir / TRANSLATION_REPORT, report_dir / TRANSLATION_REPORT)
    return Translated(
        files=dict(sorted(files.items())),
        report=merged,
        report_path=str(report_dir / TRANSLATION_REPORT),
    )


def translate_snapshot(
    snapshot: StoragePath | Path,
    markets: Sequence[Market],
    settings: Translation,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    glossary_targets: Sequence[str] = (),
) -> Translated:
    """Translate what the markets lack (see `transforms.translation.run`) and report it.

    On one machine, one language after the other: `prepare_translation`,
    `translate_language` per group of `translation_groups`, `merge_translation_reports`.
    One DeepL session runs through the languages: the run's character budget and an
    account-wide stop (key refused, quota) hold for all of them.

    ``glossary_targets``: every configured market's target language, so the DeepL
    glossary stays the same whichever markets a run translates for.

    The memory is PostgreSQL when ``memory_conninfo`` is given, else the SQLite
    file of ``settings.memory_path`` (default: in the local staging folder).
    Review XLIFF files and ``translation.json`` go to ``report_dir``.

    Returns:
        The markets' outcome files and the run's report (per target language:
        segments, memory hits, characters sent and billed, cost, pending, flagged).
    """
    options: dict[str, Any] = {
        "auth_key": auth_key,
        "run_id": run_id,
        "memory_conninfo": memory_conninfo,
        "quarantine": quarantine,
        "glossary_targets": glossary_targets,
    }
    prepared = prepare_translation(snapshot, markets, settings, run_dir, **options)
    deepl_state = prepared["deepl"]
    parts = []
    for group in translation_groups(markets):
        part, deepl_state = _translate_group(
            snapshot,
            [m for m in markets if m.code in group],  # in the given order, as a whole run
            settings,
            run_dir,
            report_dir,
            prepared=prepared,
            deepl_state=deepl_state,
            **options,
        )
        parts.append(part)
    return merge_translation_reports(parts, run_dir, report_dir, prepared)


def _translate_group(
    snapshot: StoragePath | Path,
    markets: Sequence[Market],
    settings: Translation,
    run_dir: StoragePath | Path,
    report_dir: StoragePath | Path,
    *,
    auth_key: str | None,
    run_id: str,
    memory_conninfo: str | None,
    quarantine: Mapping[str, Sequence[str]] | None,
    glossary_targets: Sequence[str],
    prepared: TranslationPrepared,
    deepl_state: Mapping[str, Any] | None,
    distributed: bool = False,
) -> tuple[TranslatedLanguage, dict[str, Any] | None]:
    """`translate_language`, going on from ``deepl_state``; also returns the DeepL
    session's state at the end, for the next language of a one-machine run."""
    from transforms.translation.run import translate_catalog

    targets = sorted({m.deepl_target for m in markets})
    if len(targets) != 1:
        raise ValueError(
            f"translate_language takes the markets of one target language, not {targets}: "
            "group them with translation_groups"
        )
    memory = _open_memory(settings, run_dir, memory_conninfo, distributed=distributed)
    glossary = _glossary(settings)
    out_dir = run_dir / _TRANSLATIONS
    with memory:
        ensure_dir(report_dir)
        outcome = translate_catalog(
            lambda: read_snapshot(snapshot),
            markets,
            settings,
            glossary,
            memory,
            out_dir,
            review_dir=report_dir,
            auth_key=auth_key,
            run=run_id,
            skip=quarantine,
            glossary_targets=sorted({*glossary_targets, *prepared["glossary_targets"]}),
            record_pairs=False,
            deepl_state=deepl_state,
        )
    part_path = out_dir / f"report-{targets[0]}.json"
    with part_path.open("w", encoding="utf-8") as stream:
        json.dump(outcome.report, stream, indent=1, sort_keys=True)
    result = TranslatedLanguage(
        files=outcome.files,
        report=as_record(outcome.report, TranslationReport, f"{targets[0]}'s report"),
        report_part=str(part_path),
    )
    return result, outcome.deepl_state


def _glossary(settings: Translation) -> Glossary:
    from transforms.translation.glossary import load_glossary

    glossary_file = Path(settings.glossary_path) if settings.glossary_path else None
    return load_glossary(glossary_file, settings.source_lang)


def _open_memory(
    settings: Translation,
    run_dir: StoragePath | Path,
    memory_conninfo: str | None,
    *,
    distributed: bool,
) -> TranslationMemory:
    """PostgreSQL when ``memory_conninfo`` is given, else the SQLite file.

    Raises:
        ValueError: ``distributed`` with SQLite, or SQLite without a local place for it.
    """
    from transforms.infra.storage import local_path
    from transforms.translation.memory import TranslationMemory

    if memory_conninfo:
        return TranslationMemory.open_postgres(memory_conninfo)
    if distributed:
        raise ValueError(
            "the translate step runs one task per language on several machines, and "
            "several machines cannot share a SQLite translation memory file: set "
            "[translation] memory_conn_id to a PostgreSQL connection"
        )
    location = settings.memory_path
    if location is None:
        local = local_path(run_dir)
        if local is None:
            raise ValueError(
                "[translation] needs memory_path or memory_conn_id when staging is "
                "not on a local disk"
            )
        location = str(local.parent / "translation_memory.sqlite")
    return TranslationMemory.open_sqlite(location)
