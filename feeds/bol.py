"""bol.com (NL, BE) offers as JSON Lines: one ``POST /retailer/offers`` body per line.

bol's Offers API v11 (offers-v11.yaml 11.3-11.5, media type
``application/vnd.retailer.v11+json``; the v10 create-offer call, with its
``deliveryCode``, is deprecated) takes per offer:

- ``ean``, here always the 13-digit EAN (`schemas.gtin.as_gtin13`), checked against
  GS1's check digit: bol sells by EAN, an item without a valid one is left out;
- ``condition`` ``{"category": "NEW"}`` (the catalog sells new goods), ``reference``
  (our SKU, at most 100 characters) and ``onHoldByRetailer`` false;
- ``unknownProductTitle``, the title bol shows only while it has no content for the
  EAN, at most 500 characters;
- ``pricing.bundlePrices``: one price for one unit, in EUR including VAT, 1 to
  9999 with 2 decimals (bol's offers have no currency field: a market that does
  not price in EUR, or prices net, is refused when the writer starts);
- ``countryAvailabilities`` NL and/or BE: bol keeps one offer per EAN and condition
  for both countries, so one market publishes it for the channel's ``countries``;
- ``fulfilment`` by the retailer (FBR) with the configured ``delivery_promise``;
- ``stock``: the catalog's count, else the channel's ``default_quantity`` for an
  in-stock product, 0 out of stock; ``managedByRetailer`` true, because the
  amount is the count at this run and only later orders should be taken off it;
- ``economicOperatorId``: the id bol.com gave the economic operator that answers for the
  product in the EU (offers-v11.yaml, ``CreateOfferRequest.economicOperatorId``: "an
  identifier referring to the Economic operator entity (manufacturer, authorized party,
  importer, distributor ...)"; bol keeps offers without a valid one off sale since
  1 February 2025). That operator is the product's manufacturer when it is established in
  the EU, else its EU responsible person, else its importer in the EU
  (`schemas.config.operators.ProductOperators.responsible_in_eu`), and the id is its
  ``bol_economic_operator_id`` in ``[operators.<id>]``; failing that, the channel's
  ``economic_operator_id`` (one operator for all the merchant's offers). Without either the
  listing is set aside (``bol_economic_operator_missing``) rather than sent to be kept off
  sale; without any manufacturer it is set aside by the GPSR rule
  (`feeds.contract.FeedWriter.check_gpsr_operators`).

Sources: bol's offers-v11.yaml and its v11 offer use-case guide
(api.bol.com/retailer/public/Retailer-API/v11/functional/offer-api/), see
``schemas/feeds/bol_offer.schema.json``; ../shared/DOMAIN.md: "EAN, condition, EUR only".

Sales: ``unitPrice`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends.
bol's offer has no strike or former price: ``pricing`` holds ``bundlePrices`` (quantity
and unit price) only (offers-v11.yaml, above), so nothing of the sale's reference is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.checks import json_lines_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import dumps, text_hash
from feeds.sales import selling_price
from schemas.config.channels.bol import BolChannel
from schemas.gtin import as_gtin13
from schemas.product import IMPORTER_ID, MANUFACTURER_ID, RESPONSIBLE_PERSON_ID

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

SCHEMA = "bol_offer"
TITLE_LIMIT = 500
"""``unknownProductTitle`` (offers-v11.yaml ``maxLength: 500``)."""
COUNTRIES = frozenset({"NL", "BE"})
"""Countries an offer can be for sale in (offers-v11.yaml ``CountryCode``)."""
LOWEST_PRICE = Decimal("1.00")
HIGHEST_PRICE = Decimal("9999.00")
"""bol's bounds of ``unitPrice`` in EUR (offers-v11.yaml ``minimum: 1``, ``maximum: 9999``)."""


class BolOffers(FeedWriter):
    """Writes one market's bol.com offers."""

    spec = FeedSpec(
        name="bol",
        extension="jsonl",
        media_type="application/x-ndjson",
        description="bol.com Offers API v11 create-offer bodies (JSON Lines)",
    )

    def write_header(self) -> None:
        """Check what holds for the whole file: EUR gross prices, countries bol serves and
        a delivery promise.

        Raises:
            ValueError: naming the market and what it lacks.
        """
        market = self.market
        if market.currency != "EUR":
            raise ValueError(
                f"market {market.code}: bol.com takes prices in EUR only, and this market "
                f"prices in {market.currency}"
            )
        if not market.prices_include_vat:
            raise ValueError(
                f"market {market.code}: bol.com prices include VAT, and this market's are net"
            )
        settings = self.settings_as(BolChannel)
        if settings is None or settings.delivery_promise is None:
            raise ValueError(
                f"market {market.code}: bol.com offers need a delivery promise; give "
                "[channels.bol] a delivery_promise"
            )
        self.settings: BolChannel = settings
        countries = list(settings.countries or [market.country])
        outside = [c for c in [market.country, *countries] if c not in COUNTRIES]
        if outside:
            raise ValueError(
                f"market {market.code}: bol.com sells in {', '.join(sorted(COUNTRIES))} only, "
                f"not in {', '.join(sorted(set(outside)))}"
            )
        promise = settings.delivery_promise
        fulfilment: dict[str, Any] = {"method": "FBR", "schedule": promise.schedule}
        if promise.minimum_days is not None:
            fulfilment["deliveryPromise"] = {
                "minimumDaysToCustomer": promise.minimum_days,
                "maximumDaysToCustomer": promise.maximum_days,
            }
            if promise.ultimate_order_time:
                fulfilment["deliveryPromise"]["ultimateOrderTime"] = promise.ultimate_order_time
        self._fulfilment = fulfilment
        self._countries = [{"countryCode": c} for c in dict.fromkeys(countries)]
        self._operator_ids: dict[tuple[str | None, ...], tuple[str | None, str]] = {}

    def write_footer(self) -> None:
        pass

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        title = self.title(listing, findings, "unknownProductTitle", TITLE_LIMIT)
        if not self.require(
            listing,
            findings,
            (listing.gtin, "ean", "missing_gtin", "bol.com sells by EAN, and the product has none"),
            gtin_field="ean",
        ):
            return findings
        ean = as_gtin13(listing.gtin or "")
        if ean is None:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "ean",
                    "invalid_gtin",
                    "GTIN is a GTIN-14 of a packaging level, not an EAN of the item",
                    listing.gtin,
                )
            )
            return findings
        price = selling_price(listing, self.context.run_at)
        if price.currency != "EUR" or not LOWEST_PRICE <= price.amount <= HIGHEST_PRICE:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "pricing.bundlePrices",
                    "price_out_of_range",
                    f"bol.com takes prices from {LOWEST_PRICE} to {HIGHEST_PRICE} EUR",
                    f"{price.amount} {price.currency}",
                )
            )
            return findings
        operator_id, missing = self._economic_operator(listing)
        if operator_id is None:
            findings.append(
                self.finding(
                    listing, "error", "economicOperatorId", "bol_economic_operator_missing", missing
                )
            )
            return findings
        offer: dict[str, Any] = {"ean": ean, "reference": listing.sku, "onHoldByRetailer": False}
        if title:
            offer["unknownProductTitle"] = title
        offer["economicOperatorId"] = operator_id
        offer |= {
            "condition": {"category": "NEW"},
            "pricing": {"bundlePrices": [{"quantity": 1, "unitPrice": price.amount}]},
            "countryAvailabilities": self._countries,
            "fulfilment": self._fulfilment,
            "stock": {"amount": self._stock(listing), "managedByRetailer": True},
        }
        if self.breaks_schema(listing, findings, SCHEMA, offer, what="offer", whose="bol.com's"):
            return findings
        text = dumps(offer)  # serialized once: hashed, then written
        self.context.checked.add(text_hash(text))
        self.stream.write((text + "\n").encode())
        self.items_written += 1
        return findings

    def _economic_operator(self, listing: Listing) -> tuple[str | None, str]:
        """bol's id of the operator answering for the listing in the EU, else None and
        what to add where; worked out once per brand and operator attributes."""
        attributes = listing.attributes
        key = (
            listing.brand,
            attributes.get(MANUFACTURER_ID),
            attributes.get(RESPONSIBLE_PERSON_ID),
            attributes.get(IMPORTER_ID),
        )
        known = self._operator_ids.get(key)
        if known is None:
            known = self._operator_ids[key] = self._find_economic_operator(listing)
        return known

    def _find_economic_operator(self, listing: Listing) -> tuple[str | None, str]:
        found = self.market.operators.resolve(listing.attributes, listing.brand)
        responsible = found.responsible_in_eu()
        if responsible is not None and responsible[1].bol_economic_operator_id:
            return responsible[1].bol_economic_operator_id, ""
        if self.settings.economic_operator_id:
            return self.settings.economic_operator_id, ""
        if responsible is not None:
            where = (
                f"add bol_economic_operator_id to [operators.{responsible[0]}] "
                f"({responsible[1].name})"
            )
        else:
            where = (
                "name an operator established in the EU (manufacturer_id, "
                "responsible_person_id or importer_id) with a bol_economic_operator_id"
            )
        return None, (
            "bol.com keeps offers without a valid economic operator off sale (EU product "
            f"law, since 1 February 2025): {where}, or give [channels.bol] an "
            "economic_operator_id for all offers"
        )

    def _stock(self, listing: Listing) -> int:
        """Units offered: none out of stock, else the catalog's count or the default."""
        if listing.availability == "out_of_stock":
            return 0
        if listing.quantity is not None:
            return listing.quantity
        return self.settings.default_quantity if listing.availability == "in_stock" else 0

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        return json_lines_problems(path, SCHEMA, known_good)
