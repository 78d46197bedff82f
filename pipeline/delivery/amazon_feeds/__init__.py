"""Amazon's Selling Partner API Feeds flow for a ``JSON_LISTINGS_FEED``, and its report.

`deliver_listings_feed` sends one feed file the way the Feeds API 2021-06-30 describes it
(createFeedDocument, the upload to the presigned URL, createFeed, getFeed until the feed
is processed, getFeedDocument and the download of the processing report) and reads the
report back into a `DeliveryOutcome`, one `MarketplaceIssue` per error or warning, named
by sku through the ``messageId`` of the message it concerns.

Every call stays within the operation's default usage plan (`client.RATE_LIMITS`, from the
model's descriptions) through one token bucket per operation and endpoint in this
process; an HTTP 429 waits as long as the ``x-amzn-RateLimit-Limit`` header says one
request takes at that rate. Login with Amazon's access token lasts an hour and a feed can
take longer to process, so it is renewed before it runs out and once more when Amazon
refuses it. Nothing here logs or raises a token or a secret.

The grant, the retries, the waits and the scrubbing are the shared HTTP client's
(`transforms.api_client`); this package keeps Amazon's calls, URLs and error answers:
`client` (endpoints, usage plans, the Feeds API client), `report` (the processing report
read into a `DeliveryOutcome`) and `flow` (`deliver_listings_feed`: submit, poll, read
back). The steps are also there one by one (`submit_listings_feed`, `get_feed`,
`read_back`, `resumed_outcome`) for the ``deliver_feeds`` DAG, which hands the wait between
submit and read-back to Airflow's triggerer
(`grenzenlos_providers.triggers.amazon_feeds.AmazonFeedTrigger`).
"""
