"""The items of a Google feed file (`feeds.google`, RSS 2.0 with the ``g:`` namespace) as
the Merchant API's product inputs, for uploads by API.

The file the writer produced is what is sent, whatever the delivery: each ``<item>`` is
read back with lxml and becomes a ``ProductInput`` in the Merchant API's JSON form
(Products v1 discovery document, revision 20251115: ``ProductInput``,
``ProductAttributes`` and the types they use; the names below are its camelCase ones).
The feed's attribute names are Google's product data specification's in snake_case
(support.google.com/merchants/answer/7052112), which the Merchant API writes in
camelCase ("All fields in the product input ... match the English name of their
corresponding attribute in the Products Data Specification", ``ProductInput``'s
description). How each is written:

- text attributes as they are (``g:title`` -> ``title``); repeated ones as lists
  (``g:additional_image_link`` -> ``additionalImageLinks``, ``g:gtin`` -> ``gtins``,
  ``g:product_type`` -> ``productTypes``, ``g:product_highlight`` ->
  ``productHighlights``, ``g:promotion_id`` -> ``promotionIds``);
- closed value sets as the API's enum names (``in_stock`` -> ``IN_STOCK``);
- prices (``24.90 EUR``) as ``Price`` (``amountMicros``, a string of an int64, and
  ``currencyCode``), computed in `decimal.Decimal`;
- ``g:sale_price_effective_date`` (``start/end`` in ISO 8601) as an ``Interval`` of two
  RFC 3339 times in UTC;
- ``g:shipping_weight``, ``g:unit_pricing_measure``, ``g:unit_pricing_base_measure``
  (``430 g``) as their ``{value, unit}`` types; ``g:shipping`` and ``g:certification``
  as their types' objects;
- ``g:identifier_exists`` ``no`` as ``identifierExists: false``;
- an attribute with no typed field as a ``customAttributes`` entry (the API's "generic
  form" of any attribute of the data specification).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from lxml import etree

    from schemas.config.channels.google import FeedTarget
    from transforms.infra.storage import StoragePath

MICROS = Decimal(1_000_000)

TEXT = {
    "title": "title",
    "description": "description",
    "link": "link",
    "mobile_link": "mobileLink",
    "image_link": "imageLink",
    "brand": "brand",
    "mpn": "mpn",
    "google_product_category": "googleProductCategory",
    "color": "color",
    "material": "material",
    "pattern": "pattern",
    "size": "size",
    "item_group_id": "itemGroupId",
    **{f"custom_label_{n}": f"customLabel{n}" for n in range(5)},
}
"""Feed attribute -> ``ProductAttributes`` string property."""

REPEATED = {
    "additional_image_link": "additionalImageLinks",
    "gtin": "gtins",
    "product_type": "productTypes",
    "product_highlight": "productHighlights",
    "promotion_id": "promotionIds",
}
"""Feed attribute (may repeat) -> ``ProductAttributes`` list of strings."""

ENUMS = {
    "availability": "availability",
    "condition": "condition",
    "gender": "gender",
    "age_group": "ageGroup",
    "size_system": "sizeSystem",
}
"""Feed attribute -> ``ProductAttributes`` enum property; the feed's value in upper case
is the enum's name (``in_stock`` -> ``IN_STOCK``, ``new`` -> ``NEW``)."""

PRICES = {"price": "price", "sale_price": "salePrice"}

MEASURES = {
    "shipping_weight": ("shippingWeight", float),
    "unit_pricing_measure": ("unitPricingMeasure", float),
    "unit_pricing_base_measure": ("unitPricingBaseMeasure", str),
}
"""Feed attribute ``<number> <unit>`` -> its property and how its value is written
(``UnitPricingBaseMeasure.value`` is an int64, a string in JSON; the others doubles)."""

CERTIFICATION = {
    "certification_authority": "certificationAuthority",
    "certification_name": "certificationName",
    "certification_code": "certificationCode",
    "certification_value": "certificationValue",
}
SHIPPING = {"country": "country", "service": "service", "region": "region"}


class FeedItemError(ValueError):
    """An item of the file the Merchant API cannot take as it is (a malformed price)."""


@dataclass(frozen=True, slots=True)
class FeedProduct:
    """One item of the feed as a product input.

    Attributes:
        offer_id: Its ``g:id``.
        body: The ``ProductInput`` in the Merchant API's JSON form.
    """

    offer_id: str
    body: dict[str, Any]

    def body_json(self) -> str:
        """The body as JSON text (what ``ProductInput.from_json`` reads)."""
        return json.dumps(self.body, ensure_ascii=False)


def price(text: str) -> dict[str, str]:
    """A feed price as the Merchant API's ``Price``.

    >>> price("24.90 EUR")
    {'amountMicros': '24900000', 'currencyCode': 'EUR'}
    >>> price("1290 SEK")
    {'amountMicros': '1290000000', 'currencyCode': 'SEK'}
    """
    amount, _, currency = text.strip().partition(" ")
    micros = Decimal(amount) * MICROS
    if micros != micros.to_integral_value() or not currency:
        raise FeedItemError(f"price {text!r} is not '<amount> <currency>' to the micro")
    return {"amountMicros": str(int(micros)), "currencyCode": currency.strip()}


def interval(text: str) -> dict[str, str]:
    """A feed date range (``start/end``, ISO 8601 with an offset) as an ``Interval``.

    >>> interval("2027-02-28T23:00+0000/2027-03-31T21:59+0000")
    {'startTime': '2027-02-28T23:00:00Z', 'endTime': '2027-03-31T21:59:00Z'}
    """
    start, _, end = text.strip().partition("/")
    times = []
    for part in (start, end):
        moment = datetime.fromisoformat(part)
        if moment.tzinfo is None:
            raise FeedItemError(f"date range {text!r} has a time without its offset")
        times.append(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return {"startTime": times[0], "endTime": times[1]}


def measure(text: str, kind: type) -> dict[str, Any]:
    """``430 g`` as ``{"value": 430.0, "unit": "g"}`` (``kind`` str: the value as a
    string, an int64 in JSON).

    >>> measure("430 g", float)
    {'value': 430.0, 'unit': 'g'}
    >>> measure("100 ml", str)
    {'value': '100', 'unit': 'ml'}
    """
    value, _, unit = text.strip().partition(" ")
    number = Decimal(value)
    if kind is str:
        return {"value": str(int(number)), "unit": unit.strip()}
    return {"value": float(number), "unit": unit.strip()}


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def product_input(item: etree._Element, target: FeedTarget) -> FeedProduct:
    """One ``<item>`` as a product input filed under ``target``.

    Raises:
        FeedItemError: naming the item and what cannot be sent.
    """
    attributes: dict[str, Any] = {}
    custom: list[dict[str, Any]] = []
    offer_id = ""
    for child in item:
        if not isinstance(child.tag, str):
            continue
        name, text = _local(child), (child.text or "").strip()
        try:
            if name == "id":
                offer_id = text
            elif name in TEXT:
                attributes[TEXT[name]] = child.text or ""
            elif name in REPEATED:
                attributes.setdefault(REPEATED[name], []).append(text)
            elif name in ENUMS:
                attributes[ENUMS[name]] = text.upper()
            elif name in PRICES:
                attributes[PRICES[name]] = price(text)
            elif name == "sale_price_effective_date":
                attributes["salePriceEffectiveDate"] = interval(text)
            elif name in MEASURES:
                field, kind = MEASURES[name]
                attributes[field] = measure(text, kind)
            elif name == "identifier_exists":
                attributes["identifierExists"] = text.lower() not in ("no", "false")
            elif name == "shipping":
                attributes.setdefault("shipping", []).append(_shipping(child))
            elif name == "certification":
                attributes.setdefault("certifications", []).append(_certification(child))
            else:
                custom.append({"name": name, "value": text})
        except (ValueError, ArithmeticError) as error:
            raise FeedItemError(f"item {offer_id or '?'}: g:{name}: {error}") from None
    if not offer_id:
        raise FeedItemError("an item has no g:id")
    body: dict[str, Any] = {
        "offerId": offer_id,
        "contentLanguage": target.content_language,
        "feedLabel": target.feed_label,
        "productAttributes": attributes,
    }
    if custom:
        body["customAttributes"] = custom
    return FeedProduct(offer_id, body)


def _shipping(element: etree._Element) -> dict[str, Any]:
    shipping: dict[str, Any] = {}
    for part in element:
        name, text = _local(part), (part.text or "").strip()
        if name == "price":
            shipping["price"] = price(text)
        elif name in SHIPPING:
            shipping[SHIPPING[name]] = text
        else:
            raise FeedItemError(f"g:shipping has g:{name}, which the Merchant API has not")
    return shipping


def _certification(element: etree._Element) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in element:
        name, text = _local(part), (part.text or "").strip()
        if name not in CERTIFICATION:
            raise FeedItemError(f"g:certification has g:{name}, which the Merchant API has not")
        # authority and name are enums of the API (``EC``, ``EPREL``); the code is text
        found[CERTIFICATION[name]] = text if name == "certification_code" else text.upper()
    return found


def feed_products(path: StoragePath | Path, target: FeedTarget) -> Iterator[FeedProduct]:
    """Every item of the Google feed file at ``path``, in the file's order, as product
    inputs filed under ``target``; read item by item (a feed of any size)."""
    from lxml import etree

    with path.open("rb") as stream:
        for _, item in etree.iterparse(stream, tag="item"):
            yield product_input(item, target)
            item.clear()


def feed_skus(path: StoragePath | Path) -> list[str]:
    """The ``g:id`` of every item of a Google feed file (`feeds.google`), in order."""
    from lxml import etree

    from feeds.google import G_NS

    skus: list[str] = []
    with path.open("rb") as stream:
        for _, element in etree.iterparse(stream, tag=f"{{{G_NS}}}id"):
            skus.append((element.text or "").strip())
            element.clear()
    return skus
