"""The lines of an ``ebay.jsonl`` file (`feeds.ebay`): a bulk call, an inventory item
group, a batch of offers or deletions each, checked before anything is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pipeline.delivery.outcome import DeliveryError

if TYPE_CHECKING:
    from collections.abc import Mapping

BATCH = 25
"""Most items eBay takes in one bulk call, and most offers in one bulkCreateOffer or
bulkPublishOffer call."""


@dataclass(slots=True)
class Line:
    """One line of the file: a bulk call (``requests``), an inventory item group (``key``,
    its ``variantSKUs`` in ``skus``), offers (``offers``, their skus in ``skus``), the
    publishing of a group (``key``, its variants in ``skus``) or deletions (``skus``)."""

    index: int
    kind: Literal["bulk", "group", "offers", "publish", "delete"]
    marketplace_id: str | None
    skus: list[str]
    content_language: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    """The inventory item group's key (``group`` lines)."""
    offers: list[dict[str, Any]] = field(default_factory=list)
    """The ``EbayOfferDetailsWithKeys`` of an ``offers`` line, in the order of ``skus``."""
    publish: bool = False
    """Whether an ``offers`` line's offers are published once created or updated."""

    def where(self) -> str:
        """``line 2 (skus A .. B)``: for messages (lines counted from 1)."""
        if self.kind in ("group", "publish"):
            return f"line {self.index + 1} (group {self.key})"
        if not self.skus:
            return f"line {self.index + 1}"
        if len(self.skus) == 1:
            return f"line {self.index + 1} (sku {self.skus[0]})"
        return f"line {self.index + 1} (skus {self.skus[0]} .. {self.skus[-1]})"


def parse_line(index: int, text: str) -> Line | None:
    """The line at ``index``; None for a blank line."""
    if not text.strip():
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DeliveryError(f"line {index + 1} of the eBay file is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise DeliveryError(f"line {index + 1} of the eBay file is not a JSON object.")
    marketplace = document.get("marketplaceId")
    marketplace_id = str(marketplace) if marketplace else None
    if "deleteInventoryItems" in document:
        skus = document["deleteInventoryItems"]
        if not isinstance(skus, list) or not all(isinstance(s, str) and s for s in skus):
            raise DeliveryError(
                f"line {index + 1} of the eBay file: deleteInventoryItems is not a list of skus."
            )
        return Line(index, "delete", marketplace_id, list(skus))
    if "inventoryItemGroup" in document:
        return _parse_group(index, document, marketplace_id)
    if "offers" in document:
        return _parse_offers(index, document, marketplace_id)
    if "publishInventoryItemGroup" in document:
        key = document["publishInventoryItemGroup"]
        variants = document.get("variantSKUs")
        if (
            not isinstance(key, str)
            or not key
            or not marketplace_id
            or not isinstance(variants, list)
            or not all(isinstance(v, str) and v for v in variants)
        ):
            raise DeliveryError(
                f"line {index + 1} of the eBay file: publishInventoryItemGroup needs a group "
                "key, its variantSKUs and a marketplaceId."
            )
        return Line(index, "publish", marketplace_id, list(variants), key=key)
    body = document.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise DeliveryError(
            f"line {index + 1} of the eBay file has neither body.requests nor deleteInventoryItems."
        )
    items: list[Any] = body["requests"]
    skus = [str(item.get("sku", "")) if isinstance(item, dict) else "" for item in items]
    language = str(document.get("contentLanguage") or "")
    line = Line(index, "bulk", marketplace_id, skus, language, body)
    if len(items) > BATCH:
        raise DeliveryError(
            f"{line.where()} of the eBay file has {len(items)} inventory items, more than "
            f"the {BATCH} a bulk call takes; it was not sent."
        )
    if not items or not all(skus):
        raise DeliveryError(f"{line.where()} of the eBay file has no items, or one without a sku.")
    if not line.content_language:
        raise DeliveryError(
            f"{line.where()} of the eBay file has no contentLanguage; eBay needs it as "
            "the call's Content-Language."
        )
    return line


def _parse_group(index: int, document: Mapping[str, Any], marketplace_id: str | None) -> Line:
    """A line of one inventory item group."""
    key = document.get("inventoryItemGroupKey")
    body = document["inventoryItemGroup"]
    if not isinstance(key, str) or not key or not isinstance(body, dict):
        raise DeliveryError(
            f"line {index + 1} of the eBay file has an inventoryItemGroup without an "
            "inventoryItemGroupKey, or one that is not an object."
        )
    variants = body.get("variantSKUs")
    if not isinstance(variants, list) or not all(isinstance(s, str) and s for s in variants):
        raise DeliveryError(
            f"line {index + 1} of the eBay file: the variantSKUs of group {key} are not a "
            "list of skus."
        )
    language = str(document.get("contentLanguage") or "")
    line = Line(index, "group", marketplace_id, list(variants), language, body, key)
    if not language:
        raise DeliveryError(
            f"{line.where()} of the eBay file has no contentLanguage; eBay needs it as "
            "the call's Content-Language."
        )
    return line


def _parse_offers(index: int, document: Mapping[str, Any], marketplace_id: str | None) -> Line:
    """A line of at most 25 offers for the line's marketplace."""
    offers = document["offers"]
    if (
        not isinstance(offers, list)
        or not offers
        or not all(isinstance(o, dict) and isinstance(o.get("sku"), str) for o in offers)
        or not all(o["sku"] for o in offers)
    ):
        raise DeliveryError(
            f"line {index + 1} of the eBay file: offers is not a list of offers with a sku."
        )
    skus = [str(o["sku"]) for o in offers]
    language = str(document.get("contentLanguage") or "")
    line = Line(
        index,
        "offers",
        marketplace_id,
        skus,
        language,
        offers=list(offers),
        publish=document.get("publish") is True,
    )
    if len(offers) > BATCH:
        raise DeliveryError(
            f"{line.where()} of the eBay file has {len(offers)} offers, more than the "
            f"{BATCH} a bulkCreateOffer call takes; it was not sent."
        )
    if len(set(skus)) != len(skus) or not marketplace_id:
        raise DeliveryError(
            f"{line.where()} of the eBay file names a sku twice, or no marketplaceId."
        )
    if any(o.get("marketplaceId") != marketplace_id for o in offers):
        raise DeliveryError(
            f"{line.where()} of the eBay file has an offer for another marketplace than "
            f"{marketplace_id}."
        )
    if not language:
        raise DeliveryError(
            f"{line.where()} of the eBay file has no contentLanguage; eBay needs it as "
            "the call's Content-Language."
        )
    return line
