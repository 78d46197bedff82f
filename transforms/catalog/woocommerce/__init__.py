"""Reader for WooCommerce's own product CSV export (WooCommerce > Products > Export).

The export is comma-separated UTF-8 with one header row written in English by the
exporter (``class-wc-product-csv-exporter.php``); its columns are described in the
"Product CSV Import Schema"
(https://github.com/woocommerce/woocommerce/wiki/Product-CSV-Import-Schema) and the
exporter's code, which this reader follows:

- ``Name`` is the title, ``Description`` (HTML) the description and ``Short description``
  the selling points (its list items, paragraphs or lines), all in ``[catalog] locale``:
  the export holds one language.
- ``Type`` is one or more comma-separated types: ``simple``, ``variable``,
  ``variation``, ``grouped``, ``external``, with the flags ``virtual`` and
  ``downloadable`` (``simple, downloadable, virtual``).
- A **variable** product is a parent, not a product: its variations come as rows of
  type ``variation`` whose ``Parent`` names it by SKU or as ``id:<ID>``. Each variation
  is a product of the parent's group (``group`` = the parent's SKU, or ``id:<ID>``
  when it has none) and inherits what it leaves empty: name, descriptions, categories,
  images, weight and dimensions, the parent's other attributes (its ``Attribute N`` pairs
  the variation does not vary by among them), its tax status and
  (``parent``) tax class and stock. A variation's axes are its ``Attribute N name``
  columns, as the shop spells them (``Color``); an empty ``Attribute N value(s)``
  means "any Color": that axis is left out of that variation's attributes and
  ``varies_by``, so no axis is listed that the variation has no value for.
- A **grouped** product only gathers products that have rows of their own: it is not
  read, and says nothing (nothing sellable is lost).
- An **external** (affiliate) product is sold on another site: it is read with its
  ``External URL`` and ``Button text`` as attributes (``external_url``,
  ``button_text``) but disabled, with an ``external_product`` warning, so that no
  marketplace lists an offer the shop cannot fulfil.
- ``Published`` is 1 (published), 0 (private) or -1 (draft); only 1 (or empty) is
  enabled. A variation of an unpublished parent is disabled too.
- ``Regular price`` is the price, ``Sale price`` with ``Date sale price starts`` /
  ``ends`` (``2024-01-01 00:00:00``, hours without a leading zero in some versions)
  the sale price; a sale price without a regular price is the price. Prices are in
  ``[catalog] currency`` (the export names none) and written with the shop's decimal
  separator (``[catalog] decimal_mark``).
- ``In stock?`` is 1, 0 or ``backorder``; ``Stock`` the quantity (``parent`` for a
  variation whose parent manages its stock), kept as ``attributes["stock"]``.
- ``Tax class`` is the shop's tax class slug: empty is standard, ``reduced-rate`` and
  ``zero-rate`` (WooCommerce's own two) are read as ``reduced`` and ``zero`` unless
  ``[catalog] tax_classes`` maps them; ``Tax status`` ``none`` or ``shipping`` (only
  shipping is taxed) makes the product's VAT class ``zero``; the status is kept as
  ``attributes["tax_status"]``.
- ``Weight (lbs)``, ``Length (cm)`` ...: the unit is in the header (the shop's
  setting); a header without one uses ``[catalog] weight_unit`` / ``dimension_unit``.
- ``Categories``, ``Tags`` and ``Images`` are lists joined with ``", "`` in which a
  comma of a value is written ``\\,``; a category is a path ``Clothing > Tshirts``; the
  first image is the main one.
- The exporter puts ``'`` before a value that starts with ``=``, ``+``, ``-`` or ``@``
  (so that spreadsheets do not run it as a formula); the reader takes it off again.
- ``Brands`` (WooCommerce 9.6+, its core brands: paths like categories) is the brand: the
  first brand's last step; a variation without its own takes its parent's. EU product
  law's attributes are the shop's custom fields (``Meta: manufacturer_id``,
  ``Meta: _eprel_number``) or product attributes (``Attribute N name`` ``Energy class``),
  named as `transforms.catalog.product_law` recognises them.
- ``GTIN, UPC, EAN, or ISBN`` (WooCommerce 9.2+) is the GTIN. Every other column with a
  value (``Tags``, ``Shipping class``, ``Meta: ...``) goes into ``attributes`` under its
  own name, so ``[catalog.columns]`` can map it (``brand = "Meta: _brand"``). Links to
  other products (``Grouped products``, ``Upsells``, ``Cross-sells``), ``Position`` and
  the ``Download ...`` columns (the files a buyer gets) are not read.

The reader streams one row at a time. Variations need their parent, which WooCommerce
exports before them (rows in ID order, a parent's ID is lower) but not always next to
them (a variation added later has a later ID): the reader keeps what variations inherit
of the last `PARENTS_KEPT` variable products it read or used (least recently used first
out), so memory is bounded by that many parents' texts and attributes whatever the file's
size (measured: about 3.5 KiB a parent with 300 characters of text, 70 MiB at the
bound; `benchmarks/catalog_woocommerce.py` peaks near 110 MiB at 100,000 products and at
1,000,000). A
variation whose parent is not among them is read as a product of its own with a
``variation_parent_missing`` warning. The column names must be English (WooCommerce
writes them in the exporting user's language): another language is refused at once.

Modules: `columns` works out once what each column of the header is taken for; `cells`
reads single values (lists, sale dates, stock, availability);
`reader` maps rows onto products and gives variations what they inherit.
"""
