"""One planned file delivered as every deliver task of ``deliver_feeds`` delivers it
(the mapped ``deliver`` tasks and Amazon's deferring `DeliverAmazonFeed` alike): a
channel whose connection is not defined is skipped as "not configured" unless its
delivery is required, refused credentials fail at once (another try would be refused the
same way), and the result is logged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from pipeline.deliver import Send
    from pipeline.delivery.records import DeliveryResult, PlannedFeed
    from schemas.config.pipeline import PipelineConfig

LOG = logging.getLogger("grenzenlos")


def deliver_planned(
    context: Context,
    config: PipelineConfig,
    feed: PlannedFeed,
    sender: Callable[[], Send],
) -> DeliveryResult:
    """Deliver ``feed`` (`pipeline.deliver.deliver_feed`) with the sender ``sender``
    builds, only when the file is sent: a file delivered before needs no connection, so a
    missing one does not fail its re-delivery."""
    from grenzenlos_airflow.run import output_dir
    from pipeline.deliver import deliver_feed, describe_delivery, not_configured
    from pipeline.delivery.outcome import ConnectionNotDefined, CredentialsError

    context["label"] = feed["label"]  # type: ignore[typeddict-unknown-key]
    try:
        result = deliver_feed(
            feed,
            output_dir(config),
            lambda path, progress, checkpoint: sender()(path, progress, checkpoint),
            ObjectStoragePath,
            dry_run=bool(context["params"].get("dry_run")),
        )
    except ConnectionNotDefined as error:
        delivery = config.channels[feed["channel"]].delivery
        if delivery is not None and delivery.required:
            raise AirflowFailException(
                f"{error} ([channels.{feed['channel']}] delivery.required = true)"
            ) from error
        # Skipped, with its result for the summary: a channel nobody set up is no failure.
        context["ti"].xcom_push("return_value", not_configured(feed, str(error)))
        raise AirflowSkipException(f"not configured: {error}") from None
    except CredentialsError as error:  # another try would be refused the same way
        raise AirflowFailException(str(error)) from error
    LOG.info("%s", describe_delivery(result))
    if result["detail"]:
        LOG.info("%s", result["detail"])
    return result
