"""The run a task belongs to and the configuration it runs with: the typed configuration,
the run's key, day and folders, the feeds' Asset alias, and where tasks may run."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING

from airflow.sdk import AssetAlias, ObjectStoragePath, get_current_context

from pipeline.config_file import config_path  # the DAG files read it from here

if TYPE_CHECKING:
    from schemas.config.pipeline import PipelineConfig

FEEDS = AssetAlias("grenzenlos_feeds")
"""What `localize_catalog`'s publish emits one event through per published file, and what
`deliver_feeds` is scheduled on."""


def pipeline_config() -> PipelineConfig:
    """The typed configuration, loaded and checked (inside tasks only: it imports the
    models)."""
    from schemas.config.loader import load_config

    return load_config(config_path())


def retry_delay(default_seconds: float) -> timedelta:
    """A DAG's wait between tries; ``GRENZENLOS_RETRY_DELAY_SECONDS`` shortens it in tests,
    so a failing task does not hold ``dag.test()`` for minutes."""
    return timedelta(
        seconds=float(os.environ.get("GRENZENLOS_RETRY_DELAY_SECONDS", default_seconds))
    )


def run_key() -> str:
    """The run's folder name in staging and under ``<output>/runs/``: its run id made
    safe (`pipeline.layout.run_key`), so two runs on one day never share a folder."""
    from pipeline.layout import run_key as safe_key

    return safe_key(get_current_context()["run_id"])


def run_day() -> str:
    """The run's date (logical date, or the trigger time for runs without one): the day
    whose ECB rates it converts with."""
    context = get_current_context()
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.strftime("%Y-%m-%d")


def run_dir(config: PipelineConfig) -> ObjectStoragePath:
    """The run's staging folder, keyed by its run."""
    return ObjectStoragePath(config.storage.staging_url) / run_key()


def output_dir(config: PipelineConfig) -> ObjectStoragePath:
    """The output root: the live feeds, ``deliveries/`` and ``runs/``."""
    return ObjectStoragePath(config.storage.output_url)


def report_dir(config: PipelineConfig) -> ObjectStoragePath:
    """The run's report folder, ``<output>/runs/<run key>/``."""
    return output_dir(config) / "runs" / run_key()


def distributed() -> bool:
    """Whether tasks may run on several machines: an executor other than the local ones
    (Celery, Kubernetes, Edge). Then nothing may rely on a local file, such as a SQLite
    translation memory."""
    from airflow.sdk import conf  # the Task SDK's, not airflow.configuration (the core's)

    executors = [name.strip() for name in conf.get("core", "executor").split(",")]
    return any(name not in ("LocalExecutor", "SequentialExecutor") for name in executors)
