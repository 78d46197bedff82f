"""
### deliver_feeds

Sends the feeds `localize_catalog` published to the marketplaces, and brings their
answers back into that run's findings and report. It runs whenever `publish` emits
feed Asset events (the `grenzenlos_feeds` alias), and can be triggered by hand for
some markets and channels.

1. **plan** lists the live files to deliver: those the triggering Asset events name,
   or, in a run by hand, every delivering channel's live files in the chosen markets.
   Which channel goes how is `[channels.<name>] delivery` (and `public_url`) in
   `config/markets.toml`.
2. **deliver** (one per file, labelled `DE google.xml`):
   - Google Merchant Center: SFTP upload under the data source's file name (connection
     `gmc_sftp_<market>`, or `gmc_sftp` with `{"paths": {"DE": "/de"}}` in its extra),
     to a temporary name first, renamed where the server allows;
   - Amazon: the Selling Partner API's Feeds flow for `JSON_LISTINGS_FEED`, waiting for
     the processing report (connection `amazon_sp_api`);
   - eBay: the Inventory API, one bulk call per line of `ebay.jsonl`, deletions one by
     one (connection `ebay_api`);
   - channels that fetch their file (`public_url`): checks the URL serves this file.
   A file already delivered (same sha256, see `<output>/deliveries/`) is not sent again;
   a delivery that stopped half way resumes (Amazon's feed is polled, not re-created).
3. **summary** always runs: it writes the marketplaces' answers into the publishing
   run's `delivery.json`, `findings.*` (stage `marketplace`), `summary.txt` and
   `report.html`, marks refused skus so the next run sends them again, and fails the
   run when a file was not delivered.

Credentials come only from the Airflow connections; they never reach a log, a finding
or a report.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import (
    AssetAlias,
    ObjectStoragePath,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipeline.delivery.outcome import DeliveryOutcome, OAuthCredentials
    from schemas.config.channel import Channel
    from schemas.config.pipeline import PipelineConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "markets.toml"
FEEDS = AssetAlias("grenzenlos_feeds")
"""What `localize_catalog`'s publish emits one event through per published file."""
LOG = logging.getLogger("grenzenlos")
REPORT_SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "schemas"
    / "feeds"
    / "amazon_processing_report.schema.json"
)


def _configured() -> tuple[list[str], list[str]]:
    """Market codes and delivering channels, read with tomllib at parse time (the typed
    configuration is loaded only inside tasks)."""
    import tomllib

    path = Path(os.environ.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG)
    try:
        with path.open("rb") as stream:
            config = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError):
        return [], []
    channels = [
        name
        for name, channel in config.get("channels", {}).items()
        if isinstance(channel, dict) and (channel.get("delivery") or channel.get("public_url"))
    ]
    return sorted(config.get("markets", {})), sorted(channels)


MARKETS, CHANNELS = _configured()


def _config() -> PipelineConfig:
    from schemas.config.loader import load_config

    return load_config(os.environ.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG)


def _connection(conn_id: str) -> Any:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from pipeline.delivery.outcome import CredentialsError

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        raise CredentialsError(
            f"the Airflow connection {conn_id!r} is not defined (Admin -> Connections, or "
            f"AIRFLOW_CONN_{conn_id.upper()}); see the README's 'Delivering the feeds'"
        ) from None


def _oauth(conn_id: str) -> OAuthCredentials:
    """An app's client id and secret and the seller's refresh token, from a connection:
    login = client id, password = client secret, extra ``refresh_token`` (and, to point
    at another server, ``endpoint`` and ``token_url``). The secrets are masked in logs."""
    from airflow.sdk.log import mask_secret

    from pipeline.delivery.outcome import CredentialsError, OAuthCredentials

    conn = _connection(conn_id)
    extra = conn.extra_dejson
    refresh_token = extra.get("refresh_token") or ""
    missing = [
        what
        for what, value in (
            ("a login (the app's client id)", conn.login),
            ("a password (the app's client secret)", conn.password),
            ("refresh_token in its extra", refresh_token),
        )
        if not value
    ]
    if missing:
        raise CredentialsError(f"the Airflow connection {conn_id!r} lacks {', '.join(missing)}")
    for secret in (conn.password, refresh_token):
        mask_secret(secret)
    return OAuthCredentials(
        conn_id=conn_id,
        client_id=conn.login,
        client_secret=conn.password,
        refresh_token=refresh_token,
        token_url=extra.get("token_url"),
        endpoint=extra.get("endpoint"),
    )


def _sender(config: PipelineConfig, feed: dict[str, Any], channel: Channel) -> Callable[..., Any]:
    """How this feed is sent: a function of (path, progress, checkpoint) for
    `pipeline.deliver.deliver_feed`."""
    market = config.markets[feed["market"]]
    delivery = channel.delivery
    if delivery is None:
        from pipeline.delivery.pull_check import check_served_file

        url = str(channel.public_url).format(market=feed["market"], file=feed["file"])
        auth = None
        if channel.public_url_connection:
            conn = _connection(channel.public_url_connection)
            auth = (conn.login or "", conn.password or "")

        def check(path: Any, progress: Any, checkpoint: Any) -> DeliveryOutcome:
            outcome = check_served_file(url, feed["sha256"], auth=auth)
            outcome.sent = feed["items"]
            return outcome

        return check
    if delivery.method == "sftp":
        from airflow.providers.sftp.hooks.sftp import SFTPHook

        from pipeline.delivery.outcome import CredentialsError
        from pipeline.delivery.sftp_upload import upload_feed

        conn_id = delivery.connection_id(feed["market"])
        try:
            conn = _connection(conn_id)
        except CredentialsError:
            if delivery.connection is not None:
                raise
            conn_id = "gmc_sftp"  # one account, a folder per market
            conn = _connection(conn_id)
        extra = conn.extra_dejson
        folder = (extra.get("paths") or {}).get(feed["market"]) or extra.get("path") or "."
        name = delivery.upload_name.format(market=feed["market"], file=feed["file"])

        def upload(path: Any, progress: Any, checkpoint: Any) -> DeliveryOutcome:
            from paramiko import AuthenticationException

            try:
                with SFTPHook(ssh_conn_id=conn_id).get_managed_conn() as client:
                    outcome = upload_feed(client, path, folder, name, sha256=feed["sha256"])
            except AuthenticationException as error:  # a retry is refused the same way
                raise CredentialsError(
                    f"the SFTP server refused the login of the Airflow connection {conn_id!r}: "
                    f"{error}"
                ) from None
            outcome.sent = feed["items"]
            return outcome

        return upload
    if delivery.method == "sp_api":
        import json

        from feeds.amazon import MARKETPLACE_IDS
        from pipeline.delivery.amazon_feeds import deliver_listings_feed

        credentials = _oauth(delivery.connection_id(feed["market"]))
        with REPORT_SCHEMA.open("r", encoding="utf-8") as stream:
            report_schema = json.load(stream)

        def submit(path: Any, progress: Any, checkpoint: Any) -> DeliveryOutcome:
            with path.open("rb") as stream:
                data = stream.read()
            return deliver_listings_feed(
                data,
                marketplace_id=MARKETPLACE_IDS[market.country],
                credentials=credentials,
                environment=delivery.environment,
                resume=progress,
                checkpoint=checkpoint,
                poll_seconds=delivery.poll_seconds,
                max_wait_seconds=delivery.max_wait_minutes * 60,
                report_schema=report_schema,
            )

        return submit
    from pipeline.delivery.ebay_inventory import deliver_inventory_file

    credentials = _oauth(delivery.connection_id(feed["market"]))

    def call(path: Any, progress: Any, checkpoint: Any) -> DeliveryOutcome:
        done = {int(k): v for k, v in ((progress or {}).get("calls") or {}).items()}

        def finished(index: int, result: dict[str, Any]) -> None:
            done[index] = result
            checkpoint({"calls": {str(k): v for k, v in done.items()}})

        with path.open("r", encoding="utf-8") as stream:
            lines = stream.read().splitlines()
        return deliver_inventory_file(
            lines,
            credentials=credentials,
            environment=delivery.environment,
            done=done,
            checkpoint=finished,
        )

    return call


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
        "retry_delay": timedelta(
            seconds=float(os.environ.get("GRENZENLOS_RETRY_DELAY_SECONDS", 120))
        ),
        "retry_exponential_backoff": 2.0,
    },
    params={
        "markets": Param(
            None,
            type=["null", "array"],
            items={"type": "string", "enum": MARKETS},
            uniqueItems=True,
            examples=MARKETS,
            title="Markets",
            description="A run by hand delivers these markets' live feeds (empty: every "
            "market). A run started by published feeds delivers what was published.",
        ),
        "channels": Param(
            None,
            type=["null", "array"],
            items={"type": "string", "enum": CHANNELS},
            uniqueItems=True,
            examples=CHANNELS,
            title="Channels",
            description="Only these channels (empty: every channel that delivers).",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="List what would be sent, check the files, send nothing.",
        ),
    },
)
def deliver_feeds() -> None:
    @task(retries=0)
    def plan() -> list[dict[str, Any]]:
        from pipeline.deliver import plan_deliveries

        context = get_current_context()
        events = [
            {"uri": event.asset.uri, "extra": dict(event.extra or {})}
            for asset_events in (context.get("triggering_asset_events") or {}).values()
            for event in asset_events
        ]
        config = _config()
        params = context["params"]
        feeds = plan_deliveries(
            config,
            ObjectStoragePath(config.storage.output_url),
            events=events,
            markets=params.get("markets") or None,
            channels=params.get("channels") or None,
        )
        LOG.info("%d files to deliver: %s", len(feeds), ", ".join(f["label"] for f in feeds))
        return feeds

    @task(map_index_template="{{ label }}")
    def deliver(feed: dict[str, Any]) -> dict[str, Any]:
        from pipeline.deliver import deliver_feed, describe_delivery
        from pipeline.delivery.outcome import CredentialsError

        context = get_current_context()
        context["label"] = feed["label"]  # type: ignore[typeddict-unknown-key]
        config = _config()
        channel = config.channels[feed["channel"]]
        try:
            result = deliver_feed(
                feed,
                ObjectStoragePath(config.storage.output_url),
                # Built only when the file is sent: a file delivered before needs no
                # connection, so a missing one does not fail its re-delivery.
                lambda path, progress, checkpoint: _sender(config, feed, channel)(
                    path, progress, checkpoint
                ),
                ObjectStoragePath,
                dry_run=bool(context["params"].get("dry_run")),
            )
        except CredentialsError as error:  # another try would be refused the same way
            raise AirflowFailException(str(error)) from error
        LOG.info("%s", describe_delivery(result))
        if result.get("detail"):
            LOG.info("%s", result["detail"])
        return result

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def summary(feeds: list[dict[str, Any]] | None, results: Sequence[dict[str, Any]]) -> str:
        from pipeline.deliver import report_deliveries

        if feeds is None:
            raise AirflowFailException("the plan task failed: nothing was delivered")
        config = _config()
        finished: list[dict[str, Any] | None] = []
        for index in range(len(feeds)):
            try:
                finished.append(results[index])
            except (KeyError, IndexError, LookupError, TypeError):
                finished.append(None)
        text, failed = report_deliveries(
            feeds, finished, ObjectStoragePath(config.storage.output_url), ObjectStoragePath
        )
        for line in text.splitlines():
            LOG.info("%s", line)
        if failed:
            raise AirflowFailException(f"not delivered: {', '.join(failed)}")
        return text

    feeds = plan()
    summary(feeds, deliver.expand(feed=feeds))


deliver_feeds()
