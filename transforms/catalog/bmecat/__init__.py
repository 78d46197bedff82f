"""Reader for BMEcat catalogs, the German B2B catalog standard (https://www.bmecat.org),
in its 2005 form (``PRODUCT``, ``SUPPLIER_PID``, ``PRODUCT_DETAILS`` ...) and its 1.2 form
(``ARTICLE``, ``SUPPLIER_AID``, ``ARTICLE_DETAILS`` ...), with or without a namespace.

The document is streamed with lxml's ``iterparse``: one product element at a time,
cleared once read, so memory stays flat at any size (`frame` reads the header and the
group systems first, and the product -> group mappings that follow the products).
External entities, the network and DTDs are never loaded. What maps onto `Product`:

- ``SUPPLIER_AID`` / ``SUPPLIER_PID`` -> ``sku``; ``mode="delete"`` (an update
  withdrawing the product) -> ``enabled`` False.
- ``DESCRIPTION_SHORT`` -> title, ``DESCRIPTION_LONG`` -> description, per ``lang``
  (ISO 639-2: ``deu``) through ``[catalog] locales``; a text without ``lang`` or in the
  header's default ``LANGUAGE`` goes to that language's mapped locale, else to
  ``[catalog] locale``, else to every locale (`ANY_LOCALE`). A language with no mapping
  is reported once (``language_unmapped``) and its texts are not read.
- ``INTERNATIONAL_PID type="gtin"`` (or ``ean``), else ``EAN`` -> ``gtin``;
  ``MANUFACTURER_NAME`` -> ``brand``; ``MANUFACTURER_AID`` / ``_PID`` -> ``mpn``;
  ``PRODUCT_STATUS`` / ``ARTICLE_STATUS type="used"`` or ``"refurbished"`` -> condition.
- Prices (``*_PRICE_DETAILS``): one price type is chosen per product, the first present
  of ``gros_list`` (gross list price), ``nrp`` (recommended retail price, gross),
  ``net_list``, ``net_customer``, else the first in the file; it is kept in
  ``attributes["price_type"]`` so a merchant sees whether the prices are gross or net
  (``[pricing.catalog_prices]`` says which the pipeline assumes). Of that type, per
  currency (``PRICE_CURRENCY``, else the header's ``CURRENCY``, else ``[catalog]
  currency``), the price for the lowest ``LOWER_BOUND`` (quantity scale) of the block
  without ``valid_start_date`` / ``valid_end_date`` (else of the first block) is the price,
  multiplied by its ``PRICE_FACTOR``. Another, dated block whose price is lower is a
  sale: ``sale_prices`` with those dates. A dated block whose price is not lower (a
  price list that starts later) is not read.
- ``TAX`` (a fraction, ``0.19``; files of BMEcat 1.01 write ``16``) -> ``tax_class``
  through ``[catalog] tax_classes`` keyed by the rate in percent (``"19" = "standard"``,
  ``"7" = "food"``); an unmapped rate is reported once and read as standard.
- ``MIME_INFO``: images (``MIME_TYPE image/*``, or an image file name) with the purpose
  ``normal`` first, then none, ``detail``, ``others``, ``thumbnail``; a relative
  ``MIME_SOURCE`` is prefixed with the header's ``MIME_ROOT``. Data sheets, logos and
  other documents are not images; the one of ``MIME_PURPOSE`` ``safety_data_sheet`` is
  ``attributes["safety_data_sheet_url"]`` when its link is absolute.
- EU product law: BMEcat 2005 has no elements for it (no operator beyond
  ``MANUFACTURER_NAME``, the brand ``[operators.brands]`` maps). A supplier sends the rest
  as features named as `transforms.catalog.product_law` recognises (``FNAME``
  ``responsible_person_id``, ``Energieeffizienzklasse``, ``EPREL registration number``);
  ETIM and ECLASS feature codes (``EF...``) are kept under their codes, not interpreted.
- ``*_FEATURES/FEATURE``: ``FNAME`` (or the ``FT_NAME`` of its ``FTEMPLATE``; a nameless
  ``-`` takes its features block's ``REFERENCE_FEATURE_GROUP_NAME``) -> an attribute of
  that name with ``FVALUE`` (several joined by ", ") and ``FUNIT``. A feature named like a
  weight (``Gewicht``, ``weight``, ``GrossWeight``) with a weight unit (UN/ECE
  Recommendation 20 codes ``KGM``, ``GRM``, ``LBR`` ... or a symbol) -> ``weight`` when the
  logistic details give none; a gross weight wins over a net one.
  ``REFERENCE_FEATURE_SYSTEM_NAME`` / ``_GROUP_ID`` -> an attribute (``ECLASS-5.1`` =
  ``19010203``), or categories when the file defines that classification system.
- ``VARIANTS`` in a feature: the product is a group, not a product; every combination
  of its variant features' values is a product whose sku is the product's id followed by
  the ``SUPPLIER_AID_SUPPLEMENT`` of each value (in ``VORDER`` order), with ``group`` =
  the product's id and ``varies_by`` = the features' names. An empty value means "any":
  that variant does not vary by that feature.
- ``*_ORDER_DETAILS``: ``CONTENT_UNIT`` that is a measure (``LTR``, ``KGM``, ``MTR`` ...)
  with ``NO_CU_PER_OU`` (default 1) -> ``net_content``; every value also as an attribute.
- ``PRODUCT_LOGISTIC_DETAILS``: ``WEIGHT`` (kg), ``LENGTH``, ``WIDTH``, ``DEPTH`` (m; depth
  as height) by the 2005 specification's units; ``COUNTRY_OF_ORIGIN`` ->
  ``attributes["country_of_origin"]``.
- Categories: the names of the product's catalog groups (``*_TO_CATALOGGROUP_MAP``) and
  their parents, most specific first; read only when the file has a
  ``CATALOG_GROUP_SYSTEM`` to name them.
- Every other value of the details, order details, logistic details and
  ``USER_DEFINED_EXTENSIONS`` (``KEYWORD``, ``REMARKS``, ``DELIVERY_TIME``, ``UDX.*``) ->
  ``attributes`` under its element name (``.<type>`` appended when it has a ``type``),
  when in the default language and at most `MAX_ATTRIBUTE_CHARS` long.

Numbers are XML Schema decimals (``17.779`` is seventeen), as BMEcat's XSD types them;
a number written with a comma (BMEcat 1.01 files: ``17,23``) is read with the rules of
`parse_decimal` unless ``[catalog] decimal_mark`` says which mark the file uses.

An XML error inside a product (a bad byte, a broken tag) sets that product aside with
a finding naming its line (``invalid_encoding``, ``malformed_xml``); lxml recovers and
the products after it are read. Findings name the line a product starts on as their row.

Modules: `frame` reads the header, the group and classification systems and the product ->
group mappings; `document` streams the product elements and places XML errors; `product`
reads one element, with `prices` (price blocks, sale price, tax class), `variants`
(``VARIANTS`` multiplied out) and `values` (numbers, units, dates, attributes).
"""
