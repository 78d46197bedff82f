"""
### google_statuses

Reads Google Merchant Center's verdict on the Google feeds already delivered, again:
Google re-evaluates products for hours and days after an upload (it crawls the landing
page, compares the price, reviews policies), so an item approved at delivery can be
disapproved the next afternoon. Every six hours this DAG reads each delivered market's
item statuses through the Merchant API (`pipeline.google_statuses.reread_statuses`) and
brings them into the publishing run, as `deliver_feeds` does after an upload: findings
of stage `marketplace` with Google's issue code as the rule, `delivery.json`,
`summary.txt`, `report.html` ("At the marketplaces"), and `google.refused.json`, so the
next run re-sends a disapproved item when it changes.

It does nothing while `[channels.google] merchant_account` is not set. Credentials come
from the Airflow connection `[channels.google] api_connection` (default `gmc_api`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from airflow.sdk import ObjectStoragePath, dag, task
from grenzenlos_airflow.run import output_dir, pipeline_config, retry_delay

LOG = logging.getLogger("grenzenlos")


@dag(
    dag_id="google_statuses",
    schedule="0 */6 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["grenzenlos", "delivery"],
    description="Reads Google's item statuses of the delivered feeds again (Google "
    "re-evaluates products after an upload) into the publishing runs' findings.",
    doc_md=__doc__,
    default_args={"retries": 3, "retry_delay": retry_delay(300)},
)
def google_statuses() -> None:
    @task
    def reread() -> str:
        from grenzenlos_airflow.connections import AirflowConnections

        from pipeline.deliver import report_deliveries
        from pipeline.google_statuses import reread_statuses

        config = pipeline_config()
        output = output_dir(config)
        results, unread = reread_statuses(config, output, AirflowConnections(), ObjectStoragePath)
        if not results and not unread:
            LOG.info("no delivered Google feed to read (or no merchant_account configured)")
            return ""
        text, _ = report_deliveries(results, results, output, ObjectStoragePath)
        for line in text.splitlines():
            LOG.info("%s", line)
        for label in unread:
            LOG.warning("%s: Google's statuses could not be read; the earlier answer stands", label)
        return text

    reread()


google_statuses()
