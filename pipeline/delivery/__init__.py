"""Delivering published feeds to the marketplaces, and reading back what they said.

One module (or package) per protocol, each a plain function that takes the feed's bytes (or a
connected client) and credentials, and returns a `DeliveryOutcome`:

- `pipeline.delivery.sftp_upload`: Google Merchant Center's SFTP drop (a paramiko-like
  SFTP client, from the Airflow SFTP provider's hook);
- `pipeline.delivery.amazon_feeds`: Amazon's Selling Partner API Feeds flow
  (``JSON_LISTINGS_FEED``) and its processing report;
- `pipeline.delivery.ebay_inventory`: eBay's Inventory API, bulk calls of 25 items;
- `pipeline.delivery.pull_check`: channels that fetch the file from a URL (idealo,
  Kaufland, Google's scheduled fetch): does the URL serve the current file?

`pipeline.delivery.senders` builds the sender of one file from its channel's delivery
method. None of them knows Airflow: the ``deliver_feeds`` DAG reads the connections and
hands them over (`pipeline.delivery.senders.Connections`). `pipeline.delivery.records`
keeps what was delivered.
"""
