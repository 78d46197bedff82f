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
from contextlib import contextmanager
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
    from collections.abc import Iterator, Sequence

    from pipeline.deliver import Send
    from pipeline.delivery.outcome import OAuthCredentials
    from pipeline.delivery.senders import ConnectionFields
    from schemas.config.pipeline import PipelineConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "markets.toml"
FEEDS = AssetAlias("grenzenlos_feeds")
"""What `localize_catalog`'s publish emits one event through per published file."""
LOG = logging.getLogger("grenzenlos")


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


class _AirflowConnections:
    """The senders' `pipeline.delivery.senders.Connections`, read from Airflow."""

    def fields(self, conn_id: str) -> ConnectionFields:
        from pipeline.delivery.senders import ConnectionFields

        conn = _connection(conn_id)
        return ConnectionFields(conn.login or "", conn.password or "", conn.extra_dejson)

    def oauth(self, conn_id: str) -> OAuthCredentials:
        return _oauth(conn_id)

    @contextmanager
    def sftp(self, conn_id: str) -> Iterator[Any]:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
        from paramiko import AuthenticationException

        from pipeline.delivery.outcome import CredentialsError

        try:
            with SFTPHook(ssh_conn_id=conn_id).get_managed_conn() as client:
                yield client
        except AuthenticationException as error:  # a retry is refused the same way
            raise CredentialsError(
                f"the SFTP server refused the login of the Airflow connection {conn_id!r}: {error}"
            ) from None


def _send(config: PipelineConfig, feed: dict[str, Any]) -> Send:
    """How this feed is sent: the sender its channel's registration gives for its
    delivery (`pipeline.delivery.senders.choose_sender`)."""
    from pipeline.channels import registration
    from pipeline.delivery.senders import Shipment, choose_sender

    shipment = Shipment(config.markets[feed["market"]], config.channels[feed["channel"]], feed)
    return choose_sender(registration(feed["channel"]), shipment, _AirflowConnections())


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
        try:
            result = deliver_feed(
                feed,
                ObjectStoragePath(config.storage.output_url),
                # Built only when the file is sent: a file delivered before needs no
                # connection, so a missing one does not fail its re-delivery.
                lambda path, progress, checkpoint: _send(config, feed)(path, progress, checkpoint),
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
