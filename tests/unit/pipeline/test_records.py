"""The records the localize_catalog steps hand each other (`pipeline.records`): each keeps
every field through XCom, and a staged one of the wrong shape is refused, naming its file;
a market's manifest reads through its type, an older one without the later fields too."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from pipeline import records
from pipeline.assemble_market import read_assembled, read_results
from pipeline.layout import ASSEMBLED, RESULT, SHARDS
from pipeline.records import (
    Manifest,
    ManifestEntry,
    RecordError,
    as_record,
    read_manifest,
    read_staged,
    write_manifest,
    write_staged,
)

if TYPE_CHECKING:
    from pathlib import Path

SHARD = {"index": 1, "first": 7, "products": 7, "start": 812, "end": 1630}
LANGUAGE = {
    "segments": 10,
    "human": 1,
    "memory": 6,
    "deepl": 2,
    "pending": 1,
    "flagged": 0,
    "requests": 1,
    "retries": 0,
    "characters_sent": 120,
    "characters_billed": 120,
    "stopped": None,
    "hit_rate": 0.7,
    "estimated_cost": "0.00",
}
REPORT = {
    "languages": {"DE": LANGUAGE},
    "currency": "EUR",
    "stopped": None,
    "warnings": ["no glossary for EN-ZH"],
    "deepl_key": True,
    "review_files": {"DE": "/out/runs/r/review-DE.xlf"},
    "catalog_pairs_recorded": 3,
    "imported": {"de.tmx": {"status": "imported", "units": 4}},
}
PART = {"channel": "amazon", "path": "/s/DE/amazon-0001.json", "items": 5, "valid": True}
SUMMARY = {
    "listed": 5,
    "set_aside": 2,
    "reasons": {"incomplete": 2},
    "sent": 6,
    "unchanged": 0,
    "deleted": 1,
    "valid": True,
    "withheld": None,
    "state": "/s/DE/amazon.state.json",
    "sales": 1,
    "prior_price_corrections": 1,
    "history": "/s/DE/price_history.amazon.jsonl",
    "team_files": {"DE-amazon.csv": "9f2c"},
}
STAGED = {
    "snapshot": "s3://staging/r/catalog.msgpack",
    "shards": [SHARD],
    "products": 7,
    "rejected_rows": 1,
    "held": 0,
    "warnings": 2,
    "holds": "s3://staging/r/ingest_holds.json",
}

EXAMPLES: dict[type, dict[str, Any]] = {
    records.ShardSpec: SHARD,
    records.StagedCatalog: STAGED,
    records.Extracted: {
        **STAGED,
        "rates": "/s/r/eurofxref-daily.xml",
        "rates_day": "2026-11-25",
        "run_day": "2026-11-26",
    },
    records.ValidationJob: {"shard": SHARD},
    records.ValidatedShard: {"shard": 1, "products": 7, "part": "/s/r/validation/00001.sqlite"},
    records.Validated: {
        "products": 14,
        "quarantined": 1,
        "warnings": 3,
        "expectations": 20,
        "failed_expectations": 2,
        "quarantine": "/s/r/quarantine.json",
        "findings": "/s/r/validation_findings.jsonl",
        "results": "/out/runs/r/validation.json",
    },
    records.TranslationPrepared: {
        "imported": {"de.tmx": {"status": "imported"}},
        "catalog_pairs_recorded": 3,
        "glossary_targets": ["DE", "FR"],
        "deepl": {"glossary_id": "g-1", "stopped": None, "characters": 12},
        "warnings": [],
        "deepl_key": True,
        "currency": "EUR",
    },
    records.LanguageJob: {"group": ["AT", "CH", "DE"]},
    records.LanguageFigures: LANGUAGE,
    records.TranslationReport: REPORT,
    records.TranslatedLanguage: {
        "files": {"DE": "/s/r/translations/DE.jsonl"},
        "report": REPORT,
        "report_part": "/s/r/translations/report-DE.json",
    },
    records.Translated: {
        "files": {"DE": "/s/r/translations/DE.jsonl"},
        "report": REPORT,
        "report_path": "/out/runs/r/translation.json",
    },
    records.ShardJob: {"market": "DE", "shard": SHARD},
    records.ChannelJob: {"market": "DE", "channel": "amazon"},
    records.ShardResult: {
        "market": "DE",
        "shard": 1,
        "products": 7,
        "set_aside": 1,
        "reasons": {"quarantined": 1},
        "missing": {"amazon": {"brand": 2}, "google": {}},
        "dir": "/s/r/DE/shards/00001",
    },
    records.FeedPart: {**PART, "deletions": 1},
    records.ChannelSummary: SUMMARY,
    records.ChannelResult: {
        "market": "DE",
        "channel": "amazon",
        "parts": [PART],
        "summary": SUMMARY,
        "findings": "/s/r/DE/shards/amazon.findings.keyed",
    },
    records.ChannelFigures: {**SUMMARY, "missing": {"brand": 2}},
    records.MarketBuild: {
        "market": "DE",
        "products": 14,
        "set_aside": 2,
        "reasons": {"quarantined": 2},
        "feeds": [PART],
        "channels": {"amazon": {**SUMMARY, "missing": {"brand": 2}}},
        "mode": "delta",
        "rate_day": "2026-11-25",
        "findings": "/s/r/DE/findings.jsonl",
        "completeness": "/s/r/DE/completeness.csv",
        "prices": "/s/r/DE/prices.csv",
    },
    records.PublishedFeed: {
        "market": "DE",
        "channel": "google",
        "path": "/out/DE/google.xml",
        "file": "google.xml",
        "items": 12,
        "listed": 12,
        "sha256": "ab" * 32,
    },
    records.FeedEvent: {
        "uri": "/out/DE/google.xml",
        "name": "grenzenlos_feed_DE_google",
        "extra": {},
    },
}


def _every_record_type() -> list[type]:
    return [
        value
        for value in vars(records).values()
        if isinstance(value, type) and hasattr(value, "__required_keys__")
    ]


def test_every_record_type_has_an_example_with_every_field() -> None:
    assert set(EXAMPLES) == set(_every_record_type())
    for kind, example in EXAMPLES.items():
        fields = kind.__required_keys__ | kind.__optional_keys__  # type: ignore[attr-defined]
        assert set(example) == fields, kind.__name__


@pytest.mark.parametrize("kind", list(EXAMPLES), ids=lambda kind: kind.__name__)
def test_a_record_keeps_every_field_through_xcom(kind: type) -> None:
    """As Airflow stores a task's return value (serde, then JSON) and hands it on."""
    from airflow.sdk.serde import deserialize, serialize

    example = EXAMPLES[kind]
    handed_on = deserialize(json.loads(json.dumps(serialize(example))))
    assert as_record(handed_on, kind, "the task") == example


def test_a_record_without_a_field_is_refused_naming_where_it_came_from() -> None:
    shard = {key: value for key, value in SHARD.items() if key != "end"}
    with pytest.raises(RecordError, match=r"^plan_shards is not a ShardJob record: .*`end`"):
        as_record({"market": "DE", "shard": shard}, records.ShardJob, "plan_shards")


def test_a_staged_result_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "assembled.json"
    write_staged(path, EXAMPLES[records.MarketBuild])
    assert read_staged(path, records.MarketBuild) == EXAMPLES[records.MarketBuild]
    # As the shards' results always were: keys sorted, for a person comparing two.
    assert path.read_text(encoding="utf-8") == json.dumps(
        EXAMPLES[records.MarketBuild], sort_keys=True
    )


def test_a_shard_result_of_the_wrong_shape_is_refused_naming_the_file(tmp_path: Path) -> None:
    market_dir = tmp_path / "DE"
    good = market_dir / SHARDS / "00000" / RESULT
    good.parent.mkdir(parents=True)
    write_staged(good, {**EXAMPLES[records.ShardResult], "shard": 0})
    bad = market_dir / SHARDS / "00001" / RESULT
    bad.parent.mkdir(parents=True)
    write_staged(bad, {**EXAMPLES[records.ShardResult], "products": "seven"})
    with pytest.raises(RecordError) as refused:
        read_results(market_dir, 2)
    assert str(refused.value).startswith(f"{bad} is not a ShardResult record: ")
    assert "$.products" in str(refused.value)


def test_a_channel_result_that_is_not_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    market_dir = tmp_path / "DE"
    shard = market_dir / SHARDS / "00000" / RESULT
    shard.parent.mkdir(parents=True)
    write_staged(shard, {**EXAMPLES[records.ShardResult], "shard": 0})
    channel = market_dir / SHARDS / f"amazon.{RESULT}"
    channel.write_text('{"market": "DE", "channel": ', encoding="utf-8")  # cut short
    with pytest.raises(RecordError, match=rf"^{channel} is not a ChannelResult record: "):
        read_results(market_dir, 1, ["amazon"])


def test_a_missing_result_names_the_file_and_the_task(tmp_path: Path) -> None:
    missing = tmp_path / "DE" / SHARDS / "00000" / RESULT
    with pytest.raises(FileNotFoundError, match=rf"^{missing} is missing: its localize_shard"):
        read_results(tmp_path / "DE", 1)


def test_an_assembled_build_of_the_wrong_shape_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / ASSEMBLED
    build = {k: v for k, v in EXAMPLES[records.MarketBuild].items() if k != "channels"}
    path.write_text(json.dumps(build), encoding="utf-8")
    with pytest.raises(RecordError, match=rf"^{path} is not a MarketBuild record: .*`channels`"):
        read_assembled(tmp_path)


def test_a_record_is_a_plain_dict_at_runtime() -> None:
    """What Airflow's XCom stores as it is (a Struct would need converting at each task)."""
    made = records.ChannelJob(market="DE", channel="amazon")
    assert type(made) is dict
    assert msgspec.json.decode(msgspec.json.encode(made)) == made


MANIFEST = {
    "market": "DE",
    "run": "r2",
    "mode": "delta",
    "rate_day": "2026-11-25",
    "feeds": [
        {"file": "google.xml", "channel": "google", "items": 12, "sha256": "ab" * 32},
        {"file": "amazon.json", "channel": "amazon", "items": 3, "sha256": "cd", "run": "r1"},
    ],
}


def test_a_manifest_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    manifest = read_staged_manifest(tmp_path, MANIFEST)
    write_manifest(path, manifest)
    assert read_manifest(path) == manifest
    # As publish always wrote it: indented, keys sorted, a feed's run only where it is set.
    assert path.read_text(encoding="utf-8") == json.dumps(MANIFEST, indent=1, sort_keys=True) + "\n"
    assert [manifest.published_by(entry) for entry in manifest.feeds] == ["r2", "r1"]


def read_staged_manifest(tmp_path: Path, data: dict[str, Any]) -> Manifest:
    path = tmp_path / "written.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return read_manifest(path)


def test_a_manifest_written_before_mode_rate_day_and_a_feeds_run_still_reads(
    tmp_path: Path,
) -> None:
    old = {
        "market": "DE",
        "run": "r0",
        "feeds": [{"file": "google.xml", "channel": "google", "items": 4, "sha256": "ef"}],
    }
    manifest = read_staged_manifest(tmp_path, old)
    assert (manifest.mode, manifest.rate_day) == ("full", None)
    assert manifest.feeds == [
        ManifestEntry(file="google.xml", channel="google", items=4, sha256="ef")
    ]
    assert manifest.published_by(manifest.feeds[0]) == "r0"


@pytest.mark.parametrize(
    ("shape", "complaint"),
    [
        ({**MANIFEST, "feeds": [{"file": "google.xml", "channel": "google"}]}, "`items`"),
        ({**MANIFEST, "feeds": "google.xml"}, r"\$\.feeds"),
        ([MANIFEST], "Expected `object`"),
    ],
    ids=["a feed without its counts", "feeds not a list", "not an object"],
)
def test_a_manifest_of_the_wrong_shape_is_refused_naming_the_file(
    tmp_path: Path, shape: object, complaint: str
) -> None:
    path = tmp_path / "DE" / "manifest.json"
    path.parent.mkdir()
    path.write_text(json.dumps(shape), encoding="utf-8")
    with pytest.raises(RecordError, match=rf"^{path} is not a Manifest record: .*{complaint}"):
        read_manifest(path)
