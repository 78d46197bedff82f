"""Step 4, translate: what the markets' locales lack, from the translators' files, the
memory and DeepL (see `transforms.translate`), and the per-language report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.layout import (
    TRANSLATION_REPORT,
    read_snapshot,
)
from transforms.storage import ensure_dir, publish_atomically

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.market import (
        Market,
        Translation,
    )
    from transforms.storage import StoragePath


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
) -> dict[str, Any]:
    """Translate what the markets lack (see `transforms.translate`) and report it.

    ``glossary_targets``: every configured market's target language, so the DeepL
    glossary stays the same whichever markets a run translates for.

    The memory is PostgreSQL when ``memory_conninfo`` is given, else the SQLite
    file of ``settings.memory_path`` (default: in the local staging folder).
    Review XLIFF files and ``translation.json`` go to ``report_dir``.

    Returns:
        ``files`` (market -> translation outcome file), ``report`` (per target
        language: segments, memory hits, characters sent and billed, cost,
        pending, flagged) and ``report_path``.
    """
    from transforms.glossary import load_glossary
    from transforms.storage import local_path
    from transforms.translate import import_human_translations, translate_catalog
    from transforms.translation_memory import TranslationMemory

    if memory_conninfo:
        memory = TranslationMemory.open_postgres(memory_conninfo)
    else:
        location = settings.memory_path
        if location is None:
            local = local_path(run_dir)
            if local is None:
                raise ValueError(
                    "[translation] needs memory_path or memory_conn_id when staging is "
                    "not on a local disk"
                )
            location = str(local.parent / "translation_memory.sqlite")
        memory = TranslationMemory.open_sqlite(location)
    glossary_file = Path(settings.glossary_path) if settings.glossary_path else None
    glossary = load_glossary(glossary_file, settings.source_lang)
    with memory:
        variants = {m.locale for m in markets if m.translation_variant}
        imported = import_human_translations(
            memory, [Path(f) for f in settings.human_translations], settings, variants, run_id
        )
        ensure_dir(report_dir)
        outcome = translate_catalog(
            lambda: read_snapshot(snapshot),
            markets,
            settings,
            glossary,
            memory,
            run_dir / "translations",
            review_dir=report_dir,
            auth_key=auth_key,
            run=run_id,
            skip=quarantine,
            glossary_targets=glossary_targets,
        )
    report = {**outcome.report, "imported": imported}
    with (run_dir / TRANSLATION_REPORT).open("w", encoding="utf-8") as stream:
        json.dump(report, stream, indent=1, sort_keys=True)
    publish_atomically(run_dir / TRANSLATION_REPORT, report_dir / TRANSLATION_REPORT)
    return {
        "files": outcome.files,
        "report": report,
        "report_path": str(report_dir / TRANSLATION_REPORT),
    }
