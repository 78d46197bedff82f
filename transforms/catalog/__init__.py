"""Reading the master catalog: one reader per source format, and what they share.

- `files`: opening catalog files as merchants produce them (encodings, byte-order marks,
  headers that do not fit, rows that do not decode); `values`: parsing single values
  (numbers, units, currencies, tax classes) into findings that name product, field and rule;
- the readers, each mapping its format onto `schemas.product.Product` once: `akeneo`
  (Akeneo's CSV export), `akeneo_api` (Akeneo's REST API, through `akeneo_client`),
  `shopify`, `woocommerce`, `magento`, `shopware` (the shop systems' own exports), `bmecat`
  (BMEcat XML, with `bmecat_frame` for its header and group systems) and `native` (the
  project's CSV, JSON Lines and PostgreSQL forms);
- `settings`: the catalog's own settings applied after every reader (column mapping,
  defaults, one axis vocabulary, images, units).
"""
