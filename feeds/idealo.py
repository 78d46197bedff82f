"""idealo CSV offer feed, per idealo's CSV importer fields (idealo.github.io/csv-importer).

Columns: ``sku``, ``brand``, ``title``, ``categoryPath``, ``url``, ``eans``,
``price``, ``basePrice``, ``deliveryCosts_<carrier>``, ``deliveryTime``, ``imageUrls``
(several separated by ``;``) and ``description`` (plain text). Comma-separated,
RFC 4180, UTF-8; cells starting with ``=``, ``+``, ``-`` or ``@`` are neutralised.

``basePrice`` is the importer's price per unit (Grundpreis), which idealo requires of
offers under a unit-price obligation (goods sold by weight, volume, length or area;
PAngV 2022 § 4 f.). It is the listing's unit price from the same calculation as
Google's ``unit_pricing_*`` (`transforms.pricing.money.unit_price`: per 1 kg, 1 l, 1 m, 1 m²),
as the market's buyers read it (``75,00 €/kg``); empty for a product without one.
``categoryPath`` is the market's own idealo category: idealo's sites (idealo.de,
.at, .fr, ...) each have their own category tree (`schemas.categories.PER_MARKET_CHANNELS`).

``deliveryCosts_<carrier>`` is the cost of sending the one item: from the market's
shipping for ``idealo`` (`schemas.config.market.Market.shipping_for`; flat, free above an
amount, or by weight band) when it gives one, else ``[channels.idealo] delivery_cost``.
The column is required and idealo compares offers including it, so an item whose cost a
weight table cannot tell (no weight, heavier than the last band) is left out
(``shipping_unknown``) rather than listed with a guess.

Sales: ``price`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends;
the delivery cost follows it. No strike price is sent: idealo's own published importer
documentation (idealo.github.io/csv-importer, read 2026-12) shows no former-price field.
A ``formerPrice`` column appears only in a third-party connector's description of the
idealo format (jemel.lv, "Idealo connector: CSV export alternative"), which is not
idealo's contract, so none is written until idealo's documentation shows it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from feeds.checks import Column, csv_problems
from feeds.contract import FeedSpec
from feeds.csvfeed import CsvFeedWriter
from feeds.sales import selling_price
from schemas.categories import first_mapped, missing_category_message
from schemas.config.channels.idealo import IdealoChannel
from schemas.product import Money
from transforms.measures.units import KIND, convert, google_measure
from transforms.pricing.money import round_to_minor_units

if TYPE_CHECKING:
    from collections.abc import Collection
    from decimal import Decimal
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

TITLE_LIMIT = 255
DESCRIPTION_LIMIT = 1000


def _with_carrier(carrier: str) -> tuple[Column, ...]:
    """The columns with the carrier in the shipping-cost column's name (deliveryCosts_dhl)."""
    return tuple(
        Column(f"deliveryCosts_{carrier}", required=True) if c.name == "deliveryCosts" else c
        for c in IdealoFeed.columns
    )


class IdealoFeed(CsvFeedWriter):
    """Writes one market's idealo CSV file."""

    spec = FeedSpec(
        name="idealo",
        extension="csv",
        media_type="text/csv",
        description="idealo CSV offer feed (csv-importer fields)",
    )
    columns = (
        Column("sku", required=True, max_length=100),
        Column("brand", required=True),
        Column("title", required=True, max_length=TITLE_LIMIT),
        Column("categoryPath", required=True),
        Column("url", required=True),
        Column("eans"),
        Column("price", required=True),
        Column("basePrice"),
        Column("deliveryCosts", required=True),
        Column("deliveryTime", required=True),
        Column("imageUrls", required=True),
        Column("description", max_length=DESCRIPTION_LIMIT),
    )

    def write_header(self) -> None:
        self.settings = self.settings_as(IdealoChannel)
        carrier = self.settings.carrier if self.settings else "dhl"
        self.columns = _with_carrier(carrier)  # type: ignore[misc,assignment]
        super().write_header()

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        with path.open(encoding="utf-8") as stream:
            header = stream.readline()
        found = re.search(r"deliveryCosts_(\w+)", header)
        return csv_problems(path, _with_carrier(found.group(1) if found else "?"), cls.delimiter)

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        title = self.title(listing, findings, "title", TITLE_LIMIT)
        description = self.cut(
            listing, findings, "description", listing.description, DESCRIPTION_LIMIT
        )
        brand = self.plain(listing, findings, "brand", listing.brand or "")
        category = first_mapped(listing.categories, dict(self.context.categories))
        if not self.require(
            listing,
            findings,
            (title, "title", "empty_title", "title is empty after cleaning"),
            (brand, "brand", "missing_brand", "idealo requires a brand"),
            (
                category,
                "categoryPath",
                "missing_category",
                missing_category_message("idealo", listing.market, listing.categories),
            ),
            (listing.image_links, "imageUrls", "missing_image_link", "idealo needs an image"),
            gtin_field="eans",
        ):
            return findings
        channel = self.settings
        price = selling_price(listing, self.context.run_at).amount
        delivery_cost = self._delivery_cost(listing, findings, price)
        if delivery_cost is None:
            return findings
        self.write_row(
            [
                listing.sku,
                brand,
                title,
                category,
                listing.link,
                listing.gtin or "",
                price,
                # Babel's no-break space, as on the shop's pages; idealo shows the text as is.
                listing.unit_price_text or "",
                delivery_cost,
                channel.delivery_time if channel else "",
                ";".join(listing.image_links),
                description,
            ]
        )
        return findings

    def _delivery_cost(
        self, listing: Listing, findings: list[Finding], price: Decimal
    ) -> str | None:
        """The item's delivery cost as the column takes it (``4.90``); None, reported
        (``shipping_unknown``), when the market's weight table cannot tell it."""
        shipping = self.market.shipping_for("idealo")
        channel = self.settings
        if shipping is None or shipping.account:
            return f"{channel.delivery_cost if channel else 0:.2f}"
        weight = listing.weight
        weighed = weight is not None and KIND.get(weight.unit) == "mass"
        kilograms = convert(weight, "kg") if weight is not None and weighed else None
        cost = shipping.cost(price, None if kilograms is None else kilograms.value)
        if cost is not None:
            return str(round_to_minor_units(Money(cost, self.market.currency)).amount)
        reason = (
            f"the item has no weight and {shipping.service} charges by weight"
            if kilograms is None
            else f"{google_measure(kilograms)} is over the last weight band of "
            f"{shipping.service} ({shipping.weight_bands[-1].up_to_kg} kg)"
        )
        carrier = channel.carrier if channel else "dhl"
        findings.append(
            self.finding(
                listing,
                "error",
                f"deliveryCosts_{carrier}",
                "shipping_unknown",
                f"deliveryCosts_{carrier} left out: {reason}; idealo requires the delivery "
                "cost, so the item is left out",
                None if weight is None else google_measure(weight),
            )
        )
        return None
