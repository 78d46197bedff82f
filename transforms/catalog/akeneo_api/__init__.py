"""Reader for Akeneo PIM's REST API (https://api.akeneo.com/api-reference-index.html).

What it calls, through `client.AkeneoApiClient` (login, refresh, retries):

1. ``GET /api/rest/v1/channels/{code}``: the channel (``[catalog] api_channel``, else the
   first of ``description_scopes``) and its locales;
2. ``GET /api/rest/v1/products-uuid?pagination_type=search_after&limit=100&scope=<channel>
   &locales=<its locales>&with_attribute_options=true``, following ``_links.next.href``
   page by page. The uuid endpoint (Akeneo 7.0 and Serenity) is the one Akeneo
   recommends, and the only one that lists products without an identifier
   (https://api.akeneo.com/getting-started/from-identifiers-to-uuid-7x/welcome.html): the
   identifier endpoint leaves them out silently, where this reader reports each one as a
   row without a sku. The sku is then the value of the main identifier attribute
   (``GET /api/rest/v1/attributes`` of type ``pim_catalog_identifier``). A PIM that
   answers 404 there (before 7.0) is read through ``GET /api/rest/v1/products`` instead,
   whose items carry the sku as ``identifier``;
3. ``GET /api/rest/v1/product-models?pagination_type=search_after``, once, before the
   first variant is mapped: code, parent, family and family variant of every product
   model, to find a variant's root model (its group);
4. ``GET /api/rest/v1/families/{family}/variants/{code}``, once per family variant: its
   ``variant_attribute_sets[].axes``, the attributes the variants differ in.

Values map onto `Product` as `transforms.catalog.akeneo` maps the CSV export's columns,
from the standard format (https://api.akeneo.com/concepts/products.html#the-data-format):
``name``, ``description``, ``short_description`` by locale; ``ean``/``gtin``, ``brand``,
``mpn``; the ``price`` collection ``[{"amount", "currency"}]``; a sale as the
``sale_price`` collection with the dates ``sale_price_start`` and ``sale_price_end`` (as
the CSV export's ``sale_price-<CUR>``, `transforms.catalog.values.take_sale_prices`); the
metrics ``weight``,
``length``, ``width``, ``height``, ``volume``, ``net_content`` (``{"amount", "unit"}``);
the sizes ``size`` and ``eu_shoes_size`` (their option labels, ``41`` for ``410``); the
images ``image``, ``picture``, ``variation_image`` (media file codes: relative to
``asset_base_url`` when it is set, else the API's own ``_links.download.href``); the
``categories``, ``enabled``, ``tax_class``, ``availability`` and ``condition``. Any other
value goes into ``attributes`` under the CSV export's column name (``release_date-print``,
``meta_title-de_DE``, ``max_print_size``: an option code; a metric as ``800 GRAM``).
EU product law's attributes are Akeneo attributes of the codes `schemas.product` names, as
in the CSV export (``manufacturer_id``, ``responsible_person_id``, ``importer_id``,
``safety_pictograms``, the document URLs, ``energy_class``,
``eprel_registration_number``); the localizable ``safety_warning`` is kept as
``safety_warning-<locale>`` (through ``[catalog] locales``) of the channel read.

A variant product already carries its product models' values and categories ("It
contains the common attribute values of its product model plus values for variations",
https://api.akeneo.com/tutorials/how-to-collect-product-variations.html), so nothing is
inherited here. Its group is the code of the root product model, and it varies by the
axes of every level of its family variant, upper level first (``color`` then ``size``
for ``clothing_color_size``), as Akeneo's tutorial puts "all the variations on one
level"; ``size`` and ``eu_shoes_size`` are the product's size and named ``size``, as the
CSV reader does.

Memory stays flat: one page of products (at most 100) at a time; the product models'
four codes and the family variants' axes are kept for the whole read, bounded by the
number of models.

Modules: `connection` says where the PIM is and how to log in (from an Airflow
connection too); `client` talks to the API (token, pages, retries); `reader` maps its
products, product models and family variants onto products.
"""
