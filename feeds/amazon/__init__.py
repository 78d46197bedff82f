"""Amazon Selling Partner API ``JSON_LISTINGS_FEED`` (v2.0).

The XML and flat-file listing feeds are unsupported since 31 July 2025; this is
the format Amazon takes (developer-docs.amazon.com/sp-api, listings feed schema
v2, see ../shared/DOMAIN.md):

- a header with ``sellerId``, ``version`` "2.0" and ``issueLocale``; 1 to 10,000
  messages per file (the caller starts a new file when one is full);
- per SKU one message, ``operationType`` UPDATE, ``productType`` from the
  category mapping, and attributes whose values carry ``language_tag`` and
  ``marketplace_id``: ``item_name``, ``brand``, ``item_type_keyword``,
  ``bullet_point`` (1 to 10, each at most 700 characters), ``product_description``
  (plain text, at most 10,000 UTF-8 bytes), ``color``,
  ``externally_assigned_product_identifier`` (the GTIN), the image locators (main
  and up to 8 others), ``item_package_weight`` and ``item_package_dimensions``
  with Amazon's unit names;
- the offer: ``purchasable_offer`` (``our_price`` schedule; Amazon names its one
  amount ``value_with_tax`` everywhere: VAT included in the EU and the UK, before
  sales tax in the US, which is how the market's ``prices_include_vat`` makes the
  price), ``condition_type``, ``fulfillment_availability`` (merchant-fulfilled:
  the catalog's stock, else ``default_quantity``, and ``merchant_shipping_group``),
  and ``list_price`` only from the catalog's RRP (Amazon's list price is the
  manufacturer's recommended price, not the selling price);
- the declarations Amazon's PRODUCT definition requires: ``country_of_origin``
  and ``supplier_declared_dg_hz_regulation`` from catalog attributes of those
  names, else from ``[channels.amazon]``, and the ``color`` (catalog attribute,
  else ``color_when_none``); a product with neither is left out with a finding
  naming the attribute, as is one without a bullet point or a GTIN;
- DELETE messages for products the last published feed had and this run does not;
- variation families: a product group's variants (`schemas.listing.Listing.group`) are
  children (``parentage_level`` child, ``child_parent_sku_relationship`` to the parent
  sku, the group's ``variation_theme`` and the theme's attributes: ``color``, ``size``,
  ``material``) of one parent message per group, whose sku is the group code. The
  parent (``requirements`` LISTING_PRODUCT_ONLY) is no offer: ``skip_offer``, no price,
  no condition, no GTIN (``supplier_declared_has_product_identifier_exemption``). It is
  written just before the first of its children a file holds (on a delta run, the first
  one sent), and its hash is kept while any child is listed (so no deletion removes it).
  A group whose ``varies_by`` makes no theme of `VARIATION_THEMES` goes out as
  stand-alone products, with a warning.

Every message is checked against ``schemas/feeds/amazon_listings_feed.schema.json``
before it is written, and every file again before it is published; the tests check
the messages against Amazon's own PRODUCT definition too, its ``required`` list included.

One module per part: `feeds.amazon.marketplace` (marketplace ids, limits and value sets),
`feeds.amazon.attributes` (a listing's attributes, offer and declarations),
`feeds.amazon.variations` (themes, a variant's place in its family, the parent message)
and `feeds.amazon.writer` (`AmazonListingsFeed`: messages, files and their check).
"""
