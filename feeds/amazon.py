"""Amazon Selling Partner API ``JSON_LISTINGS_FEED`` (v2.0).

The XML and flat-file listing feeds are unsupported since 31 July 2025; this is
the format Amazon takes (developer-docs.amazon.com/sp-api, listings feed schema
v2, see ../shared/DOMAIN.md):

- a header with ``sellerId``, ``version`` "2.0" and ``issueLocale``; 1 to 10,000
  messages per file (the caller starts a new file when one is full);
- per SKU one message, ``operationType`` UPDATE, ``productType`` from the
  category mapping, and attributes whose values carry ``language_tag`` and
  ``marketplace_id``: ``item_name``, ``brand``, ``bullet_point`` (at most 10, each
  at most 700 characters), ``product_description`` (plain text, at most 10,000
  UTF-8 bytes), ``externally_assigned_product_identifier`` (the GTIN),
  ``list_price`` with its currency, ``item_package_weight`` and
  ``item_package_dimensions`` with Amazon's unit names;
- DELETE messages for products the last published feed had and this run does not.

Every message is checked against ``schemas/feeds/amazon_listings_feed.schema.json``
before it is written, and every file again before it is published.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.checks import json_file_problems, schema_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import content_hash, dumps
from feeds.text import cut_at_word, cut_to_bytes
from schemas.categories import first_mapped
from schemas.gtin import gtin_problem
from transforms.money import round_to_minor_units
from transforms.units import amazon_measure, convert

if TYPE_CHECKING:
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
}
"""Amazon marketplace ids by country (../shared/DOMAIN.md)."""
SCHEMA = "amazon_listings_feed"
TITLE_LIMIT = 200
BULLET_LIMIT = 700
BULLETS_MAX = 10
DESCRIPTION_BYTES = 10_000


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
        seller = self.context.channel.seller_id if self.context.channel else None
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
        attributes = self._attributes(listing, findings)
        product_type = first_mapped(listing.categories, dict(self.context.categories))
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
        digest = content_hash(message)
        previous = self.context.previous
        if previous is not None and previous.get(listing.sku) == digest:
            # Sent before exactly so, in a file that passed its check: nothing to send.
            self.context.hashes[listing.sku] = digest
            self.context.unchanged += 1
            return findings
        problems = schema_problems(SCHEMA, {**message, "messageId": 1}, "message")
        if problems:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "(message)",
                    "schema_invalid",
                    "the message breaks Amazon's rules: " + "; ".join(problems),
                )
            )
            return findings
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(digest)
        self._write(message)
        return findings

    def _write(self, message: dict[str, Any]) -> None:
        self.items_written += 1
        separator = "\n" if self.items_written == 1 else ",\n"
        self.stream.write(
            (separator + dumps({"messageId": self.items_written, **message})).encode()
        )

    def _attributes(self, listing: Listing, findings: list[Finding]) -> dict[str, Any]:
        where = {"language_tag": self.market.locale, "marketplace_id": self.market_id}
        only_market = {"marketplace_id": self.market_id}
        title = self.cut(
            listing, findings, "item_name", listing.title, TITLE_LIMIT, "title_too_long"
        )
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
        }
        bullets = []
        for point in listing.bullet_points[:BULLETS_MAX]:
            text = self.cut(
                listing, findings, "bullet_point", point, BULLET_LIMIT, "bullet_point_too_long"
            )
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
        description = self.plain(listing, findings, "product_description", listing.description)
        description, cut = cut_to_bytes(description, DESCRIPTION_BYTES)
        if cut:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "product_description",
                    "description_too_long",
                    f"description cut to {DESCRIPTION_BYTES:,} UTF-8 bytes",
                )
            )
        if description:
            attributes["product_description"] = [{"value": description, **where}]
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
        price = round_to_minor_units(listing.price)
        attributes["list_price"] = [
            {"value": price.amount, "currency": price.currency, **only_market}
        ]
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

    @classmethod
    def check_file(cls, path: Path, known_good: set[str] | None = None) -> list[str]:
        """The whole file against the schema. A message whose content the writer checked
        already (``known_good``) is not put through the schema a second time: one message
        in the envelope stands for the shape, every other one is checked in full."""
        if not known_good:
            return json_file_problems(path, SCHEMA)
        try:
            document = json.loads(path.read_bytes(), parse_float=Decimal)
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
