"""Optimisations change no byte: the sample catalog's whole run, file by file, by sha256.

The steps run as the DAG runs them (extract, validate, translate from the translators'
TMX only, one build per configured market) without Airflow around them, and every file a
market build writes (feeds, findings, completeness, prices, content hashes) is hashed.
``tests/cases/sample_run.sha256`` holds the expected digests; after an intended change,
regenerate it with ``GRENZENLOS_UPDATE_GOLDEN=1 pytest tests/integration/test_sample_run_bytes.py``
and say in the commit why each changed file changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from schemas.categories import load_category_map
from schemas.config.loader import load_config
from tests.conftest import CASES, ROOT

EXPECTED = CASES / "sample_run.sha256"


def _run(work: Path, shard_products: int | None = None) -> dict[str, str]:
    """The run's market files; ``shard_products`` cuts the catalog into shards built as
    the DAG's tasks build them (shards and channels each on their own, out of order)."""
    from pipeline.build import assemble, build_market_feeds, sale_clock, write_channel
    from pipeline.extract import load_rates, read_catalog, stage_catalog, stage_rates
    from pipeline.layout import ASSEMBLED
    from pipeline.localize_shard import localize_shard
    from pipeline.translate import translate_snapshot
    from pipeline.validate import validate_snapshot

    config = load_config(ROOT / "config" / "markets.toml", env={})
    settings = config.translation.model_copy(
        update={"memory_path": str(work / "memory.sqlite"), "glossary_path": None}
    )
    run_dir = work / "staging" / "2026-11-26"
    output = work / "output"
    staged = stage_catalog(
        read_catalog(config.catalog), run_dir, shard_products=shard_products or 1_000_000
    )
    assert len(staged["shards"]) == (
        -(-staged["products"] // shard_products) if shard_products else 1
    )
    rates = load_rates(Path(stage_rates(config.pricing, run_dir, run_day=None)))
    validated = validate_snapshot(
        Path(staged["snapshot"]),
        config.validation,
        output / "runs" / "2026-11-26",
        output,
        "2026-11-26",
    )
    quarantine = json.loads(Path(validated["quarantine"]).read_text(encoding="utf-8"))
    markets = [config.market(code) for code in sorted(config.markets)]
    translated = translate_snapshot(
        Path(staged["snapshot"]),
        markets,
        settings,
        run_dir,
        output / "runs" / "2026-11-26",
        auth_key=None,
        run_id="2026-11-26",
        quarantine=quarantine,
        glossary_targets=sorted({m.deepl_target for m in markets}),
    )
    categories = load_category_map(ROOT / "config" / "categories.toml", markets=config.markets)
    # The run's day, as extract stages it: the writers judge the sample's sales by it (the
    # 2027 one is not yet on in channels that take no dated sale).
    clock = sale_clock(config, {**staged, "run_day": "2026-11-26"})
    for market in markets:
        localized = dict(
            pricing=config.pricing,
            rates=rates,
            requirements={c: config.requirements(market, c) for c in market.channels},
            quarantine=quarantine,
            translations=Path(translated["files"][market.code]),
            source_locale=config.translation.source_locale,
        )
        if shard_products is None:
            build_market_feeds(
                Path(staged["snapshot"]),
                market,
                run_dir / market.code,
                channel_settings=config.channels,
                category_map=categories,
                clock=clock,
                **localized,  # type: ignore[arg-type]
            )
            continue
        shards = [
            localize_shard(
                Path(staged["snapshot"]),
                shard,
                market,
                run_dir / market.code,
                clock=clock,
                **localized,  # type: ignore[arg-type]
            )
            for shard in reversed(staged["shards"])
        ]
        for channel in reversed(market.channels):
            write_channel(
                shards,
                market,
                channel,
                run_dir / market.code,
                channel_settings=config.channels,
                category_map=categories,
                run_day=clock.run_day,
            )
        # As the DAG's assemble_market task: from the results the tasks left in staging.
        built = assemble(config, market.code, run_dir, staged=staged)
        assert not (run_dir / market.code / "shards").exists()
        # A retry of the task (its shards' staging gone) returns the same result.
        assert assemble(config, market.code, run_dir, staged=staged) == built
    return {
        str(path.relative_to(run_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for market in markets
        for path in sorted((run_dir / market.code).rglob("*"))
        if path.is_file() and path.name != ASSEMBLED  # it holds this machine's paths
    }


@pytest.mark.parametrize("shard_products", [None, 7], ids=["one-shard", "shards-of-7"])
def test_the_sample_runs_files_are_byte_for_byte_the_expected(
    tmp_path: Path, shard_products: int | None
) -> None:
    """The same files whether a market is built in one go or from shards of 7 products
    (the sample's 40-odd products: several shards, titles and deletions across them)."""
    digests = _run(tmp_path, shard_products)
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        EXPECTED.write_text(text, encoding="utf-8")
    expected = dict(
        reversed(line.split("  ", 1)) for line in EXPECTED.read_text(encoding="utf-8").splitlines()
    )
    assert len(digests) > 40
    changed = sorted(name for name in digests if digests[name] != expected.get(name))
    missing = sorted(set(expected) - set(digests))
    assert (changed, missing) == ([], [])
