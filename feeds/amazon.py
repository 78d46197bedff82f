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
- DELETE messages for products the last published feed had and this run does not.

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
from feeds.text import cut_at_word, cut_to_bytes
from schemas.categories import first_mapped
from schemas.gtin import gtin_problem
from schemas.market import Channel
from transforms.money import round_to_minor_units
from transforms.units import amazon_measure, convert

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


class AmazonListingsFeed(FeedWriter):
    """Writes one market's Amazon JSON listings feed, a file of at most 10,000 messages."""

    spec = FeedSpec(
        name="amazon",
        extension="json",
        media_type="application/json",
        description="Amazon SP-API JSON_LISTINGS_FEED v2.0",
        max_items_per_file=10_000,
        delta=True,
    )

    def write_header(self) -> None:
        self.market_id = self.marketplace_id(MARKETPLACE_IDS)
        self.settings = self.context.channel or Channel(required=["title"])
        if self.market.prices_include_vat == (self.market.country in NET_PRICE_COUNTRIES):
            raise ValueError(
                f"market {self.market.code}: Amazon's {self.market.country} marketplace takes "
                + (
                    "prices before sales tax; set prices_include_vat = false"
                    if self.market.prices_include_vat
                    else "prices with VAT; set prices_include_vat = true"
                )
            )
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
        if any(f.severity == "error" for f in findings):
            return findings
        message = {
            "sku": listing.sku,
            "operationType": "UPDATE",
            "productType": product_type,
            "requirements": "LISTING",
            "attributes": attributes,
        }
        text = dumps(message)  # serialized once: hashed, then written
        digest = text_hash(text)
        previous = self.context.previous
        if previous is not None and previous.get(listing.sku) == digest:
            # Sent before exactly so, in a file that passed its check: nothing to send.
            self.context.hashes[listing.sku] = digest
            self.context.unchanged += 1
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
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(digest)
        self._write_text(text)
        return findings

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
        attributes["condition_type"] = [{"value": settings.condition_type, **only_market}]
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
