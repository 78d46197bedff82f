"""The catalog gate: Great Expectations runs the catalog rules on the staged snapshot.

The snapshot is turned into four tables, one row per value a rule judges:

``products``   sku, gtin, gtin_check_digit, gtin_computed_check_digit, identifier
               (GTIN or MPN), brand, positive_prices, title and description_length
               (in the source locale, description measured as plain text)
``prices``     sku, currency, amount: one row per catalog price
``images``     sku, image_link: one row per image
``quantities`` sku, field, value, unit: one row per weight or dimension

The catalog is read in batches (`BATCH_SIZE` products): each batch's tables are
GX pandas assets validated by their own suites built from `schemas.catalog_rules`;
results come back with ``result_format`` COMPLETE and the sku as index column, and
every unexpected row becomes a `Finding`. Rules that judge the whole catalog (the
sku's uniqueness) are judged by SQLite over a temporary file that holds their
column, so memory does not grow with the catalog; findings wait in the same file
until the last batch, to be reported in rule order. Products with an ``error``
finding are quarantined from every market. GX writes its Data Docs (one validation
result per table, merged over the batches) into the folder the caller names.

The package's modules: `tables` flattens products into the four tables; `suites` builds a
GX context, the tables' expectation suites and the Data Docs; `run` validates the catalog
batch by batch (`validate_catalog`, and for shards `validate_catalog_part` with
`combine_catalog_parts`); `results` turns GX's results into findings and merges the
batches' results into one per table.
"""
