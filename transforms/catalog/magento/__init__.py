"""Reader for Magento 2 / Adobe Commerce's product export (System > Export > Products, CSV).

The export is comma-separated with one header row, one column per attribute, as Adobe's
"Product data attributes reference" lists them
(https://experienceleague.adobe.com/docs/commerce-admin/systems/data-transfer/data-attributes-product.html).
What this reader relies on:

- ``sku``; ``product_type`` (``simple``, ``virtual``, ``downloadable``, ``bundle`` are
  products; a ``configurable`` only groups its variants; a ``grouped`` only lists products
  that are sold on their own);
- ``store_view_code``: empty on a product's default row; a row naming a store view holds
  that store view's own values, after the default row. Its ``name``, ``description`` and
  ``short_description`` are texts in the store view's language, through ``[catalog]
  locales`` (store view code -> locale; a code that is a locale, ``de_DE``, needs none);
  the default row's texts are in ``[catalog] locale``;
- ``name``, ``description`` (HTML), ``short_description`` (HTML; its list items,
  paragraphs or lines become the bullet points);
- ``price``, ``special_price`` with ``special_price_from_date`` and
  ``special_price_to_date`` (the sale price and its period), in ``[catalog] currency``: the
  export names no currency;
- ``weight``: a bare number in the store's weight unit (a setting the export does not
  carry: ``[catalog] weight_unit``; without it weights are dropped, with one warning);
- ``product_online`` (1 on, 2 off), ``tax_class_name`` (Magento's ``Taxable Goods`` is
  ``standard`` unless ``[catalog] tax_classes`` says otherwise), ``qty``, ``is_in_stock``,
  ``allow_backorders``;
- ``categories``: paths from the root category (``Default Category/Gear/Bags``) joined by
  ``,``; a piece without ``/`` continues the path before it (a category name with a comma);
- ``base_image``, ``small_image``, ``thumbnail_image``, ``swatch_image`` and
  ``additional_images`` (comma-separated): paths relative to the shop's media URL
  (``/m/h/mh01-black_main.jpg``), kept relative: ``asset_base_url`` makes them absolute;
  ``no_selection`` is Magento's word for no image;
- ``additional_attributes``: ``code=value`` pairs joined by ``,``, multi-select values
  joined by ``|``; a piece without ``=`` continues the value before it, and with the
  export's "fields enclosure" a value is ``code="value"`` with ``""`` for a quote, as
  Magento's importer reads them (``Magento\\CatalogImportExport\\Model\\Import\\Product::
  parseAttributesWithoutWrappedValues`` and ``parseAttributesWithWrappedValues``);
- ``manufacturer`` (Magento's own attribute in the default attribute set, in
  ``additional_attributes`` as its option label) is the brand, so ``[operators.brands]``
  finds the manufacturer; EU product law's attributes are attribute codes of the shop
  (``manufacturer_id``, ``responsible_person_id``, ``safety_warning``, ``energy_class``
  ..., `transforms.catalog.product_law`);
- ``configurable_variations`` on a configurable: ``sku=<variant>,<axis>=<value>,...`` per
  variant, joined by ``|``.

A configurable's variants become products with ``group`` = the configurable's sku and
``varies_by`` = the axes its ``configurable_variations`` names, as written (``color``,
``size``); the variant's axis values go into its attributes under those names, and it
takes every value it leaves empty (texts, also per store view, categories, images,
attributes, weight, tax class) from its configurable. Magento exports a configurable
after its variants.

Memory: the file is read twice. The first pass keeps, for each variant sku, the row of its
configurable, and for each configurable the row of its last variant after it: about 115
bytes a variant, nothing of any product's values (``benchmarks/catalog_magento.py``: 38 MiB
peak at 10,000 products, 108 MiB at 1,000,000 with 600,000 variants). The second pass
holds a variant whose configurable comes later until the configurable's row (in Magento's
order, one group's variants), and a configurable's shared values from its row until its
last variant; everything else streams, one product (its default row and its store-view
rows) at a time.

Modules: `cells` reads the values of single cells (attribute lists, variations, categories,
dates, images); `groups` is the first pass (each variant's
configurable); `reader` the second, which maps rows onto products and gives variants what
they inherit from their configurable.
"""
