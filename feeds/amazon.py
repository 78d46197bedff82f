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
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.checks import json_file_problems, schema_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import content_hash, dumps, text_hash
from feeds.text import cut_at_word, cut_to_bytes, quantity_words
from feeds.titles import part_text
from schemas.categories import first_mapped
from schemas.config.channels.amazon import AmazonChannel
from schemas.gtin import gtin_problem
from schemas.product import Quantity
from transforms.catalog.values import ValueProblem, parse_quantity_text
from transforms.money import round_to_minor_units
from transforms.units import KIND, amazon_measure, convert

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

MARKETPLACE_IDS = {
    "DE": "A1PA6795UKMFR9",
    "FR": "A13V1IB3VIYZZH",
    "IT": "APJ6JRA9NG5V4",
    "ES": "A1RKKUPIHCS9HS",
    "GB": "A1F83G8C2ARO7P",
    "US": "ATVPDKIKX0DER",
    "NL": "A1805IZSGTT6HS",
    "PL": "A1C3SOZRARQ6R3",
    "SE": "A2NODRKZP88ZB9",
    "BE": "AMEN7PMS3EDWL",
}
"""Amazon marketplace ids by country (../shared/DOMAIN.md; Belgium, amazon.com.be, from
the SP-API marketplace list)."""
USED_CONDITIONS = {"used": "used_good", "refurbished": "refurbished_refurbished"}
"""Amazon ``condition_type`` of a listing whose catalog condition is not ``new``."""
NET_PRICE_COUNTRIES = frozenset({"US"})
"""Marketplaces whose shop prices leave the tax out (sales tax is added at checkout);
every other marketplace here shows prices with VAT."""
SCHEMA = "amazon_listings_feed"
TITLE_LIMIT = 200
BULLET_LIMIT = 700
BULLETS_MAX = 10
DESCRIPTION_BYTES = 10_000
OTHER_IMAGES_MAX = 8
COLOR_ATTRIBUTES = ("color", "colour", "main_color")
"""Catalog attributes holding the product's colour, the first one present wins."""
DG_NEEDS_MORE = frozenset({"ghs", "transportation"})
"""Dangerous-goods declarations that need data this writer does not send (``hazmat``,
``ghs`` classes, a safety data sheet)."""
DG_VALUES = frozenset({"not_applicable", "unknown", "other", "storage", "waste"}) | DG_NEEDS_MORE
THEME_PARTS = {
    **dict.fromkeys(("color", "colour", "main_color"), "COLOR_NAME"),
    **dict.fromkeys(("size", "clothing_size", "eu_shoes_size"), "SIZE_NAME"),
    **dict.fromkeys(("volume", "net_content"), "SIZE_NAME"),
    "material": "MATERIAL_TYPE",
}
"""Catalog attribute a group varies by -> the part of Amazon's variation theme it fills."""
THEME_ATTRIBUTES = {"COLOR_NAME": "color", "SIZE_NAME": "size", "MATERIAL_TYPE": "material"}
"""Theme part -> the Amazon attribute each variant states it in (``size``: ``500 ml``)."""
VARIATION_THEMES = (
    "COLOR_NAME",
    "SIZE_NAME",
    "MATERIAL_TYPE",
    "SIZE_NAME/COLOR_NAME",
    "COLOR_NAME/SIZE_NAME",
    "MATERIAL_TYPE/COLOR_NAME",
    "COLOR_NAME/MATERIAL_TYPE",
    "SIZE_NAME/MATERIAL_TYPE",
    "MATERIAL_TYPE/SIZE_NAME",
    "MATERIAL_TYPE/COLOR_NAME/SIZE_NAME",
)
"""The variation themes this writer sends, each one of the PRODUCT definition's (a test
checks them against ``variation_theme``'s enum there). Amazon names a theme by its parts
in an order; the one in the order of ``varies_by`` wins, else any order Amazon has."""
QUANTITY_PARTS = frozenset({"volume", "net_content", "weight"})
"""Listing fields holding a `schemas.product.Quantity` a title states in its own units."""


class AmazonListingsFeed(FeedWriter):
    """Writes one market's Amazon JSON listings feed, a file of at most 10,000 messages."""

    spec = FeedSpec(
        name="amazon",
        extension="json",
        media_type="application/json",
        description="Amazon SP-API JSON_LISTINGS_FEED v2.0",
        # One short of Amazon's 10,000: a variant may bring its parent message along.
        max_items_per_file=9_999,
        delta=True,
    )

    def write_header(self) -> None:
        self.market_id = self.marketplace_id(MARKETPLACE_IDS)
        self.settings = self.settings_as(AmazonChannel) or AmazonChannel(required=["title"])
        if self.market.prices_include_vat == (self.market.country in NET_PRICE_COUNTRIES):
            raise ValueError(
                f"market {self.market.code}: Amazon's {self.market.country} marketplace takes "
                + (
                    "prices before sales tax; set prices_include_vat = false"
                    if self.market.prices_include_vat
                    else "prices with VAT; set prices_include_vat = true"
                )
            )
        self._parents: dict[str, tuple[str | None, str]] = {}
        """Group -> its parent message's text while this file has still to carry it
        (None once written), and the text's hash."""
        seller = self.settings.seller_id
        header = {
            "sellerId": seller or "UNSET",
            "version": "2.0",
            "issueLocale": self.market.locale,
        }
        self.stream.write(f'{{"header":{dumps(header)},"messages":['.encode())

    def write_footer(self) -> None:
        self.stream.write(b"\n]}\n")

    def write_deletion(self, sku: str) -> bool:
        self._write({"sku": sku, "operationType": "DELETE"})
        self.context.deleted.append(sku)
        return True

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        product_type = first_mapped(listing.categories, dict(self.context.categories))
        attributes = self._attributes(listing, findings, product_type or "")
        if product_type is None:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "productType",
                    "missing_product_type",
                    "no Amazon product type for the categories "
                    f"{', '.join(listing.categories) or '(none)'} in the category mapping",
                )
            )
        theme = self._variation(listing, findings, attributes)
        if any(f.severity == "error" for f in findings):
            return findings
        assert product_type is not None  # an error finding otherwise
        message = {
            "sku": listing.sku,
            "operationType": "UPDATE",
            "productType": product_type,
            "requirements": "LISTING",
            "attributes": attributes,
        }
        text = dumps(message)  # serialized once: hashed, then written
        digest = text_hash(text)
        group = listing.group if theme is not None else None
        if theme is not None and group is not None and group not in self._parents:
            parent = self._parent(listing, findings, product_type, theme, attributes)
            if parent is None:
                return findings
            self._parents[group] = parent
        previous = self.context.previous
        if previous is not None and previous.get(listing.sku) == digest:
            # Sent before exactly so, in a file that passed its check: nothing to send.
            self.context.hashes[listing.sku] = digest
            self.context.unchanged += 1
            if group is not None:
                self._keep_parent(group)
            return findings
        if self.breaks_schema(
            listing,
            findings,
            SCHEMA,
            {**message, "messageId": 1},
            definition="message",
            what="message",
            whose="Amazon's",
        ):
            return findings
        if group is not None:
            parent_text, parent_digest = self._parents[group]
            if parent_text is not None:
                self._write_text(parent_text)
                self.context.parents_sent += 1
                self._parents[group] = (None, parent_digest)
            self.context.hashes[group] = parent_digest
            self.context.parents.add(group)
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(digest)
        self._write_text(text)
        return findings

    def _variation(
        self, listing: Listing, findings: list[Finding], attributes: dict[str, Any]
    ) -> str | None:
        """The variant's theme, its place in the family and the theme's values added to
        ``attributes``; None for a product that goes out on its own (no group, or a
        group whose ``varies_by`` makes no theme this writer sends: a warning)."""
        if listing.group is None or not listing.varies_by:
            return None
        parts = [THEME_PARTS.get(name, "") for name in listing.varies_by]
        theme = _theme(parts) if all(parts) and len(set(parts)) == len(parts) else None
        if theme is None:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "variation_theme",
                    "no_variation_theme",
                    f"group {listing.group} varies by {', '.join(listing.varies_by)}: no "
                    "Amazon variation theme of this writer's has those parts, so its "
                    "variants go out as products of their own",
                    ", ".join(listing.varies_by),
                )
            )
            return None
        where = {"language_tag": self.market.locale, "marketplace_id": self.market_id}
        only_market = {"marketplace_id": self.market_id}
        for name, part in zip(listing.varies_by, parts, strict=True):
            value = (
                _first(listing.attributes, (name,))
                if part == "COLOR_NAME"
                else part_text(listing, name)
            )
            if not value:
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        THEME_ATTRIBUTES[part],
                        "missing_variation_value",
                        f"group {listing.group} varies by {name} and this variant has none: "
                        f"Amazon's theme {theme} needs every variant's",
                    )
                )
                continue
            attributes[THEME_ATTRIBUTES[part]] = [{"value": cut_at_word(value, 1000), **where}]
        attributes["parentage_level"] = [{"value": "child", **only_market}]
        attributes["child_parent_sku_relationship"] = [
            {"child_relationship_type": "variation", "parent_sku": listing.group, **only_market}
        ]
        attributes["variation_theme"] = [{"name": theme}]
        return theme

    def _parent(
        self,
        listing: Listing,
        findings: list[Finding],
        product_type: str,
        theme: str,
        child: dict[str, Any],
    ) -> tuple[str, str] | None:
        """The parent message of ``listing``'s group, made from this first variant of it,
        as `_parents` holds it; None when it breaks the schema (reported: the variant
        stays out with it)."""
        group = listing.group
        assert group is not None
        where = {"language_tag": self.market.locale, "marketplace_id": self.market_id}
        only_market = {"marketplace_id": self.market_id}
        name = _group_name(self.plain(listing, findings, "item_name", listing.title), listing)
        color = child["color"]
        if "COLOR_NAME" in theme.split("/") and self.settings.color_when_none:
            # Amazon's PRODUCT definition asks a parent for a colour too; it has none.
            color = [{"value": self.settings.color_when_none, **where}]
        attributes = {
            "item_name": [{"value": cut_at_word(name or group, TITLE_LIMIT), **where}],
            **{
                key: child[key]
                for key in ("brand", "item_type_keyword", "bullet_point", "product_description")
            },
            "color": color,
            "country_of_origin": child["country_of_origin"],
            "supplier_declared_dg_hz_regulation": child["supplier_declared_dg_hz_regulation"],
            # A parent is no product anyone buys: it has no GTIN and no offer. Amazon's
            # definition wants an item without fulfilment facts to give its parcel's; the
            # parent says merchant-fulfilled with nothing in stock instead.
            "supplier_declared_has_product_identifier_exemption": [{"value": True, **only_market}],
            "skip_offer": [{"value": True, **only_market}],
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
            "parentage_level": [{"value": "parent", **only_market}],
            "child_parent_sku_relationship": [
                {"child_relationship_type": "variation", **only_market}
            ],
            "variation_theme": [{"name": theme}],
        }
        message = {
            "sku": group,
            "operationType": "UPDATE",
            "productType": product_type,
            "requirements": "LISTING_PRODUCT_ONLY",
            "attributes": attributes,
        }
        text = dumps(message)
        digest = text_hash(text)
        if self.breaks_schema(
            listing,
            findings,
            SCHEMA,
            {**message, "messageId": 1},
            definition="message",
            what="parent message",
            whose="Amazon's",
        ):
            return None
        self.context.checked.add(digest)
        return text, digest

    def _keep_parent(self, group: str) -> None:
        """A delta run sends none of the group's variants (so far): its parent stays as
        Amazon has it, listed (so not deleted)."""
        if group not in self.context.hashes:
            previous = self.context.previous
            sent = previous.get(group) if previous is not None else None
            self.context.hashes[group] = sent or self._parents[group][1]
            self.context.parents.add(group)

    def _write(self, message: dict[str, Any]) -> None:
        self._write_text(dumps(message))

    def _write_text(self, text: str) -> None:
        """Write a message serialized by `dumps`, its ``messageId`` put first: the same
        bytes as ``dumps({"messageId": n, **message})`` (compact separators, keys in order)."""
        self.items_written += 1
        separator = "\n" if self.items_written == 1 else ",\n"
        self.stream.write(f'{separator}{{"messageId":{self.items_written},{text[1:]}'.encode())

    def _attributes(
        self, listing: Listing, findings: list[Finding], product_type: str
    ) -> dict[str, Any]:
        where = {"language_tag": self.market.locale, "marketplace_id": self.market_id}
        only_market = {"marketplace_id": self.market_id}
        title = self.title(listing, findings, "item_name", TITLE_LIMIT)
        if not title:
            findings.append(
                self.finding(
                    listing, "error", "item_name", "empty_title", "title is empty after cleaning"
                )
            )
        brand = self.plain(listing, findings, "brand", listing.brand or "")
        if not brand:
            findings.append(
                self.finding(listing, "error", "brand", "missing_brand", "Amazon requires a brand")
            )
        attributes: dict[str, Any] = {
            "item_name": [{"value": title, **where}],
            "brand": [{"value": cut_at_word(brand, 100), **where}],
            # Amazon's browse keyword; until the category map names one, the product type's.
            "item_type_keyword": [{"value": product_type.lower().replace("_", "-"), **only_market}],
        }
        bullets = []
        for point in listing.bullet_points[:BULLETS_MAX]:
            text = self.cut(listing, findings, "bullet_point", point, BULLET_LIMIT)
            if text:
                bullets.append({"value": text, **where})
        if len(listing.bullet_points) > BULLETS_MAX:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "bullet_point",
                    "too_many_bullet_points",
                    f"{len(listing.bullet_points)} bullet points, Amazon takes "
                    f"{BULLETS_MAX}: the rest are left out",
                )
            )
        if bullets:
            attributes["bullet_point"] = bullets
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "bullet_point",
                    "missing_bullet_point",
                    "Amazon requires at least one bullet_point; the listing has none",
                )
            )
        description = self.plain(listing, findings, "product_description", listing.description)
        description, cut = cut_to_bytes(description, DESCRIPTION_BYTES)
        if cut:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "product_description",
                    "text_shortened",
                    f"description cut to {DESCRIPTION_BYTES:,} UTF-8 bytes",
                )
            )
        if description:
            attributes["product_description"] = [{"value": description, **where}]
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "product_description",
                    "missing_description",
                    "Amazon requires a description; it is empty after cleaning",
                )
            )
        color = _first(listing.attributes, COLOR_ATTRIBUTES) or self.settings.color_when_none
        if color:
            attributes["color"] = [{"value": cut_at_word(color, 1000), **where}]
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "color",
                    "missing_color",
                    "Amazon requires a color: give the catalog attribute "
                    f"{' or '.join(COLOR_ATTRIBUTES)} or [channels.amazon] color_when_none",
                )
            )
        if listing.gtin:
            problem = gtin_problem(listing.gtin)
            if problem is not None:
                findings.append(
                    self.finding(
                        listing, "error", "gtin", "invalid_gtin", f"GTIN {problem}", listing.gtin
                    )
                )
            else:
                kind = {12: "upc", 13: "ean"}.get(len(listing.gtin), "gtin")
                attributes["externally_assigned_product_identifier"] = [
                    {"type": kind, "value": listing.gtin, **only_market}
                ]
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "externally_assigned_product_identifier",
                    "missing_gtin",
                    "Amazon requires a GTIN (EAN, UPC) as externally_assigned_product_identifier",
                )
            )
        if listing.image_links:
            main, *others = listing.image_links
            attributes["main_product_image_locator"] = [{"media_location": main, **only_market}]
            for number, link in enumerate(others[:OTHER_IMAGES_MAX], start=1):
                attributes[f"other_product_image_locator_{number}"] = [
                    {"media_location": link, **only_market}
                ]
            if len(others) > OTHER_IMAGES_MAX:
                findings.append(
                    self.finding(
                        listing,
                        "warning",
                        "other_product_image_locator",
                        "too_many_images",
                        f"{len(listing.image_links)} images, Amazon takes "
                        f"{OTHER_IMAGES_MAX + 1}: the rest are left out",
                    )
                )
        self._offer(listing, findings, attributes)
        self._declarations(listing, findings, attributes)
        if listing.weight is not None:
            attributes["item_package_weight"] = [{**amazon_measure(listing.weight), **only_market}]
        sides = (listing.length, listing.width, listing.height)
        if all(side is not None for side in sides):
            unit = "in" if self.market.units == "us" else "cm"
            attributes["item_package_dimensions"] = [
                {
                    **{
                        name: amazon_measure(convert(side, unit))  # type: ignore[arg-type]
                        for name, side in zip(("length", "width", "height"), sides, strict=True)
                    },
                    **only_market,
                }
            ]
        return attributes

    def _offer(self, listing: Listing, findings: list[Finding], attributes: dict[str, Any]) -> None:
        """What makes the item buyable: price, condition, stock and how it ships."""
        only_market = {"marketplace_id": self.market_id}
        settings = self.settings
        price = round_to_minor_units(listing.price)
        attributes["purchasable_offer"] = [
            {
                "currency": price.currency,
                "our_price": [{"schedule": [{"value_with_tax": price.amount}]}],
                **only_market,
            }
        ]
        # A new product takes the channel's condition (new_new, or new_oem ...); a used or
        # refurbished one Amazon's grade of it (the catalog grades no further).
        condition = USED_CONDITIONS.get(listing.condition, settings.condition_type)
        attributes["condition_type"] = [{"value": condition, **only_market}]
        code = settings.fulfillment_channel_code
        if code == "DEFAULT":
            quantity = listing.quantity
            if listing.availability == "out_of_stock":
                quantity = 0
            elif quantity is None:
                quantity = settings.default_quantity if listing.availability == "in_stock" else 0
            attributes["fulfillment_availability"] = [
                {"fulfillment_channel_code": code, "quantity": quantity}
            ]
            attributes["merchant_shipping_group"] = [
                {"value": settings.merchant_shipping_group, **only_market}
            ]
        else:
            # Amazon holds and counts the stock; it needs the parcel and battery facts.
            attributes["fulfillment_availability"] = [{"fulfillment_channel_code": code}]
            batteries = listing.attributes.get("batteries_required", "").strip().lower()
            if batteries not in {"false", "no", "0", "true", "yes", "1"}:
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        "batteries_required",
                        "missing_batteries_required",
                        f"fulfilment by Amazon ({code}) needs the catalog attribute "
                        "batteries_required (yes or no)",
                    )
                )
            elif batteries in {"true", "yes", "1"}:
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        "batteries_required",
                        "battery_details_missing",
                        "a product that needs batteries needs battery details this writer "
                        "does not send",
                    )
                )
            else:
                attributes["batteries_required"] = [{"value": False, **only_market}]
            if listing.weight is None or None in (listing.length, listing.width, listing.height):
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        "item_package_dimensions",
                        "missing_package_size",
                        f"fulfilment by Amazon ({code}) needs the package weight and dimensions",
                    )
                )
        if listing.list_price is not None:
            rrp = round_to_minor_units(listing.list_price)
            if rrp.currency != price.currency or rrp.amount < price.amount:
                findings.append(
                    self.finding(
                        listing,
                        "warning",
                        "list_price",
                        "list_price_below_price",
                        f"the recommended retail price {rrp.amount} {rrp.currency} is below the "
                        f"price {price.amount} {price.currency}; no list price is sent",
                    )
                )
            else:
                attributes["list_price"] = [
                    {"value": rrp.amount, "currency": rrp.currency, **only_market}
                ]

    def _declarations(
        self, listing: Listing, findings: list[Finding], attributes: dict[str, Any]
    ) -> None:
        """Country of origin and dangerous goods: the catalog's, else the channel's default."""
        only_market = {"marketplace_id": self.market_id}
        origin = listing.attributes.get("country_of_origin", "").strip()
        origin = origin.upper() if len(origin) == 2 else origin
        origin = origin or self.settings.country_of_origin or ""
        if origin == "unknown" or (len(origin) == 2 and origin.isalpha() and origin.isupper()):
            attributes["country_of_origin"] = [{"value": origin, **only_market}]
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "country_of_origin",
                    "missing_country_of_origin",
                    "Amazon requires a country of origin (an ISO 3166 code): give the catalog "
                    "attribute country_of_origin or [channels.amazon] country_of_origin",
                    origin or None,
                )
            )
        declared = listing.attributes.get("supplier_declared_dg_hz_regulation", "").strip().lower()
        declared = declared or self.settings.supplier_declared_dg_hz_regulation or ""
        if declared in DG_NEEDS_MORE:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "supplier_declared_dg_hz_regulation",
                    "dangerous_goods_details_missing",
                    f"supplier_declared_dg_hz_regulation is {declared}: Amazon then needs "
                    "hazmat or GHS details this writer does not send",
                )
            )
        elif declared in DG_VALUES:
            attributes["supplier_declared_dg_hz_regulation"] = [{"value": declared, **only_market}]
        else:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "supplier_declared_dg_hz_regulation",
                    "missing_dangerous_goods_declaration",
                    "Amazon requires a dangerous-goods declaration: give the catalog attribute "
                    "supplier_declared_dg_hz_regulation or [channels.amazon] "
                    "supplier_declared_dg_hz_regulation",
                    declared or None,
                )
            )

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        """The whole file against the schema. A message whose content the writer checked
        already (``known_good``) is not put through the schema a second time: one message
        in the envelope stands for the shape, every other one is checked in full."""
        if not known_good:
            return json_file_problems(path, SCHEMA)
        raw = path.read_bytes()
        as_written = _as_written(raw, known_good)
        if as_written is not None:
            envelope, unknown, first = as_written
            shape = {**envelope, "messages": unknown or [first]}
            return schema_problems(SCHEMA, shape)[:5]
        try:
            document = json.loads(raw, parse_float=Decimal)
        except ValueError as exc:
            return [f"not JSON: {exc}"]
        messages = document.get("messages") if isinstance(document, dict) else None
        if not isinstance(messages, list) or not messages:
            return schema_problems(SCHEMA, document)
        problems = []
        if len(messages) > 10_000:
            problems.append(f"messages: {len(messages)} messages, more than 10,000")
        ids = [m.get("messageId") for m in messages if isinstance(m, dict)]
        if ids != list(range(1, len(messages) + 1)):
            problems.append("messages: messageId must count 1, 2, 3, ... through the file")
        unknown = [
            m
            for m in messages
            if not isinstance(m, dict)
            or m.get("operationType") != "UPDATE"
            or content_hash({k: v for k, v in m.items() if k != "messageId"}) not in known_good
        ]
        shape = {**document, "messages": unknown or messages[:1]}
        return (problems + schema_problems(SCHEMA, shape))[:5]


def _as_written(
    raw: bytes, known_good: Collection[str]
) -> tuple[dict[str, Any], list[Any], Any] | None:
    """A file laid out as the writer writes it, read a line at a time: its envelope (with
    no messages), the messages not in ``known_good``, and the first message.

    The writer puts the header on the first line, then each message on a line of its own
    (``messageId`` first, then the `dumps` text whose hash is in ``known_good``), then
    ``]}``. A line whose text hashes to a known message is that message exactly, valid
    JSON, so it is not parsed again (parsing is most of what a check of a 10,000-message
    file costs); every other line is. None when the file is laid out otherwise, or a
    line holds anything but one message counted in turn: the caller then reads the file
    as a whole, which reports what is wrong.
    """
    try:
        lines = raw.decode().split("\n")
    except UnicodeDecodeError:
        return None
    if len(lines) < 4 or lines[-2:] != ["]}", ""] or len(lines) - 3 > 10_000:
        return None
    try:
        envelope = json.loads(lines[0] + "]}", parse_float=Decimal)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or envelope.get("messages") != []:
        return None
    unknown: list[Any] = []
    first: Any = None
    last = len(lines) - 3
    for number, line in enumerate(lines[1:-2], start=1):
        text = line if number == last else line.removesuffix(",")
        if number != last and text == line:
            return None  # a message but the last ends with a comma
        prefix = f'{{"messageId":{number},'
        known = text.startswith(prefix) and text_hash("{" + text[len(prefix) :]) in known_good
        if known and number > 1:
            continue
        try:
            message = json.loads(text, parse_float=Decimal)
        except ValueError:
            return None
        if not isinstance(message, dict) or message.get("messageId") != number:
            return None
        if number == 1:
            first = message
        if not known:
            unknown.append(message)
    return envelope, unknown, first


def _first(attributes: dict[str, str], names: tuple[str, ...]) -> str:
    """The first non-empty of ``names`` in the catalog attributes, stripped ("" for none)."""
    for name in names:
        value = attributes.get(name, "").strip()
        if value:
            return value
    return ""


def _theme(parts: list[str]) -> str | None:
    """The variation theme of ``parts`` (in `VARIATION_THEMES`), their order first.

    >>> _theme(["SIZE_NAME", "COLOR_NAME"]), _theme(["COLOR_NAME", "MATERIAL_TYPE", "SIZE_NAME"])
    ('SIZE_NAME/COLOR_NAME', 'MATERIAL_TYPE/COLOR_NAME/SIZE_NAME')
    """
    wanted = "/".join(parts)
    if wanted in VARIATION_THEMES:
        return wanted
    return next((t for t in VARIATION_THEMES if sorted(t.split("/")) == sorted(parts)), None)


def _group_name(name: str, listing: Listing) -> str:
    """What the variants of ``listing``'s group are called: its title ``name`` up to the
    first value it varies by that the title states (values trail a catalog title); ""
    when the title states none of them, or starts with one.

    >>> from schemas.listing import Listing
    >>> pack = Listing(sku="P1", market="DE", locale="de_DE", text_locale="de_DE",
    ...     title="", description="", link="", price=None, availability="in_stock",
    ...     volume=Quantity(Decimal("18"), "l"), attributes={"color": "black"},
    ...     varies_by=("volume", "color"))  # type: ignore[arg-type]
    >>> _group_name("Bergfink Daypack 18 L schwarz", pack)
    'Bergfink Daypack'
    >>> _group_name("Bergfink Daypack schwarz", pack)
    ''
    """
    words = quantity_words(name)
    found = [
        at for part in listing.varies_by if (at := _stated_at(words, listing, part)) is not None
    ]
    return " ".join(words[: min(found)]) if found else ""


def _stated_at(words: list[str], listing: Listing, part: str) -> int | None:
    """Where the title ``words`` state ``listing``'s value of ``part``: as buyers read it,
    or (a quantity) in any unit of its kind (``1000 ml`` for ``1 l``); None if nowhere."""
    text = part_text(listing, part)
    if text:
        value = [w.casefold() for w in quantity_words(text)]
        folded = [w.casefold() for w in words]
        for at in range(len(words) - len(value) + 1):
            if folded[at : at + len(value)] == value:
                return at
    quantity = getattr(listing, part, None) if part in QUANTITY_PARTS else None
    if not isinstance(quantity, Quantity) or quantity.unit not in KIND:
        return None
    for at, word in enumerate(words):
        try:
            stated = parse_quantity_text(word)
        except ValueProblem:
            continue
        if KIND.get(stated.unit) == KIND[quantity.unit]:
            if convert(stated, quantity.unit).value == quantity.value:
                return at
    return None
