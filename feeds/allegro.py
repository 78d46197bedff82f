"""Allegro (PL) offers as JSON Lines: one ``POST /sale/product-offers`` body per line.

Per offer: ``external.id`` (the SKU), ``name`` at most 75 characters, the Allegro
``category.id`` from the category mapping, the product by GTIN, image URLs, a
description of one text section in Allegro's HTML subset (h1, h2, p, ul, ol, li,
b), ``sellingMode`` BUY_NOW with the price in PLN and ``language`` pl-PL
(../shared/DOMAIN.md: PLN, ``language: pl-PL``).

Sales: ``sellingMode.price`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends.
The offer body has no strike or former price (``sellingMode`` takes ``price``, and for
auctions ``startingPrice`` and ``minimalPrice``: POST /sale/product-offers,
developer.allegro.pl, read 2026-12); Allegro shows a crossed-out price only for offers
entered in its badge campaigns (``/sale/badges``, "Zarządzanie zgłoszeniami ofert do
kampanii"), a separate, campaign-bound process this writer does not drive, so nothing
of the sale's reference is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feeds.checks import json_lines_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import dumps, text_hash
from feeds.sales import selling_price
from schemas.categories import first_mapped, missing_category_message

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

SCHEMA = "allegro_offer"
NAME_LIMIT = 75
ALLEGRO_TAGS = frozenset({"h1", "h2", "p", "ul", "ol", "li", "b"})


class AllegroOffers(FeedWriter):
    """Writes one market's Allegro offers."""

    spec = FeedSpec(
        name="allegro",
        extension="jsonl",
        media_type="application/x-ndjson",
        description="Allegro product-offers request bodies (JSON Lines)",
    )

    def write_header(self) -> None:
        if self.market.currency != "PLN":
            raise ValueError(f"market {self.market.code}: Allegro takes PLN prices only")

    def write_footer(self) -> None:
        pass

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        name = self.title(listing, findings, "name", NAME_LIMIT)
        category = first_mapped(listing.categories, dict(self.context.categories))
        description = self.html(
            listing, findings, "description", listing.description, ALLEGRO_TAGS
        ).strip()
        if not self.require(
            listing,
            findings,
            (name, "name", "empty_title", "name is empty after cleaning"),
            (
                category,
                "category",
                "missing_category",
                missing_category_message("Allegro", listing.market, listing.categories),
            ),
            (listing.image_links, "images", "missing_image_link", "Allegro needs an image"),
            (description, "description", "empty_description", "Allegro needs a description"),
            gtin_field="productSet",
        ):
            return findings
        price = selling_price(listing, self.context.run_at)
        offer: dict[str, Any] = {
            "external": {"id": listing.sku},
            "name": name,
            "category": {"id": category},
            "images": list(listing.image_links[:16]),
            "description": {"sections": [{"items": [{"type": "TEXT", "content": description}]}]},
            "sellingMode": {
                "format": "BUY_NOW",
                "price": {"amount": str(price.amount), "currency": price.currency},
            },
            "language": "pl-PL",
        }
        if listing.gtin:
            offer["productSet"] = [{"product": {"id": listing.gtin, "idType": "GTIN"}}]
        if self.breaks_schema(listing, findings, SCHEMA, offer, what="offer", whose="Allegro's"):
            return findings
        text = dumps(offer)  # serialized once: hashed, then written
        self.context.checked.add(text_hash(text))
        self.stream.write((text + "\n").encode())
        self.items_written += 1
        return findings

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        return json_lines_problems(path, SCHEMA, known_good)
