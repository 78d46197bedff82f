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

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from airflow.sdk import (
    Asset,
    ObjectStoragePath,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException
from grenzenlos_airflow import connections
from grenzenlos_airflow.run import (
    FEEDS,
    config_path,
    distributed,
    output_dir,
    pipeline_config,
    report_dir,
    retry_delay,
    run_day,
    run_dir,
    run_key,
)
from grenzenlos_airflow.tries import fail_fast, recorded

from pipeline.trigger_form import form_choices, localize_catalog_form

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipeline import records
    from pipeline.translate import TranslationOptions
    from schemas.config.pipeline import PipelineConfig, Translation
    from transforms.infra.gates import HeldFeeds

LOG = logging.getLogger("grenzenlos")
MARKETS = form_choices(config_path()).markets
"""Market code -> its label in the trigger form."""


def _history_conninfo(config: PipelineConfig) -> str | None:
    """The price history's PostgreSQL (``[pricing] history_conn_id``); None: files."""
    conn_id = config.pricing.history_conn_id
    return connections.postgres_conninfo(conn_id) if conn_id else None


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
        "retry_delay": retry_delay(300),
    },
    params={name: Param(**field) for name, field in localize_catalog_form(MARKETS).items()},
)
def localize_catalog() -> None:
    @task
    @recorded
    @fail_fast
    def extract() -> records.Extracted:
        from pipeline.extract import ExtractFailed, extract
        from transforms.infra.gates import GateClosed
        from transforms.pricing.rates_freshness import StaleRates

        config = pipeline_config()
        conninfo = (
            connections.postgres_conninfo(config.catalog.postgres_conn_id)
            if config.catalog.format == "postgres"
            else None
        )
        akeneo_api = None
        if config.catalog.format == "akeneo_api":
            try:
                akeneo_api = connections.akeneo_api(config.catalog.api_conn_id)
            except ValueError as incomplete:  # a connection without its fields: no retry heals
                raise AirflowFailException(str(incomplete)) from None
        day = datetime.strptime(run_day(), "%Y-%m-%d").date()
        try:
            return extract(config, run_dir(config), day, conninfo=conninfo, akeneo_api=akeneo_api)
        except (GateClosed, StaleRates, ExtractFailed) as stopped:  # reason recorded
            raise AirflowFailException(str(stopped)) from None

    @task(retries=0)
    def plan_validation(staged: records.Extracted) -> list[records.ValidationJob]:
        """One ``validate_shard`` task per shard of the snapshot."""
        return [{"shard": shard} for shard in staged["shards"]]

    @task(map_index_template="{{ label }}")
    @recorded
    @fail_fast
    def validate_shard(
        shard: records.ShardSpec, staged: records.Extracted
    ) -> records.ValidatedShard:
        from pipeline.validate import validate_shard

        context = get_current_context()
        context["label"] = (  # type: ignore[typeddict-unknown-key]
            f"shard {shard['index'] + 1} of {len(staged['shards'])}"
        )
        return validate_shard(
            ObjectStoragePath(staged["snapshot"]), shard, pipeline_config().validation
        )

    @task(retries=0)
    @recorded
    def validate(
        staged: records.Extracted, parts: Sequence[records.ValidatedShard]
    ) -> records.Validated:
        from pipeline.records import each
        from pipeline.validate import validate_snapshot
        from transforms.infra.gates import GateClosed

        config = pipeline_config()
        try:
            return validate_snapshot(
                ObjectStoragePath(staged["snapshot"]),
                config.validation,
                report_dir(config),
                output_dir(config),
                run_key(),
                parts=list(each(parts)),
            )
        except GateClosed as closed:
            raise AirflowFailException(str(closed)) from None

    @task(retries=0)  # a wrong market code does not heal by waiting
    @recorded
    def select_markets() -> list[str]:
        config = pipeline_config()
        params = get_current_context()["params"]
        wanted = [code.strip().upper() for code in params.get("markets") or [] if code.strip()]
        for code in wanted:
            config.market(code)  # raises ConfigError naming the configured markets
        return wanted or sorted(config.markets)

    def _translation_args(validated: records.Validated) -> tuple[Translation, TranslationOptions]:
        """The translation settings (with DeepL's server, when the connection names one)
        and what every translate task passes on."""
        from pipeline.translate import translation_options

        config = pipeline_config()
        settings = config.translation
        key, server = connections.deepl_access()
        if server:
            settings = settings.model_copy(update={"server_url": server})
        conninfo = (
            connections.postgres_conninfo(settings.memory_conn_id)
            if settings.memory_conn_id
            else None
        )
        options = translation_options(
            config,
            validated,
            run_dir(config),
            auth_key=key,
            run_id=run_key(),
            memory_conninfo=conninfo,
            distributed=distributed(),
        )
        return settings, options

    @task
    @recorded
    @fail_fast
    def prepare_translation(
        staged: records.Extracted, validated: records.Validated, markets: list[str]
    ) -> records.TranslationPrepared:
        from pipeline.translate import prepare_translation

        config = pipeline_config()
        settings, options = _translation_args(validated)
        return prepare_translation(
            ObjectStoragePath(staged["snapshot"]),
            [config.market(code) for code in markets],
            settings,
            run_dir(config),
            **options,
        )

    @task(retries=0)
    def plan_languages(markets: list[str]) -> list[records.LanguageJob]:
        """One ``translate_language`` task per DeepL target language."""
        from pipeline.translate import translation_groups

        config = pipeline_config()
        groups = translation_groups([config.market(code) for code in markets])
        return [{"group": group} for group in groups]

    @task(map_index_template="{{ label }}")
    @recorded
    @fail_fast
    def translate_language(
        group: list[str],
        staged: records.Extracted,
        validated: records.Validated,
        prepared: records.TranslationPrepared,
    ) -> records.TranslatedLanguage:
        from pipeline.translate import translate_language

        config = pipeline_config()
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
            run_dir(config),
            report_dir(config),
            prepared=prepared,
            **options,
        )

    @task
    @recorded
    @fail_fast
    def translate(
        prepared: records.TranslationPrepared, parts: Sequence[records.TranslatedLanguage]
    ) -> records.Translated:
        """The run's translation report from every language's part."""
        from pipeline.records import each
        from pipeline.translate import merge_translation_reports

        config = pipeline_config()
        return merge_translation_reports(
            list(each(parts)),
            run_dir(config),
            report_dir(config),
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

        return channel_jobs(pipeline_config(), markets)

    @task(map_index_template="{{ label }}")
    @recorded
    @fail_fast
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
        config = pipeline_config()
        return build_shard(
            config,
            market,
            shard,
            run_dir(config),
            staged=staged,
            validated=validated,
            translated=translated,
        )

    @task(map_index_template="{{ label }}")
    @recorded
    @fail_fast
    def write_channel(
        market: str, channel: str, staged: records.Extracted
    ) -> records.ChannelResult:
        from pipeline.build import build_channel

        context = get_current_context()
        context["label"] = f"{market} {channel}"  # type: ignore[typeddict-unknown-key]
        config = pipeline_config()
        return build_channel(
            config,
            market,
            channel,
            run_dir(config),
            staged=staged,
            output_root=output_dir(config),
            mode=context["params"].get("mode") or "full",
            history_conninfo=_history_conninfo(config),
        )

    @task(map_index_template="{{ label }}")
    @recorded
    @fail_fast
    def assemble_market(market: str, staged: records.Extracted) -> records.MarketBuild:
        from pipeline.build import assemble

        get_current_context()["label"] = market  # type: ignore[typeddict-unknown-key]
        config = pipeline_config()
        return assemble(
            config,
            market,
            run_dir(config),
            staged=staged,
            mode=get_current_context()["params"].get("mode") or "full",
            rate_day=staged["rates_day"],
        )

    @task(retries=0)
    @recorded
    def check_gates(built: Sequence[records.MarketBuild]) -> HeldFeeds:
        """Hold back the feeds that shrank; the others publish, `summary` fails the run."""
        from pipeline.publish import check_feed_shrink
        from pipeline.records import each

        config = pipeline_config()
        return check_feed_shrink(
            each(built),
            config.validation,
            output_dir(config),
            run_dir(config),
        )

    @task(outlets=[FEEDS])
    @recorded
    @fail_fast
    def publish(
        staged: records.Extracted, built: Sequence[records.MarketBuild], held: HeldFeeds
    ) -> list[records.PublishedFeed] | None:
        from pipeline.publish import feed_events, publish_run
        from pipeline.records import each

        if get_current_context()["params"].get("dry_run"):
            return None
        config = pipeline_config()
        published = publish_run(
            each(built),
            held,
            output_dir(config),
            run_dir(config),
            run_id=run_key(),
            products=staged["products"],
            path_factory=ObjectStoragePath,
            history_conninfo=_history_conninfo(config),
        )
        outlet_events = get_current_context()["outlet_events"]
        for event in feed_events(published, run_key()):
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
        from pipeline.run_report.summary import RunParams, run_results, write_run_report

        config = pipeline_config()
        reports = report_dir(config)
        context = get_current_context()
        params = context["params"]
        dry_run = bool(params.get("dry_run"))
        got = run_results(
            staged, validated, translated, finished(built), published, dry_run=dry_run
        )
        run = RunParams(
            run_key=run_key(),
            airflow_run_id=context["run_id"],
            run_day=run_day(),
            mode=params.get("mode") or "full",
            dry_run=dry_run,
            market_codes=[r["market"] for r in got.built] or list(params.get("markets") or MARKETS),
        )
        text, stopped = write_run_report(
            run, got, run_dir(config), reports, path_factory=ObjectStoragePath
        )
        for line in text.splitlines():  # logged as it goes, before the task's end
            LOG.info("%s", line)
        if stopped:
            raise AirflowFailException(stopped)
        if got.failed:
            raise AirflowFailException(f"run incomplete: {got.failed} (see that task's log)")
        return str(reports / "summary.txt")

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
