"""The log lines each task leaves, read from its typed result (`pipeline.narration`)."""

from __future__ import annotations

from pipeline.narration import describe
from pipeline.records import Extracted, ShardSpec, TranslationPrepared


def test_extract_says_what_it_read_even_when_values_were_changed() -> None:
    staged = Extracted(
        snapshot="/staging/r/catalog.msgpack",
        shards=[ShardSpec(index=0, first=0, products=3, start=0, end=300)],
        products=3,
        rejected_rows=1,
        held=1,
        warnings=2,
        holds="/staging/r/ingest_holds.json",
        rates="/staging/r/eurofxref-daily.xml",
        rates_day="2026-11-25",
    )
    assert describe("extract", staged) == [
        "Read 3 products from the catalog; 1 row could not be read, 1 product held back "
        "by a value.",
        "Staged the snapshot in 1 shard: /staging/r/catalog.msgpack.",
        "Prices convert with the ECB rates of 2026-11-25.",
        "2 values ignored or changed (see the ingest findings).",
    ]


def test_prepare_translation_counts_the_translators_files() -> None:
    prepared = TranslationPrepared(
        imported={"de.tmx": {"status": "imported"}, "fr.xlf": {"status": "unchanged"}},
        catalog_pairs_recorded=4,
        glossary_targets=["DE"],
        deepl=None,
        warnings=["no glossary for EN-ZH"],
        deepl_key=False,
        currency="EUR",
    )
    assert describe("prepare_translation", prepared) == [
        "Read 2 files of the translators; recorded 4 texts the catalog carries in several "
        "languages.",
        "No DeepL key: memory only.",
        "Warning: no glossary for EN-ZH",
    ]
