"""eBay Inventory API: ``inventory_item`` documents for bulkCreateOrReplaceInventoryItem.

Rules (developer.ebay.com, Inventory API v1.17; ../shared/DOMAIN.md):

- one ``inventory_item`` per SKU: ``product.title`` at most 80 characters,
  ``product.description`` at most 4000 (HTML, restricted here to a safe subset),
  ``aspects`` (``{"Brand": ["..."]}``), ``brand`` and ``mpn`` at most 65, ``ean``
  as an array, ``imageUrls``, ``packageWeightAndSize`` with eBay's unit enums;
- at most 25 items per bulk call, sent with the market's ``Content-Language`` to
  its eBay marketplace.

The file is JSON Lines: each line is one bulk call, ``{"marketplaceId",
"contentLanguage", "body": {"requests": [...]}}``; a line ``{"marketplaceId",
"deleteInventoryItems": [...]}`` lists SKUs to delete (products the last
published feed had and this run does not).
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.checks import json_lines_problems, schema_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import content_hash, dumps, text_hash
from feeds.text import cut_at_word, plain_text
from schemas.gtin import gtin_problem
from transforms.units import convert, ebay_measure

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

MARKETPLACE_IDS = {
    "US": "EBAY_US",
    "GB": "EBAY_GB",
    "DE": "EBAY_DE",
    "FR": "EBAY_FR",
    "IT": "EBAY_IT",
    "ES": "EBAY_ES",
    "NL": "EBAY_NL",
    "PL": "EBAY_PL",
    "AT": "EBAY_AT",
    "BE": "EBAY_BE",
    "CH": "EBAY_CH",
}
"""eBay marketplace ids by country (../shared/DOMAIN.md)."""
SCHEMA = "ebay_inventory"
BATCH = 25
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 4000
NAME_LIMIT = 65


def _escaped_plain_text(markup: str, limit: int) -> str:
    """The text of ``markup`` cut at a word boundary so that, escaped for HTML (the field
    is HTML), it fits ``limit`` characters."""
    text, _ = plain_text(markup, limit)
    escaped = html.escape(text, quote=False)
    while len(escaped) > limit:
        text = cut_at_word(text, len(text) - max(1, (len(escaped) - limit) // 2))
        escaped = html.escape(text, quote=False)
    return escaped


class EbayInventoryFeed(FeedWriter):
    """Writes one market's eBay inventory items, 25 to a bulk call."""

    spec = FeedSpec(
        name="ebay",
        extension="jsonl",
        media_type="application/x-ndjson",
        description="eBay Inventory API bulkCreateOrReplaceInventoryItem bodies (JSON Lines)",
        delta=True,
    )

    def write_header(self) -> None:
        self.market_id = self.marketplace_id(MARKETPLACE_IDS)
        self._pending: list[str] = []
        """The `dumps` texts of the items of the next bulk call."""
        self._deletions: list[str] = []

    def write_footer(self) -> None:
        self._flush()
        if self._deletions:
            line = {"marketplaceId": self.market_id, "deleteInventoryItems": self._deletions}
            self.stream.write((dumps(line) + "\n").encode())

    def write_deletion(self, sku: str) -> bool:
        self._deletions.append(sku)
        self.context.deleted.append(sku)
        return True

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        title = self.title(listing, findings, "product.title", TITLE_LIMIT)
        description = self.html(listing, findings, "product.description", listing.description)
        if len(description) > DESCRIPTION_LIMIT:
            description = _escaped_plain_text(description, DESCRIPTION_LIMIT)
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "product.description",
                    "text_shortened",
                    f"description cut to {DESCRIPTION_LIMIT} characters as plain text",
                )
            )
        if not title:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "product.title",
                    "empty_title",
                    "title is empty after cleaning",
                )
            )
        if not listing.image_links:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "product.imageUrls",
                    "missing_image_link",
                    "eBay needs at least one image",
                )
            )
        product: dict[str, Any] = {"title": title, "description": description}
        aspects = {}
        brand = self.plain(listing, findings, "product.brand", listing.brand or "")
        if brand:
            brand = cut_at_word(brand, NAME_LIMIT)
            product["brand"] = brand
            aspects["Brand"] = [brand]
        mpn = self.plain(listing, findings, "product.mpn", listing.mpn or "")
        if mpn:
            product["mpn"] = mpn[:NAME_LIMIT]
        if aspects:
            product["aspects"] = aspects
        if listing.gtin:
            problem = gtin_problem(listing.gtin)
            if problem is not None:
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        "product.ean",
                        "invalid_gtin",
                        f"GTIN {problem}",
                        listing.gtin,
                    )
                )
            elif len(listing.gtin) == 12:
                product["upc"] = [listing.gtin]
            else:
                product["ean"] = [listing.gtin]
        product["imageUrls"] = list(listing.image_links[:24])
        item: dict[str, Any] = {
            "sku": listing.sku,
            "locale": self.market.locale,
            "condition": "NEW",
            "product": product,
        }
        package = self._package(listing)
        if package:
            item["packageWeightAndSize"] = package
        if any(f.severity == "error" for f in findings):
            return findings
        text = dumps(item)  # serialized once: hashed, then written in its bulk call
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
            item,
            definition="inventory_item",
            what="item",
            whose="eBay's",
        ):
            return findings
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(digest)
        self._pending.append(text)
        self.items_written += 1
        if len(self._pending) == BATCH:
            self._flush()
        return findings

    def _package(self, listing: Listing) -> dict[str, Any]:
        package: dict[str, Any] = {}
        if listing.weight is not None:
            package["weight"] = ebay_measure(listing.weight)
        sides = (listing.length, listing.width, listing.height)
        if all(side is not None for side in sides):
            unit = "in" if self.market.units == "us" else "cm"
            measured = [ebay_measure(convert(side, unit)) for side in sides]  # type: ignore[arg-type]
            package["dimensions"] = {
                "length": measured[0]["value"],
                "width": measured[1]["value"],
                "height": measured[2]["value"],
                "unit": measured[0]["unit"],
            }
        return package

    def _flush(self) -> None:
        if not self._pending:
            return
        line = {
            "marketplaceId": self.market_id,
            "contentLanguage": self.market.locale.replace("_", "-"),
            "body": {"requests": []},
        }
        # The items' texts go in as they are: the same bytes as dumps() of the line with
        # the items in it (compact separators), without serializing each item again.
        head = dumps(line).removesuffix("[]}}")
        self.stream.write(f"{head}[{','.join(self._pending)}]}}}}\n".encode())
        self._pending = []

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        """Every line against the schema; an item the writer checked already
        (``known_good``) is not put through the schema again (see the contract)."""
        if not known_good:
            return json_lines_problems(path, SCHEMA)
        problems: list[str] = []
        with path.open("rb") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    document = json.loads(line, parse_float=Decimal)
                except ValueError as exc:
                    return [f"line {number}: not JSON: {exc}"]
                requests = (document.get("body") or {}).get("requests")
                if isinstance(requests, list) and requests:
                    if len(requests) > BATCH:
                        problems.append(f"line {number}: {len(requests)} items, more than {BATCH}")
                    unknown = [r for r in requests if content_hash(r) not in known_good]
                    body = {**document["body"], "requests": unknown or requests[:1]}
                    document = {**document, "body": body}
                problems += [f"line {number}: {p}" for p in schema_problems(SCHEMA, document)]
                if len(problems) >= 5:
                    break
        return problems[:5]
