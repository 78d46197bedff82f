"""Reader for Shopify's product CSV export (the file Shopify's admin exports and imports).

The format, as Shopify's help center describes it
(https://help.shopify.com/en/manual/products/import-export/using-csv, with its sample
file ``product_template.csv``):

- comma-separated, one header row, decimals with a dot whatever the store's language;
- one product spans several consecutive rows that share its handle (``Handle``; since
  2024 ``URL handle``). The first row carries the product's own fields (title,
  description, vendor, category, status, option names); each following row carries one
  more variant, or only one more image (``Image Src`` / ``Product image URL`` with its
  ``Image Position``); a row with only an image is not a product;
- a variant is a combination of up to three options: ``Option1 Name`` = ``Color`` on the
  first row, ``Option1 Value`` = ``Green`` on every variant's row. A product whose only
  option is ``Title`` = ``Default Title`` has no variants;
- two generations of column names: the classic one (``Body (HTML)``, ``Variant SKU``,
  ``Variant Grams``, ``Variant Price``, ``Variant Compare At Price``, ``Variant Barcode``,
  ``Variant Inventory Qty``, ``Variant Inventory Policy``, ``Variant Taxable``, ``Published``)
  and today's (``Description``, ``SKU``, ``Weight value (grams)``, ``Price``,
  ``Compare-at price``, ``Barcode``, ``Inventory quantity``, ``Continue selling when out of
  stock``, ``Charge tax``, ``Published on online store``); both are read, whatever their case
  and padding;
- Shopify Markets add ``Price / <market>`` and ``Compare At Price / <market>``
  (``Compare-at price / <market>``) per market, named as the merchant named the market
  (https://help.shopify.com/en/manual/products/import-export/using-csv#international-csv-columns).

How it maps onto `Product`: every sellable variant is a product whose ``group`` is the
handle and whose ``varies_by`` are the option names as written (``Color``, ``Size``), with
its option values under those names in ``attributes``; the product row's fields are
shared by its variants. ``Vendor`` is the brand (Shopify's Google channel sends it as
``brand``), ``Variant Barcode`` the GTIN (without the ``'`` Shopify's export puts before it
so that spreadsheets keep its leading zeros), ``Google Shopping / MPN`` the MPN and
``Google Shopping / Condition`` the condition. ``Variant Grams`` is the weight in grams
(``Variant Weight Unit`` only says how the admin displays it; ``0`` means "not set" and is
dropped by `transforms.catalog.settings`). A compare-at price above the price makes the
price a sale price (the compare-at price is the regular one). ``Status`` draft or
archived, or ``Published`` false, switch the product off. ``Variant Inventory Qty`` is
``attributes["stock"]``; when Shopify tracks the inventory, a quantity of 0 or less is
``backorder`` if the variant keeps selling (``continue``) and ``out_of_stock`` if not.
``Variant Taxable`` false is ``attributes["taxable"] = "false"`` (not taxed is not a VAT
class); ``Variant Tax Code`` goes through ``[catalog] tax_classes``. Market prices are read
in the market's currency where the market's name is a country (Babel's territory names in
English and in the catalog's locales); other markets ("International") are reported once
and skipped. Every other non-empty column is an attribute under its column name.

Not read: ``Image Alt Text`` (per image, not per product), ``Option1 Linked To`` (the
metafield an option's values come from), the store's translations (Shopify exports them in
a separate CSV) and per-location inventory (the inventory CSV). A variant without a SKU is
reported, not given an invented one (the handle names one product, not its variants).

Streaming: the rows of one handle are buffered until the next handle starts, nothing
more. Shopify writes a product's rows together; a row that continues a product after
another product began has no product row above it and is reported, not merged.

Modules: `layout` finds each field's column in the file's header (both generations, the
markets' price columns, the columns kept as attributes); `reader` groups a handle's rows
into its variants' products.
"""
