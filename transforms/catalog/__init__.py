"""Reading the master catalog: one reader per source format, and what they share.

- `files`: opening catalog files as merchants produce them (encodings, byte-order marks,
  headers that do not fit, rows that do not decode, a fast pass over a few cells);
  `values`: parsing single values (numbers, units, currencies, tax classes) into findings
  that name product, field and rule; `markup`: a short description's HTML as selling
  points (Magento, WooCommerce);
- the readers, each mapping its format onto `schemas.product.Product` once: `akeneo`
  (Akeneo's CSV export), `akeneo_api` (Akeneo's REST API: its connection, client and
  reader), `shopify`, `woocommerce`, `magento`, `shopware` (the shop systems' own exports),
  `bmecat` (BMEcat XML: its frame, document, product elements, prices and variants) and
  `native` (the project's CSV, JSON Lines and PostgreSQL forms); a reader of several ideas
  is a sub-package, one module an idea, whose ``reader`` (``document`` for BMEcat) holds
  its ``read_<format>``;
- `settings`: the catalog's own settings applied after every reader (column mapping,
  defaults, one axis vocabulary, images, units).
"""
