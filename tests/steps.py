"""The localize_catalog run without Airflow: the pipeline's step functions called in the
DAG's order with the arguments its tasks give them, for tests of a step's behaviour
(a catalog scenario, a gate's decision, what a feed lists), where Airflow's scheduling,
retries and metadata are not what is tested.

Every step is the real one on the real storage (``[storage]`` of the configuration,
through `ObjectStoragePath` as the tasks use it). What the DAG adds and this does not:
retries, the step records (``steps/*.json``), Asset events, the trigger form's checks,
and Airflow connections (no DeepL key, no PostgreSQL catalog or memory). A step whose
stop the DAG turns into a failed task (a closed gate, stale rates, an unreadable
catalog) ends the run here too, and the summary is written as the DAG's ``summary``
task writes it. When a step function's signature changes, this is the one place to
follow it (with ``dags/localize_catalog.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from pathlib import Path

    from airflow.sdk import ObjectStoragePath


@dataclass(frozen=True)
class StepRun:
    """What a run through the steps left."""

    state: Literal["success", "failed"]
    """``failed`` where the DAG's ``summary`` task would fail the run."""
    stopped: str | None
    """Why: a gate stopped the run, or the shrink gate held feeds back."""
    summary: str
    report_dir: ObjectStoragePath
    """``<output>/runs/<run_key>/``."""
    published: list[dict[str, Any]] | None


def run_steps(
    config_file: Path,
    run_day: date,
    *,
    markets: Sequence[str] | None = None,
    mode: Literal["full", "delta"] = "full",
    dry_run: bool = False,
) -> StepRun:
    """Run localize_catalog's steps for ``run_day`` on the configuration in ``config_file``
    (with the environment's ``GRENZENLOS_*`` overrides, as the DAG reads it)."""
    from airflow.sdk import ObjectStoragePath

    from pipeline.build import assemble, build_channel, build_shard, channel_jobs, shard_jobs
    from pipeline.extract import ExtractFailed, extract
    from pipeline.layout import run_key
    from pipeline.publish import check_feed_shrink, publish_run
    from pipeline.run_report.summary import RunParams, RunResults, write_run_report
    from pipeline.translate import (
        merge_translation_reports,
        prepare_translation,
        translate_language,
        translation_groups,
    )
    from pipeline.validate import validate_shard, validate_snapshot
    from schemas.config.loader import load_config
    from transforms.infra.gates import GateClosed
    from transforms.pricing.rates_freshness import StaleRates

    config = load_config(config_file)
    run_id = f"manual__{run_day.isoformat()}T00:00:00+00:00"
    key = run_key(run_id)
    run_dir = ObjectStoragePath(config.storage.staging_url) / key
    output = ObjectStoragePath(config.storage.output_url)
    report_dir = output / "runs" / key
    codes = list(markets or sorted(config.markets))
    staged = validated = translated = None
    built: list[dict[str, Any]] = []
    published = None
    try:
        staged = extract(config, run_dir, run_day)
        snapshot = ObjectStoragePath(staged["snapshot"])
        parts = [validate_shard(snapshot, s, config.validation) for s in staged["shards"]]
        validated = validate_snapshot(
            snapshot, config.validation, report_dir, output, key, parts=parts
        )
    except (GateClosed, StaleRates, ExtractFailed):  # the reason is recorded in run_dir
        pass
    if staged is not None and validated is not None:
        with ObjectStoragePath(validated["quarantine"]).open("r", encoding="utf-8") as stream:
            quarantine = config.validation.quarantined_everywhere(json.load(stream))
        options: dict[str, Any] = {
            "auth_key": None,
            "run_id": key,
            "quarantine": quarantine,
            "glossary_targets": sorted({m.deepl_target for m in config.markets.values()}),
        }
        chosen = [config.market(code) for code in codes]
        prepared = prepare_translation(snapshot, chosen, config.translation, run_dir, **options)
        languages = [
            translate_language(
                snapshot,
                [config.market(code) for code in group],
                config.translation,
                run_dir,
                report_dir,
                prepared=prepared,
                **options,
            )
            for group in translation_groups(chosen)
        ]
        translated = merge_translation_reports(languages, run_dir, report_dir, prepared)
        for job in shard_jobs(staged, codes):
            build_shard(
                config, job["market"], job["shard"], run_dir,
                staged=staged, validated=validated, translated=translated,
            )  # fmt: skip
        for job in channel_jobs(config, codes):
            build_channel(
                config, job["market"], job["channel"], run_dir,
                staged=staged, output_root=output, mode=mode,
            )  # fmt: skip
        built = [assemble(config, code, run_dir, staged=staged, mode=mode) for code in codes]
        held = check_feed_shrink(built, config.validation, output, run_dir)
        if not dry_run:
            published = publish_run(
                built, held, output, run_dir, run_id=key, products=staged["products"],
                path_factory=ObjectStoragePath,
            )  # fmt: skip
    if staged is not None:  # the category mapping assistant, as the DAG's summary task
        from pipeline.run_report.categories import write_category_gaps

        write_category_gaps(config, ObjectStoragePath(staged["snapshot"]), codes, report_dir)
    params = RunParams(
        run_key=key,
        airflow_run_id=run_id,
        run_day=run_day.isoformat(),
        mode=mode,
        dry_run=dry_run,
        market_codes=codes,
    )
    results = RunResults(
        staged=staged,
        validated=validated,
        translated=translated,
        built=built,
        published=published,
        failed=None if built else "a task failed before every market was built",
    )
    summary, stopped = write_run_report(
        params, results, run_dir, report_dir, path_factory=ObjectStoragePath
    )
    return StepRun("failed" if stopped else "success", stopped, summary, report_dir, published)
