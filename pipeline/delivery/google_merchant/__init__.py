"""Google Merchant Center through the Merchant API (Products v1), with Google's own
client library (``google-shopping-merchant-products``): the processed products' statuses
read back after a delivery, as the marketplace's answer, and uploads by API.

- `access`: the Airflow connection's credentials (a service account key, or an OAuth
  client with a refresh token) and the Products service client built from them;
- `inputs`: the items of a Google feed file as the Merchant API's product inputs;
- `upload`: the upload by API (``delivery = { method = "merchant_api" }``): inserts under
  the market's data source, deletes of the products the file dropped, progress recorded;
- `flow`: the senders (SFTP or API, then the statuses);
- `statuses`: every product of a market's feed label and language, its approval per
  country and Google's item-level issues, as a `pipeline.delivery.outcome.DeliveryOutcome`
  (the issues become findings of stage ``marketplace`` with Google's issue code as the
  rule; a disapproved item is refused, so the next run sends it again).

Why not `transforms.api_client`: Google's client library brings its own authentication
(google-auth renews an expired access token and retries the call once, on a 401) and its
own retry (`google.api_core.retry.Retry`); the library is what Google supports for the
Merchant API, so the pieces of ``api_client`` it duplicates are not used here. Secret
scrubbing is still ``api_client``'s `transforms.api_client.scrub`.
"""
