"""eBay's Inventory API: one ``ebay.jsonl`` file, one bulk call per line.

The file is what `feeds.ebay` writes (JSON Lines): a line ``{"marketplaceId",
"contentLanguage", "body": {"requests": [...]}}`` is one
``bulkCreateOrReplaceInventoryItem`` call of at most 25 items, sent with the line's
``Content-Language``; a line ``{"marketplaceId", "contentLanguage",
"inventoryItemGroupKey", "inventoryItemGroup": {...}}`` is one
``createOrReplaceInventoryItemGroup`` call (``PUT .../inventory_item_group/{key}``), after
the lines of the group's items; a line ``{"marketplaceId", "deleteInventoryItems": [...]}``
is one ``deleteInventoryItem`` call per sku.

A group eBay refuses is an issue named by its group key, and its ``variantSKUs`` count
as refused: the next delta run sends them again, and with them the group (the writer
sends a group when any of its variants is sent). The items themselves were taken, but
without their group they are no multi-variation listing.

eBay answers a bulk call per item (``200`` when every item was taken, ``207`` when some
were not), so one refused item does not stop the others. The calls are independent:
a 5xx, a 429 or a dropped connection retries only that call (1, 2, 4 s apart), and a
``checkpoint`` after every line lets a crashed delivery resume after the last finished
line (``done``) instead of sending everything again.

Authentication is OAuth 2: the connection's refresh token is exchanged for an access
token (``sell.inventory`` scope) at the first call, and once more if eBay answers 401 or
the token is about to run out. Nothing here logs or raises a token, the client secret or
the refresh token. The grant, the retries and the scrubbing are the shared HTTP client's
(`transforms.api_client`); this package keeps eBay's calls and answers: `client` (the
grant and the checks of the connection), `lines` (the file's lines read), `calls` (each
line's calls and eBay's answer per sku), `offers` (a line of offers), `outcome` (the
delivery's verdict) and `flow` (`deliver_inventory_file`).

A line of offers (after the items and groups) is found, created or updated, and published
by `offers`, the offer ids checkpointed so that a retry creates none twice.

The contract: eBay's OpenAPI file for the Sell Inventory API, v1.18.2
(``tests/contracts/ebay``); the test server ``tests/ebay_api_server.py`` checks
every request against it.
"""
