"""Reader for Shopware 6's product export (Settings > Import/Export, "Default product" profile).

The export is CSV, ``;``-separated, ``"``-quoted, UTF-8, one header row of the profile's
column names (its ``mappedKey`` values) in the profile's order. The "Default product"
profile (``src/Core/Migration/Fixtures/import-export-profiles/ProductMappingProfile.php``
in shopware/shopware) writes:

==============================================  ==========================================
``id`` ``parent_id``                            the product's id; a variant's parent id
``product_number``                              the sku
``active`` ``stock``                            ``1``/``0``; units in stock
``name`` ``description``                        the default language's texts (HTML)
``price_net`` ``price_gross``                   the default currency's price
``purchase_prices_net`` ``purchase_prices_gross``  what the merchant paid
``tax_id`` ``tax_rate`` ``tax_name``            the tax (``Standard rate``, 19)
``cover_media_id`` ``cover_media_url`` ...      the main image
``manufacturer_name``                           the brand (``manufacturer_id`` is
                                                Shopware's id for it, not kept)
``custom_fields``                               custom fields, a JSON object
``categories``                                  category ids, ``|``-separated
``sales_channel``                               sales channel ids (``visibilities.all``)
``propertyIds`` ``optionIds``                   property option ids; a variant's options
==============================================  ==========================================

A merchant adds fields to a copy of the profile under names of their choosing; read here
under Shopware's own keys (``productNumber``, ``translations.DEFAULT.name``,
``price.DEFAULT.gross``, ``price.USD.gross``, ``translations.de-DE.name``) and the
snake_case names Shopware's own fixtures give them: ``ean``, ``manufacturer_number``,
``weight`` (kg), ``width`` ``height`` ``length`` (mm), ``media`` (the other image URLs,
``|``-separated), ``list_price_gross`` (``price.DEFAULT.listPrice.gross``: the price
before a reduction), ``price_gross_usd``, ``is_closeout``, ``category_paths``. Every
other non-empty column is kept as an attribute under its own name, and so is each
custom field of ``custom_fields`` (``customFields``, ``translations.DEFAULT.customFields``):
where a merchant keeps EU product law's attributes (``manufacturer_id``,
``responsible_person_id``, ``safety_warning``, ``energy_class`` ..., or property groups
of those names; `transforms.catalog.product_law`). The manufacturer's name is the brand
``[operators.brands]`` maps onto the manufacturer.

Prices are in the shop's default currency, which the file does not name
(``[catalog] currency``). A list price above the price means the product is reduced:
the list price is the regular price and the price its sale price (Shopware shows it
struck through; it has no sale dates). Texts of the default language are in
``[catalog] locale``.

**Variants** are rows whose ``parent_id`` names another row's ``id``; Shopware writes
them only when the export includes variants, after their parent (it sorts by creation).
A variant belongs to the group of its parent's product number and inherits every value
it leaves empty, as Shopware does, except the identifiers (``ean``, manufacturer
number): a GTIN names one trade item, so a variant without its own has none. Price,
list price, tax, cover image and manufacturer are inherited as a whole, so a variant
with its own price never shows its parent's list price. A parent whose variants are in
the file only groups them and is not a product; one without variants in the file is.
A variant's options are property option ids: their group (``size``) and name (``M``)
come from the "Default properties" export given as ``[catalog]
attribute_options_path``; the groups are the axes the variant varies by and the names
its values (an option without a name means "any" and is left out). Without that file
the options stay ids in ``optionIds`` and the variants are grouped without axes.

**Memory**: the reader first scans the file with the csv module alone to learn which ids
are parents of variants (an id and a row number per parent: the only part that grows
with the file, by about 150 bytes per variant group), then streams it; a parent's
inheritable values are held from its row to its last variant's row (a parent whose last
variant row is unreadable is held to the end of the file). A parent written after one
of its variants (never by Shopware, whose foreign key and creation order put parents
first; a hand-edited file) is read ahead by one more pass and held the same way.

Documentation: https://docs.shopware.com/en/shopware-6-en/settings/system/importexport
(profiles, variants, the CSV settings) and
https://docs.shopware.com/en/shopware-6-en/catalogues/products (weight in kg, dimensions
in mm, list prices, variants' inheritance).

Modules: `columns` works out what each column of a file's header holds and which
inheritance block it belongs to; `families` finds the variants' parents (read ahead when
written after a variant) and gives a variant what it inherits; `properties` reads the
"Default properties" export that names the options; `reader` maps rows onto products.
"""
