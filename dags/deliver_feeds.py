"""
### deliver_feeds

Sends the feeds `localize_catalog` published to the marketplaces, and brings their
answers back into that run's findings and report. It runs whenever `publish` emits
feed Asset events (the `grenzenlos_feeds` alias), and can be triggered by hand for
some markets and channels.

1. **plan** (`plan_amazon`, `plan_ebay` for the files of each API's deliver task) lists
   the live files to deliver: those the triggering Asset events name,
   or, in a run by hand, every delivering channel's live files in the chosen markets.
   Which channel goes how is `[channels.<name>] delivery` (and `public_url`) in
   `config/markets.toml`.
2. **deliver** (one per file, labelled `DE google.xml`; `deliver_amazon`, `deliver_ebay` and
   `deliver_google` for the files sent through Amazon's, eBay's and Google's APIs, in the
   pools `amazon_sp_api`, `ebay_api` and `google_merchant_api` that keep all workers
   together within the APIs' limits, `config/pools.json`):
   - Google Merchant Center: SFTP upload under the data source's file name (connection
     `gmc_sftp_<market>`, or `gmc_sftp` with `{"paths": {"DE": "/de"}}` in its extra),
     to a temporary name first, renamed where the server allows; or, with
     `delivery = { method = "merchant_api" }`, each item inserted as a product input
     under the market's data source through the Merchant API (connection `gmc_api`),
     the products the file dropped deleted;
   - Amazon: the Selling Partner API's Feeds flow for `JSON_LISTINGS_FEED` (connection
     `amazon_sp_api`); while Amazon processes the feed the task is *deferred* (the
     triggerer polls getFeed, no worker slot is held), then it resumes to read the
     processing report;
   - eBay: the Inventory API, one bulk call per line of `ebay.jsonl`, deletions one by
     one (connection `ebay_api`);
   - channels that fetch their file (`public_url`): checks the URL serves this file.
   A file already delivered (same sha256, see `<output>/deliveries/`) is not sent again;
   a delivery that stopped half way resumes (Amazon's feed is polled, not re-created).
   A channel whose connection is not defined is *not configured* here: its files'
   deliver tasks are skipped with that reason and the summary says "not configured",
   unless `[channels.<name>] delivery.required = true`, which fails them at once.
3. **summary** always runs: it writes the marketplaces' answers into the publishing
   run's `delivery.json`, `findings.*` (stage `marketplace`), `summary.txt` and
   `report.html`, marks refused skus so the next run sends them again, and fails the
   run when a file was not delivered.

Credentials come only from the Airflow connections; they never reach a log, a finding
or a report.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from airflow.sdk import (
    ObjectStoragePath,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException
from grenzenlos_airflow.amazon_delivery import DeliverAmazonFeed
from grenzenlos_airflow.run import (
    FEEDS,
    config_path,
    output_dir,
    pipeline_config,
    retry_delay,
)

from pipeline.trigger_form import deliver_feeds_form, form_choices

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipeline.deliver import Send
    from pipeline.delivery.records import DeliveryResult, PlannedFeed, TriggeringEvent
    from schemas.config.pipeline import PipelineConfig

LOG = logging.getLogger("grenzenlos")
CHOICES = form_choices(config_path())
"""The markets and delivering channels the trigger form offers."""


DELIVER_TASKS = {
    "deliver": "default_pool",
    "deliver_amazon": "amazon_sp_api",
    "deliver_ebay": "ebay_api",
    "deliver_google": "google_merchant_api",
}
"""The deliver tasks and their Airflow pools: one per marketplace API (sizes from the APIs'
published limits, `config/pools.json`), the default pool for uploads and URL checks."""
API_POOLS = {
    "sp_api": "amazon_sp_api",
    "ebay_inventory": "ebay_api",
    "merchant_api": "google_merchant_api",
}
"""The pool of each delivery method that calls a marketplace's API."""


def _pool(config: PipelineConfig, feed: PlannedFeed) -> str:
    """The pool of the deliver task that sends ``feed``."""
    delivery = config.channels[feed["channel"]].delivery
    return API_POOLS.get(delivery.method if delivery is not None else "", "default_pool")


def _send(config: PipelineConfig, feed: PlannedFeed) -> Send:
    """How this feed is sent: the sender its channel's registration gives for its
    delivery (`pipeline.delivery.senders.choose_sender`)."""
    from grenzenlos_airflow.connections import AirflowConnections

    from pipeline.channels import registration
    from pipeline.delivery.senders import Shipment, choose_sender

    shipment = Shipment(config.markets[feed["market"]], config.channels[feed["channel"]], feed)
    return choose_sender(registration(feed["channel"]), shipment, AirflowConnections())


@dag(
    dag_id="deliver_feeds",
    schedule=FEEDS,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["grenzenlos", "delivery"],
    description="Sends the published feeds to Google (SFTP), Amazon (SP-API) and eBay "
    "(Inventory API), checks the URLs others fetch, and brings their answers back.",
    doc_md=__doc__,
    default_args={
        "retries": 3,
        "retry_delay": retry_delay(120),
        "retry_exponential_backoff": 2.0,
    },
    params={
        name: Param(**field)
        for name, field in deliver_feeds_form(
            list(CHOICES.markets), CHOICES.delivering_channels
        ).items()
    },
)
def deliver_feeds() -> None:
    @task(retries=0)
    def plan(pool: str) -> list[PlannedFeed]:
        """The files to deliver whose delivery goes through ``pool``."""
        from pipeline.deliver import plan_deliveries

        context = get_current_context()
        events: list[TriggeringEvent] = [
            {"uri": event.asset.uri, "extra": dict(event.extra or {})}
            for asset_events in (context.get("triggering_asset_events") or {}).values()
            for event in asset_events
        ]
        config = pipeline_config()
        params = context["params"]
        feeds = [
            feed
            for feed in plan_deliveries(
                config,
                output_dir(config),
                events=events,
                markets=params.get("markets") or None,
                channels=params.get("channels") or None,
            )
            if _pool(config, feed) == pool
        ]
        LOG.info("%d files to deliver: %s", len(feeds), ", ".join(f["label"] for f in feeds))
        return feeds

    @task(map_index_template="{{ label }}")
    def deliver(feed: PlannedFeed) -> DeliveryResult:
        from grenzenlos_airflow.deliveries import deliver_planned

        config = pipeline_config()
        return deliver_planned(get_current_context(), config, feed, lambda: _send(config, feed))

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def summary(
        plans: list[list[PlannedFeed] | None], delivered: list[Sequence[DeliveryResult] | None]
    ) -> str:
        from pipeline.deliver import report_deliveries
        from pipeline.records import finished

        if any(planned is None for planned in plans):
            raise AirflowFailException("a plan task failed: nothing was delivered")
        feeds = sorted(
            (feed for planned in plans for feed in planned or ()),
            key=lambda f: (f["market"], f["channel"], f["file"]),
        )
        config = pipeline_config()
        # report_deliveries matches the results to the files, spread over one deliver
        # task per pool.
        results = [result for mapped in delivered for result in finished(mapped)]
        text, failed = report_deliveries(feeds, results, output_dir(config), ObjectStoragePath)
        for line in text.splitlines():
            LOG.info("%s", line)
        if failed:
            raise AirflowFailException(f"not delivered: {', '.join(failed)}")
        return text

    plans, delivered = [], []
    for name, pool in DELIVER_TASKS.items():
        planned = plan.override(task_id=name.replace("deliver", "plan"))(pool)
        plans.append(planned)
        if name == "deliver_amazon":  # the processing wait deferred to the triggerer
            delivered.append(
                DeliverAmazonFeed.partial(task_id=name, pool=pool, map_index_template="{{ label }}")
                .expand(feed=planned)
                .output
            )
        else:
            delivered.append(deliver.override(task_id=name, pool=pool).expand(feed=planned))
    summary(plans, delivered)


deliver_feeds()
