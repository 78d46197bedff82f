"""Kaufland marketplace CSV (DE, CZ, SK, PL): ``;``-separated, UTF-8, price in cents.

Per ../shared/DOMAIN.md: one ``locale`` column, prices in cents of the market's
currency, repeated columns for several values (``picture`` up to five times).
RFC 4180 quoting; formula-looking cells are neutralised.

``category`` is the storefront's own category, in its language: kaufland.de, .pl,
.cz and .sk each show their tree in their language
(`schemas.categories.PER_MARKET_CHANNELS`), so a market without one in the mapping
has its listings set aside rather than sent under another storefront's name.

No unit-price (Grundpreis) column yet: Kaufland's product file has no fixed
base-price column this project could verify; content and unit, where Kaufland takes
them, are among its category-specific attributes (kaufland.de/i/product-data, "The
Right Attributes"), whose technical names are unchecked, and a guessed column would be
ignored or rejected. Add them from that list, fed by the listing's unit price.

**EU product law** (GPSR, Regulation (EU) 2023/988, Art. 19): Kaufland hides products
without the manufacturer's name and postal or electronic address (for a manufacturer
outside the EU, the EU responsible person's) and the product's safety information
(kauflandglobalmarketplace.com, Seller University, "General Product Safety Regulation
(GPSR)", read December 2026). That page and the product-data pages name what must be
provided, but no technical attribute names for it in the product data file or the
Marketplace Seller API v2 could be found in a published source (searched December 2026:
Kaufland's Seller University pages on GPSR, product data and mandatory attributes, the
Seller API documentation and public clients of it). So this file carries no GPSR column:
a guessed one would be ignored or rejected. What is done: in an EU market a listing
without its manufacturer (or EU responsible person) is set aside before publishing
(`feeds.contract.FeedWriter.check_gpsr_operators`), and the ``manufacturer`` column (one
of the six attributes Kaufland requires in every category: ean, category, title,
description, manufacturer, picture) carries the brand as before. Add the GPSR columns once
Kaufland's attribute list (its "Mandatory attributes per category" download) names them,
from ``[operators.<id>]`` (`schemas.config.operators`).

Sales: ``price_cent`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends.
No strike price is sent: neither DOMAIN.md's account of Kaufland's file nor
../shared/reference has a former-price column, and no published Kaufland specification
with one could be read (2026-12); a guessed column would be ignored or rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feeds.checks import Column
from feeds.contract import FeedSpec
from feeds.csvfeed import CsvFeedWriter
from feeds.sales import selling_price
from schemas.categories import first_mapped, missing_category_message
from transforms.pricing.money import minor_unit_exponent

if TYPE_CHECKING:
    from schemas.findings import Finding
    from schemas.listing import Listing

PICTURES = 5
TITLE_LIMIT = 250
DESCRIPTION_LIMIT = 4000


class KauflandFeed(CsvFeedWriter):
    """Writes one market's Kaufland product CSV."""

    spec = FeedSpec(
        name="kaufland",
        extension="csv",
        media_type="text/csv",
        description="Kaufland marketplace product CSV (;-separated, price in cents)",
    )
    delimiter = ";"
    columns = (
        Column("id_offer", required=True, max_length=100),
        Column("ean", required=True),
        Column("locale", required=True),
        Column("title", required=True, max_length=TITLE_LIMIT),
        Column("description", required=True, max_length=DESCRIPTION_LIMIT),
        Column("category", required=True),
        Column("manufacturer", required=True),
        Column("price_cent", required=True, digits_only=True),
        Column("currency", required=True),
        *(Column("picture", required=n == 0) for n in range(PICTURES)),
    )

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        title = self.title(listing, findings, "title", TITLE_LIMIT)
        description = self.cut(
            listing, findings, "description", listing.description, DESCRIPTION_LIMIT
        )
        brand = self.plain(listing, findings, "manufacturer", listing.brand or "")
        category = first_mapped(listing.categories, dict(self.context.categories))
        if not self.require(
            listing,
            findings,
            (title, "title", "empty_title", "title is empty after cleaning"),
            (description, "description", "empty_description", "Kaufland needs a description"),
            (listing.gtin, "ean", "missing_gtin", "Kaufland lists products by EAN"),
            (brand, "manufacturer", "missing_brand", "Kaufland needs the manufacturer"),
            (
                category,
                "category",
                "missing_category",
                missing_category_message("Kaufland", listing.market, listing.categories),
            ),
            (listing.image_links, "picture", "missing_image_link", "Kaufland needs a picture"),
            gtin_field="ean",
        ):
            return findings
        price = selling_price(listing, self.context.run_at)
        cents = int(price.amount / minor_unit_exponent(price.currency))
        pictures = list(listing.image_links[:PICTURES]) + [""] * PICTURES
        self.write_row(
            [
                listing.sku,
                listing.gtin,
                listing.locale.replace("_", "-"),
                title,
                description,
                category,
                brand,
                cents,
                price.currency,
                *pictures[:PICTURES],
            ]
        )
        return findings
