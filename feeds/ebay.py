"""eBay Inventory API: ``inventory_item`` documents for bulkCreateOrReplaceInventoryItem,
and each item's offer on the market's eBay site.

Rules (developer.ebay.com, Inventory API v1.17; ../shared/DOMAIN.md):

- one ``inventory_item`` per SKU: ``product.title`` at most 80 characters,
  ``product.description`` at most 4000 (HTML, restricted here to a safe subset),
  ``aspects`` (``{"Brand": ["..."]}``), ``brand`` and ``mpn`` at most 65, ``ean``
  as an array, ``imageUrls``, ``packageWeightAndSize`` with eBay's unit enums;
- at most 25 items per bulk call, sent with the market's ``Content-Language`` to
  its eBay marketplace;
- ``condition`` from the listing's (`CONDITIONS`);
- the variants of a product group (`schemas.listing.Listing.group`) are inventory items
  like any other, each with the values its group varies by as aspects (``{"Brand":
  ["Bergfink"], "Volume": ["18 l"], "Color": ["black"]}``, values as buyers of the
  locale read them, `feeds.titles.part_text`), and the group is one inventory item group
  (createOrReplaceInventoryItemGroup): a title, description and images shared by the
  variants, their shared aspects, ``variantSKUs`` and ``variesBy.specifications`` (each
  aspect the group varies by with its distinct values).

Aspect names are eBay's common English ones (`ASPECT_NAMES`) on every marketplace: the
names a category takes on a marketplace (``Farbe`` on EBAY_DE) come from eBay's Taxonomy
API (getItemAspectsForCategory), which the pipeline does not call, and English names are
what eBay maps for sellers that list across marketplaces.

The file is JSON Lines: each line is one bulk call, ``{"marketplaceId",
"contentLanguage", "body": {"requests": [...]}}``; then one line per inventory item group,
``{"marketplaceId", "contentLanguage", "inventoryItemGroupKey", "inventoryItemGroup":
{...}}`` (after all of its items: eBay takes a group only of items it holds); then the
offers, at most 25 to a line, ``{"marketplaceId", "contentLanguage", "offers": [...],
"publish": true}``, and one line per group to publish; last a line ``{"marketplaceId",
"deleteInventoryItems": [...]}`` lists SKUs to delete (products the last published feed
had and this run does not).

**Offers** (Sell Inventory API 1.18.2, ``EbayOfferDetailsWithKeys``, the contract in
``tests/contracts/ebay/``): one per item, ``sku``, ``marketplaceId`` and ``format``
(``FIXED_PRICE``) being the fields bulkCreateOffer always requires; ``listingDuration``
``GTC`` ("For fixed-price listings, this value must be set to GTC"); ``availableQuantity``
(the catalog's stock, else ``[channels.ebay] default_quantity`` when in stock, 0 out of
stock); ``categoryId`` from the category mapping (``config/categories.toml``, a listing
without one is set aside: eBay publishes no offer without a category);
``listingDescription`` (updateOffer requires it of a published offer); ``listingPolicies``
and ``merchantLocationKey`` from ``[channels.ebay]`` (the writer does not start without
them: eBay publishes no offer without them); ``pricingSummary.price`` in the market's
currency; and, in an EU market, the ``regulatory`` block, and on eBay France the
``extendedProducerResponsibility`` block (both below).
The offers of a group's variants are written with ``"publish": false`` (bulkPublishOffer
would list each variant on its own); after them a line ``{"marketplaceId",
"publishInventoryItemGroup": key, "variantSKUs": [...]}`` per group sent publishes the
group as one multiple-variation listing (publishOfferByInventoryItemGroup: "convert all
unpublished offers associated with an inventory item group into an active,
multiple-variation listing").

**EU product law**: in an EU market a listing without its GPSR manufacturer (or, for one
outside the EU, its EU responsible person) is set aside, and so is one in an energy-label
category without its class and EPREL number (`feeds.contract.FeedWriter.check_product_law`).
eBay takes these operators in ``regulatory`` (Sell Inventory API 1.18.2, type
``Regulatory``), which is a field of the *offer* (``EbayOfferDetailsWithKeys``:
createOffer, updateOffer), not of the inventory item this writer sends: `regulatory`
builds the block from the configured operators, with the energy label
(``energyEfficiencyLabel``) and France's repairability index (``repairScore``), and
`extended_producer_responsibility` the offer's eco-participation on eBay France, each
checked against that contract (``tests/contracts/ebay/``) and sent with the offer.

A group's line is written when any of its variants is in the file: on a delta run an
unchanged variant is not sent, but it stays in its group's ``variantSKUs`` (eBay replaces
the whole group). A group all of whose variants are unchanged is not sent again, and a
variant that left the catalog is deleted without its group being sent, unless another
of its variants changed (eBay takes a deleted item out of its group). The writer keeps
one small record per group (its skus and values, one variant's description) until the
footer: at a million products in groups of a few, that is far less than the items.

**Sales**: the offer's ``pricingSummary.price`` is what a buyer pays tonight
(`feeds.sales.selling_price`: a running sale's price, else the regular price; a sale
that starts later is published from the night it starts). No strike price is sent:
eBay's strike-through pricing (``originalRetailPrice`` with the STP treatment) is not
open to every seller: "Strikethrough Pricing and Minimum Advertised Price are restricted
to a limited number of existing sellers. They are no longer available to new sellers"
(developer.ebay.com, Trading API user guide, "Discount pricing", read 2026-12). eBay's own
sales (Markdown Manager, promotions) are set up in the seller's account, not in listing
data. The files state the price, so eBay keeps a price history and gets the prior-price
rules like every priced channel (`feeds.contract.FeedSpec.carries_price`).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.checks import schema_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import content_hash, dumps, text_hash
from feeds.sales import selling_price
from feeds.text import cut_at_word, plain_text, quantity_words
from feeds.titles import part_text
from schemas.categories import first_mapped, missing_category_message
from schemas.compliance import in_eu
from schemas.config.channels.ebay import EbayChannel
from schemas.gtin import gtin_problem
from transforms.measures.units import convert, ebay_measure

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.config.operators import Operator, Operators
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
"""Most items of a bulkCreateOrReplaceInventoryItem call, and most offers of a
bulkCreateOffer call ("up to 25", the contract)."""
OFFER_FORMAT = "FIXED_PRICE"
"""``FormatTypeEnum``: the offers are fixed-price listings."""
LISTING_DURATION = "GTC"
"""Good 'Til Cancelled: the one duration a fixed-price offer takes (the contract's
``listingDuration``)."""
OPERATOR_LIMITS = {
    "companyName": 100,
    "addressLine1": 180,
    "addressLine2": 180,
    "city": 64,
    "stateOrProvince": 64,
    "postalCode": 9,
    "email": 180,
    "phone": 64,
    "contactUrl": 250,
}
"""Longest value eBay takes per field of ``Manufacturer`` and ``ResponsiblePerson`` (the
contract's descriptions, Sell Inventory API 1.18.2)."""
RESPONSIBLE_PERSON_LIMIT = 5
"""``Regulatory.responsiblePersons``: at most five (the contract's description)."""
TITLE_LIMIT = 80
DESCRIPTION_LIMIT = 4000
NAME_LIMIT = 65
IMAGE_LIMIT = 24
"""Most images eBay takes for an inventory item (and, here, for a group)."""
ASPECT_NAME_LIMIT = 40
ASPECT_VALUE_LIMIT = 50
"""Most characters of a variation aspect's name and of each value (``Specification``)."""
CONDITIONS = {"new": "NEW", "used": "USED_EXCELLENT", "refurbished": "SELLER_REFURBISHED"}
"""eBay's ``ConditionEnum`` value for each `schemas.product.Condition`. Refurbished is the
seller's: ``CERTIFIED_REFURBISHED`` needs eBay's pre-qualification, and
``MANUFACTURER_REFURBISHED`` is no longer valid (Inventory API 1.13.0)."""
ASPECT_NAMES = {
    "color": "Color",
    "colour": "Color",
    "size": "Size",
    "clothing_size": "Size",
    "eu_shoes_size": "Size",
    "volume": "Volume",
    "net_content": "Volume",
    "weight": "Item Weight",
    "material": "Material",
    "pattern": "Pattern",
    "style": "Style",
}
"""eBay's common English aspect name of each catalog attribute a group varies by; any
other attribute by its code in words (`aspect_name`)."""
IMAGE_ASPECTS = ("color", "colour", "pattern")
"""Axes whose variants look different: the first of them a group varies by is its
``aspectsImageVariesBy``."""


def aspect_name(part: str) -> str:
    """eBay's aspect name for a catalog attribute a group varies by.

    >>> aspect_name("color"), aspect_name("eu_shoes_size"), aspect_name("handle_length")
    ('Color', 'Size', 'Handle Length')
    """
    name = ASPECT_NAMES.get(part) or part.replace("_", " ").replace("-", " ").title()
    return name[:ASPECT_NAME_LIMIT]


@dataclass(slots=True)
class _Group:
    """What the footer needs of one product group, gathered from its variants."""

    axes: tuple[str, ...]
    """The aspect names the group varies by, in the order of ``varies_by``."""
    first_title: str
    """The first variant's title: the group's when the titles share no first word."""
    title_words: list[str]
    """The words all its variants' titles start with."""
    description: str
    """The first variant's description."""
    image_axis: str | None
    images: list[str] = field(default_factory=list)
    """Each variant's main image, once."""
    aspects: dict[str, list[str]] | None = None
    """The aspects every variant has with the same values, less the varying ones."""
    values: dict[str, dict[str, None]] = field(default_factory=dict)
    """Each varying aspect's distinct values, in the order they came."""
    skus: list[str] = field(default_factory=list)
    sent: bool = False
    """Whether a variant of it is in the file (a delta run leaves unchanged ones out)."""

    def add(self, sku: str, product: dict[str, Any], sent: bool) -> None:
        """Take one variant (its ``product`` document as written)."""
        self.skus.append(sku)
        self.sent = self.sent or sent
        words = quantity_words(product["title"])
        common = 0
        for mine, theirs in zip(self.title_words, words, strict=False):
            if mine != theirs:
                break
            common += 1
        del self.title_words[common:]
        if product["imageUrls"][0] not in self.images and len(self.images) < IMAGE_LIMIT:
            self.images.append(product["imageUrls"][0])
        aspects: dict[str, list[str]] = product.get("aspects", {})
        for name in self.axes:
            for value in aspects.get(name, ()):
                self.values.setdefault(name, {})[value] = None
        shared = {k: v for k, v in aspects.items() if k not in self.axes}
        if self.aspects is None:
            self.aspects = shared
        else:
            self.aspects = {k: v for k, v in self.aspects.items() if shared.get(k) == v}

    def body(self) -> dict[str, Any]:
        """The ``InventoryItemGroup`` document (eBay's contract)."""
        title = " ".join(self.title_words).rstrip(" ,;:-–—/") or self.first_title
        body: dict[str, Any] = {"title": title, "description": self.description}
        if self.aspects:
            body["aspects"] = self.aspects
        body["imageUrls"] = self.images
        body["variantSKUs"] = self.skus
        varies: dict[str, Any] = {}
        if self.image_axis is not None and self.image_axis in self.values:
            varies["aspectsImageVariesBy"] = [self.image_axis]
        varies["specifications"] = [
            {"name": name, "values": list(self.values[name])}
            for name in self.axes
            if name in self.values
        ]
        body["variesBy"] = varies
        return body


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
        settings = self.settings_as(EbayChannel)
        missing = ["[channels.ebay]"] if settings is None else settings.missing_offer_settings()
        if settings is None or missing:
            raise ValueError(
                f"market {self.market.code}: eBay publishes no offer without the seller's "
                f"business policies and inventory location; give [channels.ebay] "
                f"{', '.join(missing)}"
            )
        self.settings: EbayChannel = settings
        self._offer_base: dict[str, Any] = {
            "listingPolicies": {
                "fulfillmentPolicyId": settings.fulfillment_policy_id,
                "paymentPolicyId": settings.payment_policy_id,
                "returnPolicyId": settings.return_policy_id,
            },
            "merchantLocationKey": settings.merchant_location_key,
        }
        self._offers: list[str] = []
        """The `dumps` texts of the offers of single items, in the order of their items."""
        self._variant_offers: list[str] = []
        """The offers of group variants (created and updated, not published one by one)."""
        self._pending: list[str] = []
        """The `dumps` texts of the items of the next bulk call."""
        self._deletions: list[str] = []
        self._groups: dict[str, _Group] = {}
        """The product groups of the items so far, by group key."""

    def write_footer(self) -> None:
        self._flush()
        language = self.market.locale.replace("_", "-")
        for key, group in self._groups.items():
            if not group.sent:
                continue
            line = {
                "marketplaceId": self.market_id,
                "contentLanguage": language,
                "inventoryItemGroupKey": key,
                "inventoryItemGroup": group.body(),
            }
            self.stream.write((dumps(line) + "\n").encode())
        sent = [(key, group.skus) for key, group in self._groups.items() if group.sent]
        self._groups = {}
        for offers, publish in ((self._offers, True), (self._variant_offers, False)):
            head = dumps(
                {"marketplaceId": self.market_id, "contentLanguage": language, "offers": []}
            ).removesuffix("[]}")
            tail = f',"publish":{"true" if publish else "false"}}}'
            for start in range(0, len(offers), BATCH):
                batch = ",".join(offers[start : start + BATCH])
                self.stream.write(f"{head}[{batch}]{tail}\n".encode())
        self._offers = []
        self._variant_offers = []
        for key, skus in sent:
            line = {
                "marketplaceId": self.market_id,
                "publishInventoryItemGroup": key,
                "variantSKUs": skus,
            }
            self.stream.write((dumps(line) + "\n").encode())
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
        grouped = bool(listing.group and listing.varies_by)
        if grouped:
            for part in listing.varies_by:
                value = part_text(listing, part)
                if value is None:
                    # eBay's rule, not a field our schema can see missing: each variant of
                    # a group has every aspect its specifications name.
                    findings.append(
                        self.finding(
                            listing,
                            "error",
                            "product.aspects",
                            "schema_invalid",
                            f"the item breaks eBay's rules: a variant of {listing.group} "
                            f"needs the {aspect_name(part)} ({part}) its group varies by",
                        )
                    )
                    continue
                aspects[aspect_name(part)] = [cut_at_word(value, ASPECT_VALUE_LIMIT)]
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
        product["imageUrls"] = list(listing.image_links[:IMAGE_LIMIT])
        item: dict[str, Any] = {
            "sku": listing.sku,
            "locale": self.market.locale,
            "condition": CONDITIONS[listing.condition],
            "product": product,
        }
        package = self._package(listing)
        if package:
            item["packageWeightAndSize"] = package
        self.check_product_law(listing, findings)
        offer = self._offer(listing, description, findings)
        if any(f.severity == "error" for f in findings):
            return findings
        text = dumps(item)  # serialized once: hashed, then written in its bulk call
        offer_text = dumps(offer)
        # An item is sent again when its offer changed (a price, a quantity), and so is
        # its offer when the item changed: one digest of both.
        digest = text_hash(f"{text}\n{offer_text}")
        previous = self.context.previous
        if previous is not None and previous.get(listing.sku) == digest:
            # Sent before exactly so, in a file that passed its check: nothing to send.
            self.context.hashes[listing.sku] = digest
            self.context.unchanged += 1
            if grouped:
                self._group(listing, product, sent=False)
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
        if self.breaks_schema(
            listing,
            findings,
            SCHEMA,
            offer,
            definition="offer",
            what="offer",
            whose="eBay's",
        ):
            return findings
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(text_hash(text))
        self.context.checked.add(text_hash(offer_text))
        self._pending.append(text)
        (self._variant_offers if grouped else self._offers).append(offer_text)
        self.items_written += 1
        if grouped:
            self._group(listing, product, sent=True)
        if len(self._pending) == BATCH:
            self._flush()
        return findings

    def _offer(self, listing: Listing, description: str, findings: list[Finding]) -> dict[str, Any]:
        """The item's ``EbayOfferDetailsWithKeys`` on this market's eBay site; a listing
        without an eBay category gets a ``missing_category`` error."""
        category = first_mapped(listing.categories, dict(self.context.categories))
        if category is None:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "categoryId",
                    "missing_category",
                    missing_category_message("eBay", listing.market, listing.categories),
                )
            )
        price = selling_price(listing, self.context.run_at)
        offer: dict[str, Any] = {
            "sku": listing.sku,
            "marketplaceId": self.market_id,
            "format": OFFER_FORMAT,
            "listingDuration": LISTING_DURATION,
            "availableQuantity": self._quantity(listing),
            "categoryId": category or "",
            "listingDescription": description,
            **self._offer_base,
            "pricingSummary": {"price": {"currency": price.currency, "value": str(price.amount)}},
        }
        # EU product law (GPSR, the energy label, France's index); markets outside the EU
        # keep their offers as before (issue #26: untouched unless a source says otherwise).
        block = regulatory(listing, self.market.operators) if in_eu(self.market.country) else None
        if block is not None:
            offer["regulatory"] = block
        epr = extended_producer_responsibility(listing, self.market)
        if epr is not None:
            offer["extendedProducerResponsibility"] = epr
        return offer

    def _quantity(self, listing: Listing) -> int:
        """Units offered: none out of stock, else the catalog's count or the default."""
        if listing.availability == "out_of_stock":
            return 0
        if listing.quantity is not None:
            return listing.quantity
        return self.settings.default_quantity if listing.availability == "in_stock" else 0

    def _group(self, listing: Listing, product: dict[str, Any], *, sent: bool) -> None:
        """Count the item in its product group."""
        assert listing.group is not None
        group = self._groups.get(listing.group)
        if group is None:
            image_axis = next((p for p in listing.varies_by if p in IMAGE_ASPECTS), None)
            group = self._groups[listing.group] = _Group(
                axes=tuple(dict.fromkeys(aspect_name(p) for p in listing.varies_by)),
                first_title=product["title"],
                title_words=quantity_words(product["title"]),
                description=product["description"],
                image_axis=None if image_axis is None else aspect_name(image_axis),
            )
        group.add(listing.sku, product, sent)

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
        """Every line against the schema; an item or offer the writer checked already
        (``known_good``) is not put through the schema again (see the contract). No bulk
        call may come after a group's or an offers line: eBay takes a group only of items
        it holds and an offer only for an item it holds, and the writer puts every group,
        then every offer, after every item."""
        problems: list[str] = []
        first_later: tuple[int, str] | None = None
        """The number of the first group or offers line, and what it is."""
        with path.open("rb") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    document = json.loads(line, parse_float=Decimal)
                except ValueError as exc:
                    return [f"line {number}: not JSON: {exc}"]
                body = document.get("body") if isinstance(document, dict) else None
                requests = body.get("requests") if isinstance(body, dict) else None
                offers = document.get("offers") if isinstance(document, dict) else None
                if isinstance(requests, list) and requests:
                    if len(requests) > BATCH:
                        problems.append(f"line {number}: {len(requests)} items, more than {BATCH}")
                    if first_later is not None:
                        problems.append(
                            f"line {number}: inventory items after the {first_later[1]} of "
                            f"line {first_later[0]}"
                        )
                    if known_good:
                        unknown = [r for r in requests if content_hash(r) not in known_good]
                        kept = {"requests": unknown or requests[:1]}
                        document = {**document, "body": {**document["body"], **kept}}
                elif isinstance(offers, list) and offers and known_good:
                    unknown = [o for o in offers if content_hash(o) not in known_good]
                    document = {**document, "offers": unknown or offers[:1]}
                if first_later is None and isinstance(document, dict):
                    if "inventoryItemGroup" in document:
                        first_later = (number, "group")
                    elif "offers" in document:
                        first_later = (number, "offers")
                problems += [f"line {number}: {p}" for p in schema_problems(SCHEMA, document)]
                if len(problems) >= 5:
                    break
        return problems[:5]


def _operator(operator: Operator) -> dict[str, str]:
    """One operator in eBay's ``Manufacturer`` / ``ResponsiblePerson`` fields."""
    address = operator.address
    values = {
        "companyName": operator.name,
        "addressLine1": address.street,
        "addressLine2": address.street_2,
        "city": address.city,
        "stateOrProvince": address.region,
        "postalCode": address.postal_code,
        "country": address.country,
        "email": operator.email,
        "phone": operator.phone,
        "contactUrl": operator.url,
    }
    return {
        key: value[: OPERATOR_LIMITS[key]] if key in OPERATOR_LIMITS else value
        for key, value in values.items()
        if value
    }


def regulatory(listing: Listing, operators: Operators) -> dict[str, Any] | None:
    """eBay's ``regulatory`` block of an offer for ``listing``: its GPSR manufacturer and
    EU responsible persons (the responsible person, else an importer in the EU, typed
    ``EUResponsiblePerson``, the one value the contract names), its EU energy label
    (``energyEfficiencyLabel``: a description of the class, and the label image and
    product information sheet URLs where the catalog has them, `schemas.energy`) and its
    French repairability index (``repairScore``, `schemas.epr.repairability_index`); None
    when the listing has none of these.

    Not mapped, and why: ``productSafety`` takes eBay's own pictogram and statement ids
    (Metadata API getProductSafetyLabels), not the catalog's warning texts; ``documents``
    takes ids of files uploaded through the Media API (createDocument), not URLs.
    """
    from schemas.compliance import in_eu
    from schemas.epr import repairability_index

    found = operators.resolve(listing.attributes, listing.brand)
    block: dict[str, Any] = {}
    if found.manufacturer is not None:
        block["manufacturer"] = _operator(found.manufacturer[1])
    persons = [
        {**_operator(candidate[1]), "types": ["EUResponsiblePerson"]}
        for candidate in (found.responsible_person, found.importer)
        if candidate is not None and in_eu(candidate[1].address.country)
    ]
    if persons:
        block["responsiblePersons"] = persons[:RESPONSIBLE_PERSON_LIMIT]
    label = _energy_efficiency_label(listing)
    if label:
        block["energyEfficiencyLabel"] = label
    score = repairability_index(listing.attributes)
    if score is not None:
        block["repairScore"] = score
    return block or None


def _energy_efficiency_label(listing: Listing) -> dict[str, str]:
    """``EnergyEfficiencyLabel``: ``imageDescription`` in the words of the contract's
    example ("On a scale of A to G the rating is E."), ``imageURL`` and
    ``productInformationSheet`` from the catalog's URLs; empty without a class."""
    from schemas.energy import ENERGY_LABEL_URL, PRODUCT_INFORMATION_SHEET_URL
    from schemas.product import safety_information

    energy_class = safety_information(listing.attributes).energy_class
    if energy_class is None:
        return {}
    # The rescaled labels run A to G; the older ones' scales differ by product group.
    if "+" in energy_class:
        description = f"The energy efficiency class is {energy_class}."
    else:
        description = f"On a scale of A to G the rating is {energy_class}."
    label = {"imageDescription": description}
    for key, attribute in (
        ("imageURL", ENERGY_LABEL_URL),
        ("productInformationSheet", PRODUCT_INFORMATION_SHEET_URL),
    ):
        url = listing.attributes.get(attribute, "").strip()
        if url.startswith(("https://", "http://")):
            label[key] = url
    return label


def extended_producer_responsibility(listing: Listing, market: Market) -> dict[str, Any] | None:
    """eBay's ``extendedProducerResponsibility`` of an offer for ``listing`` in ``market``:
    France's eco-participation (``ecoParticipationFee``, an ``Amount`` in euros) where the
    product carries one (`schemas.epr.eco_participation_fee`), on eBay France only; None
    otherwise. The container's EPR id fields are deprecated in Sell Inventory API 1.18.2
    (eBay France keeps the ids in the seller's account), so none is sent."""
    from schemas.epr import eco_participation_fee

    if market.country != "FR":
        return None
    fee = eco_participation_fee(listing.attributes)
    if fee is None:
        return None
    return {"ecoParticipationFee": {"currency": "EUR", "value": str(fee)}}
