"""
### localize_catalog

Nightly: read the master catalog, check it, re-express every product for each
market and publish one feed per market and channel.

1. **extract** stages a snapshot of the catalog for the run's date and records
   the rows it could not read, and stages the ECB rates, stopping the run when they
   are older than `[pricing] max_rate_age_business_days` (or only warning, as
   `[pricing] stale_rates` says).
2. **validate_shard** (one per shard, from **plan_validation**) runs the catalog
   rules with Great Expectations on its shard; **validate** judges the catalog-wide
   rules (sku uniqueness) across the shards, quarantines the products that break an
   error rule, builds the Data Docs, and stops the run when too much of the catalog
   is quarantined or the catalog shrank too much.
3. **select_markets** checks the `markets` parameter against `config/markets.toml`.
4. **prepare_translation** imports the translators' TMX/XLIFF files, records the
   catalog's own texts in the translation memory and syncs the DeepL glossary;
   **translate_language** (one per DeepL target language, from **plan_languages**)
   gives its markets the texts their locales lack: the memory first, DeepL for the
   rest (key from the `deepl_default` connection or `DEEPL_AUTH_KEY`; without one,
   what the memory lacks is pending), and writes that language's XLIFF for review;
   **translate** merges the per-language report (characters sent and billed, hit
   rate, cost). On Celery the memory must be PostgreSQL (`[translation] memory_conn_id`).
5. **plan_shards** and **plan_channels** list the build's tasks. **localize_shard**
   (one per market and shard of the catalog, `[scale] shard_products` products each)
   localizes texts, prices and units and checks each channel's required attributes (completeness);
   **write_channel** (one per market and channel) writes that channel's feed files
   from every shard's listings, in catalog order, and checks them;
   **assemble_market** gathers a market's findings, completeness and prices. Every
   product left out gets a finding; nothing is published yet.
6. **check_gates** holds back each feed that lost too many listings since the
   last successful run (`held_feeds.json` in the run's staging folder).
7. **publish** replaces the live feeds atomically (skipped on a dry run), except
   the held-back ones, whose last good files stay live, and emits one Asset event
   per published feed through the `grenzenlos_feeds` alias.
8. **summary** always runs: it writes `findings.csv`, `findings.jsonl`,
   `completeness.csv` and `summary.txt` for the run, prints them, and fails the
   run with the reason when a gate stopped it or a feed was held back.

Trigger parameters: `markets` (empty: every configured market), `mode` (`full`,
or `delta`: Amazon and eBay get only what changed since the last published feed,
plus deletions) and `dry_run`.
"""

from __future__ import annotations

import functools
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from airflow.sdk import (
    Asset,
    AssetAlias,
    ObjectStoragePath,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException

from pipeline.trigger_form import localize_catalog_form, market_labels

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipeline import records
    from pipeline.translate import TranslationOptions
    from schemas.config.pipeline import PipelineConfig, Translation
    from transforms.infra.gates import HeldFeeds

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "markets.toml"
FEEDS = AssetAlias("grenzenlos_feeds")
LOG = logging.getLogger("grenzenlos")
P = ParamSpec("P")
R = TypeVar("R")


MARKETS = market_labels(Path(os.environ.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG))
"""Market code -> its label in the trigger form."""


def _config() -> PipelineConfig:
    from schemas.config.loader import load_config

    return load_config(os.environ.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG)


def _run_key() -> str:
    """The run's folder name in staging and under ``<output>/runs/``: its run id made
    safe (`pipeline.layout.run_key`), so two runs on one day never share a folder."""
    from pipeline.layout import run_key

    return run_key(get_current_context()["run_id"])


def _run_day() -> str:
    """The run's date (logical date, or the trigger time for runs without one): the day
    whose ECB rates it converts with."""
    context = get_current_context()
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.strftime("%Y-%m-%d")


def _run_dir(config: PipelineConfig) -> ObjectStoragePath:
    """The run's staging folder, keyed by its run."""
    return ObjectStoragePath(config.storage.staging_url) / _run_key()


def _catalog_conninfo(conn_id: str) -> str:
    """libpq connection string of an Airflow connection, built at run time only."""
    from airflow.sdk import Connection
    from psycopg.conninfo import make_conninfo

    conn = Connection.get(conn_id)
    return make_conninfo(
        host=conn.host or "",
        port=str(conn.port or 5432),
        user=conn.login or "",
        password=conn.password or "",
        dbname=conn.schema or "",
    )


def _akeneo_api(conn_id: str) -> Any:
    """The Akeneo API's address and credentials from an Airflow connection, at run time
    only (`transforms.catalog.akeneo_api.connection.AkeneoApiConnection`)."""
    from airflow.sdk import Connection

    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

    return AkeneoApiConnection.from_airflow_connection(Connection.get(conn_id))


def _deepl_access() -> tuple[str | None, str | None]:
    """DeepL key and optional server URL: connection ``deepl_default``, else the environment.

    The connection's password is the key; its host (URI or JSON form, see
    `transforms.translation.deepl_connection`), when set, the API base URL. The key is registered
    with Airflow's secrets masker, so no log line shows it.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.sdk.log import mask_secret

    from transforms.translation.deepl_connection import server_url

    key = server = None
    try:
        conn = Connection.get("deepl_default")
    except AirflowNotFoundException:
        conn = None
    if conn is not None and conn.password:
        key = conn.password
        server = server_url(conn.conn_type, conn.host, conn.port, conn.schema, conn.extra_dejson)
    else:
        key = os.environ.get("DEEPL_AUTH_KEY") or None
    if key:
        mask_secret(key)
    return key, server


def _distributed() -> bool:
    """Whether tasks may run on several machines: an executor other than the local ones
    (Celery, Kubernetes, Edge). Then nothing may rely on a local file, such as a SQLite
    translation memory."""
    from airflow.configuration import conf

    executors = [name.strip() for name in conf.get("core", "executor").split(",")]
    return any(name not in ("LocalExecutor", "SequentialExecutor") for name in executors)


def _fail_fast(step: Callable[P, R]) -> Callable[P, R]:
    """Let Airflow retry only what can heal (network, database, object storage); any
    other error (bad data, bad config, a bug) fails the task at once, with its reason."""

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from transforms.infra.faults import heals_by_retry

        try:
            return step(*args, **kwargs)
        except AirflowFailException:
            raise
        except Exception as error:
            if heals_by_retry(error):
                raise
            raise AirflowFailException(f"{type(error).__name__}: {error}") from error

    return run


def _recorded(step: Callable[P, R]) -> Callable[P, R]:
    """Record the task's try for the run report and tell its log what the task did
    (`pipeline.task_try`)."""

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from pipeline.task_try import TaskTry

        context = get_current_context()
        ti = context["ti"]
        attempt = TaskTry(ti.task_id, ti.map_index, ti.try_number, lambda: _run_dir(_config()))
        try:
            result = step(*args, **kwargs)
        except Exception as error:
            # _fail_fast has already put the original error's type in the message.
            text = str(error) if isinstance(error, AirflowFailException) else None
            label = context.get("label")  # type: ignore[misc]
            attempt.failed(text or f"{type(error).__name__}: {error}", label)
            raise
        attempt.succeeded(result, context.get("label"))  # type: ignore[misc]
        return result

    return run


@dag(
    dag_id="localize_catalog",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["grenzenlos", "feeds"],
    description="Nightly: catalog in, checked, translated and localized, one feed per "
    "market and channel out; findings and a run report per run.",
    doc_md=__doc__,
    default_args={
        "retries": 2,
        # Tests shorten the wait, so a failing task does not hold dag.test() for minutes.
        "retry_delay": timedelta(
            seconds=float(os.environ.get("GRENZENLOS_RETRY_DELAY_SECONDS", 300))
        ),
    },
    params={name: Param(**field) for name, field in localize_catalog_form(MARKETS).items()},
)
def localize_catalog() -> None:
    @task
    @_recorded
    @_fail_fast
    def extract() -> records.Extracted:
        from pipeline.extract import ExtractFailed, extract
        from transforms.infra.gates import GateClosed
        from transforms.pricing.rates_freshness import StaleRates

        config = _config()
        conninfo = (
            _catalog_conninfo(config.catalog.postgres_conn_id)
            if config.catalog.format == "postgres"
            else None
        )
        akeneo_api = None
        if config.catalog.format == "akeneo_api":
            try:
                akeneo_api = _akeneo_api(config.catalog.api_conn_id)
            except ValueError as incomplete:  # a connection without its fields: no retry heals
                raise AirflowFailException(str(incomplete)) from None
        run_day = datetime.strptime(_run_day(), "%Y-%m-%d").date()
        try:
            return extract(
                config, _run_dir(config), run_day, conninfo=conninfo, akeneo_api=akeneo_api
            )
        except (GateClosed, StaleRates, ExtractFailed) as stopped:  # reason recorded
            raise AirflowFailException(str(stopped)) from None

    @task(retries=0)
    def plan_validation(staged: records.Extracted) -> list[records.ValidationJob]:
        """One ``validate_shard`` task per shard of the snapshot."""
        return [{"shard": shard} for shard in staged["shards"]]

    @task(map_index_template="{{ label }}")
    @_recorded
    @_fail_fast
    def validate_shard(
        shard: records.ShardSpec, staged: records.Extracted
    ) -> records.ValidatedShard:
        from pipeline.validate import validate_shard

        context = get_current_context()
        context["label"] = (  # type: ignore[typeddict-unknown-key]
            f"shard {shard['index'] + 1} of {len(staged['shards'])}"
        )
        return validate_shard(ObjectStoragePath(staged["snapshot"]), shard, _config().validation)

    @task(retries=0)
    @_recorded
    def validate(
        staged: records.Extracted, parts: Sequence[records.ValidatedShard]
    ) -> records.Validated:
        from pipeline.records import each
        from pipeline.validate import validate_snapshot
        from transforms.infra.gates import GateClosed

        config = _config()
        output = ObjectStoragePath(config.storage.output_url)
        try:
            return validate_snapshot(
                ObjectStoragePath(staged["snapshot"]),
                config.validation,
                output / "runs" / _run_key(),
                output,
                _run_key(),
                parts=list(each(parts)),
            )
        except GateClosed as closed:
            raise AirflowFailException(str(closed)) from None

    @task(retries=0)  # a wrong market code does not heal by waiting
    @_recorded
    def select_markets() -> list[str]:
        config = _config()
        params = get_current_context()["params"]
        wanted = [code.strip().upper() for code in params.get("markets") or [] if code.strip()]
        for code in wanted:
            config.market(code)  # raises ConfigError naming the configured markets
        return wanted or sorted(config.markets)

    def _translation_args(validated: records.Validated) -> tuple[Translation, TranslationOptions]:
        """The translation settings (with DeepL's server, when the connection names one)
        and what every translate task passes on."""
        from pipeline.translate import translation_options

        config = _config()
        settings = config.translation
        key, server = _deepl_access()
        if server:
            settings = settings.model_copy(update={"server_url": server})
        conninfo = _catalog_conninfo(settings.memory_conn_id) if settings.memory_conn_id else None
        options = translation_options(
            config,
            validated,
            _run_dir(config),
            auth_key=key,
            run_id=_run_key(),
            memory_conninfo=conninfo,
            distributed=_distributed(),
        )
        return settings, options

    @task
    @_recorded
    @_fail_fast
    def prepare_translation(
        staged: records.Extracted, validated: records.Validated, markets: list[str]
    ) -> records.TranslationPrepared:
        from pipeline.translate import prepare_translation

        config = _config()
        settings, options = _translation_args(validated)
        return prepare_translation(
            ObjectStoragePath(staged["snapshot"]),
            [config.market(code) for code in markets],
            settings,
            _run_dir(config),
            **options,
        )

    @task(retries=0)
    def plan_languages(markets: list[str]) -> list[records.LanguageJob]:
        """One ``translate_language`` task per DeepL target language."""
        from pipeline.translate import translation_groups

        config = _config()
        groups = translation_groups([config.market(code) for code in markets])
        return [{"group": group} for group in groups]

    @task(map_index_template="{{ label }}")
    @_recorded
    @_fail_fast
    def translate_language(
        group: list[str],
        staged: records.Extracted,
        validated: records.Validated,
        prepared: records.TranslationPrepared,
    ) -> records.TranslatedLanguage:
        from pipeline.translate import translate_language

        config = _config()
        settings, options = _translation_args(validated)
        markets = [config.market(code) for code in group]
        context = get_current_context()
        context["label"] = (  # type: ignore[typeddict-unknown-key]
            f"{markets[0].deepl_target} ({', '.join(group)})"
        )
        return translate_language(
            ObjectStoragePath(staged["snapshot"]),
            markets,
            settings,
            _run_dir(config),
            ObjectStoragePath(config.storage.output_url) / "runs" / _run_key(),
            prepared=prepared,
            **options,
        )

    @task
    @_recorded
    @_fail_fast
    def translate(
        prepared: records.TranslationPrepared, parts: Sequence[records.TranslatedLanguage]
    ) -> records.Translated:
        """The run's translation report from every language's part."""
        from pipeline.records import each
        from pipeline.translate import merge_translation_reports

        config = _config()
        return merge_translation_reports(
            list(each(parts)),
            _run_dir(config),
            ObjectStoragePath(config.storage.output_url) / "runs" / _run_key(),
            prepared,
        )

    @task(retries=0)
    def plan_shards(staged: records.Extracted, markets: list[str]) -> list[records.ShardJob]:
        """One ``localize_shard`` task per market and shard of the snapshot."""
        from pipeline.build import shard_jobs

        return shard_jobs(staged, markets)

    @task(retries=0)
    def plan_channels(markets: list[str]) -> list[records.ChannelJob]:
        """One ``write_channel`` task per market and channel."""
        from pipeline.build import channel_jobs

        return channel_jobs(_config(), markets)

    @task(map_index_template="{{ label }}")
    @_recorded
    @_fail_fast
    def localize_shard(
        market: str,
        shard: records.ShardSpec,
        staged: records.Extracted,
        validated: records.Validated,
        translated: records.Translated,
    ) -> records.ShardResult:
        from pipeline.build import build_shard

        context = get_current_context()
        context["label"] = (  # type: ignore[typeddict-unknown-key]
            f"{market} shard {shard['index'] + 1} of {len(staged['shards'])}"
        )
        config = _config()
        return build_shard(
            config,
            market,
            shard,
            _run_dir(config),
            staged=staged,
            validated=validated,
            translated=translated,
        )

    @task(map_index_template="{{ label }}")
    @_recorded
    @_fail_fast
    def write_channel(
        market: str, channel: str, staged: records.Extracted
    ) -> records.ChannelResult:
        from pipeline.build import build_channel

        context = get_current_context()
        context["label"] = f"{market} {channel}"  # type: ignore[typeddict-unknown-key]
        config = _config()
        return build_channel(
            config,
            market,
            channel,
            _run_dir(config),
            staged=staged,
            output_root=ObjectStoragePath(config.storage.output_url),
            mode=context["params"].get("mode") or "full",
        )

    @task(map_index_template="{{ label }}")
    @_recorded
    @_fail_fast
    def assemble_market(market: str, staged: records.Extracted) -> records.MarketBuild:
        from pipeline.build import assemble

        get_current_context()["label"] = market  # type: ignore[typeddict-unknown-key]
        config = _config()
        return assemble(
            config,
            market,
            _run_dir(config),
            staged=staged,
            mode=get_current_context()["params"].get("mode") or "full",
            rate_day=staged["rates_day"],
        )

    @task(retries=0)
    @_recorded
    def check_gates(built: Sequence[records.MarketBuild]) -> HeldFeeds:
        """Hold back the feeds that shrank; the others publish, `summary` fails the run."""
        from pipeline.publish import check_feed_shrink
        from pipeline.records import each

        config = _config()
        return check_feed_shrink(
            each(built),
            config.validation,
            ObjectStoragePath(config.storage.output_url),
            _run_dir(config),
        )

    @task(outlets=[FEEDS])
    @_recorded
    @_fail_fast
    def publish(
        staged: records.Extracted, built: Sequence[records.MarketBuild], held: HeldFeeds
    ) -> list[records.PublishedFeed] | None:
        from pipeline.publish import feed_events, publish_run
        from pipeline.records import each

        if get_current_context()["params"].get("dry_run"):
            return None
        config = _config()
        published = publish_run(
            each(built),
            held,
            ObjectStoragePath(config.storage.output_url),
            _run_dir(config),
            run_id=_run_key(),
            products=staged["products"],
            path_factory=ObjectStoragePath,
        )
        outlet_events = get_current_context()["outlet_events"]
        for event in feed_events(published, _run_key()):
            outlet_events[FEEDS].add(
                Asset(uri=event["uri"], name=event["name"]), extra=event["extra"]
            )
        return published

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def summary(
        staged: records.Extracted | None,
        validated: records.Validated | None,
        translated: records.Translated | None,
        built: Sequence[records.MarketBuild] | None,
        published: list[records.PublishedFeed] | None,
    ) -> str:
        """Report whatever the run got to; fail the run if a gate stopped it, held a feed
        back, or a task failed.

        This task always runs, so the run's own state comes from here: a run whose
        localize or publish step failed must not look green.
        """
        from pipeline.records import finished
        from pipeline.run_report.summary import RunParams, RunResults, write_run_report

        config = _config()
        report_dir = ObjectStoragePath(config.storage.output_url) / "runs" / _run_key()
        dry_run = bool(get_current_context()["params"].get("dry_run"))
        results = finished(built)
        incomplete = None
        if None in (staged, validated, translated) or not results or None in results:
            incomplete = "a task failed before every market was built"
        elif not dry_run and published is None:
            incomplete = "the publish step failed"
        context = get_current_context()
        run = RunParams(
            run_key=_run_key(),
            airflow_run_id=context["run_id"],
            run_day=_run_day(),
            mode=context["params"].get("mode") or "full",
            dry_run=dry_run,
            market_codes=[r["market"] for r in results if r]
            or list(context["params"].get("markets") or MARKETS),
        )
        got = RunResults(
            staged=staged,
            validated=validated,
            translated=translated,
            built=[r for r in results if r],
            published=published,
            failed=incomplete,
        )
        text, stopped = write_run_report(
            run, got, _run_dir(config), report_dir, path_factory=ObjectStoragePath
        )
        for line in text.splitlines():  # logged as it goes, before the task's end
            LOG.info("%s", line)
        if stopped:
            raise AirflowFailException(stopped)
        if incomplete:
            raise AirflowFailException(f"run incomplete: {incomplete} (see that task's log)")
        return str(report_dir / "summary.txt")

    staged = extract()
    shards = validate_shard.partial(staged=staged).expand_kwargs(plan_validation(staged))
    validated = validate(staged, shards)
    markets = select_markets()
    prepared = prepare_translation(staged, validated, markets)
    parts = translate_language.partial(
        staged=staged, validated=validated, prepared=prepared
    ).expand_kwargs(plan_languages(markets))
    translated = translate(prepared, parts)
    localized = localize_shard.partial(
        staged=staged, validated=validated, translated=translated
    ).expand_kwargs(plan_shards(staged, markets))
    # A market's later tasks read what its earlier ones left in the staging area, not
    # every market's results from XCom: these edges only order them.
    written = write_channel.partial(staged=staged).expand_kwargs(plan_channels(markets))
    built = assemble_market.partial(staged=staged).expand(market=markets)
    localized >> written >> built
    published = publish(staged, built, check_gates(built))
    summary(staged, validated, translated, built, published)


localize_catalog()
