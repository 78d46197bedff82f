"""A line of offers (`feeds.ebay`): find each sku's offer, create the new ones, update
the others, then publish them, with what eBay said of each sku.

The calls (Sell Inventory API 1.18.2, ``tests/contracts/ebay/``):

- ``getOffers`` (``GET /offer?sku=&marketplace_id=&format=``) per sku: its offer on the
  line's marketplace, if eBay holds one ("Only one offer (in unpublished or published
  state) may exist for each sku/marketplaceId/format combination", the contract's
  ``sku``); eBay answers 404 for a sku without offers;
- ``bulkCreateOffer`` for the skus without one, all in one call (a line holds at most
  25, as the call takes);
- ``updateOffer`` (``PUT /offer/{offerId}``) for each sku that has one: eBay has no bulk
  update, and the call replaces the whole offer, which the line's offer is
  (``EbayOfferDetailsWithId``: the offer less its keys ``sku``, ``marketplaceId`` and
  ``format``). A published offer's listing is revised by it;
- ``bulkPublishOffer`` of the offers still unpublished, when the line says ``publish``
  (a group's variants are not: `publish_group` publishes them, after them, as one
  multiple-variation listing with publishOfferByInventoryItemGroup).

The offer ids are checkpointed (``pending``) before the updates and the publishing: a
delivery that stops after bulkCreateOffer goes on from those ids, never creating an
offer twice. Even without that record it would not: the next try's getOffers finds the
offers eBay created.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from pipeline.delivery.ebay_inventory.calls import SkuResult, issues_of, send_json
from pipeline.delivery.ebay_inventory.client import answer_json, describe
from pipeline.delivery.outcome import CredentialsError, DeliveryError, MarketplaceIssue

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests

    from pipeline.delivery.ebay_inventory.calls import CallRecord
    from pipeline.delivery.ebay_inventory.client import Client
    from pipeline.delivery.ebay_inventory.lines import Line

OFFERS_PATH = "/sell/inventory/v1/offer"
OFFER_PATH = "/sell/inventory/v1/offer/{offer_id}"
CREATE_PATH = "/sell/inventory/v1/bulk_create_offer"
PUBLISH_PATH = "/sell/inventory/v1/bulk_publish_offer"
PUBLISH_GROUP_PATH = "/sell/inventory/v1/offer/publish_by_inventory_item_group"
KEYS = ("sku", "marketplaceId", "format")
"""The fields that name an offer (``EbayOfferDetailsWithKeys``), not in updateOffer's body."""


def _refused(answer: requests.Response, client: Client, what: str) -> None:
    """Raise for an answer no sku can be blamed for: 403, or a 5xx after the retries."""
    if answer.status_code == 403:
        raise CredentialsError(
            f"eBay did not let Airflow connection {client.credentials.conn_id!r} make "
            f"{what} (no sell.inventory access?): {client.scrub(describe(answer))}"
        )
    if answer.status_code >= 500:
        raise DeliveryError(f"eBay answered {what} with {client.scrub(describe(answer))}")


def _call_issues(sku: str, answer: requests.Response, client: Client) -> list[MarketplaceIssue]:
    """A refused call's errors, for ``sku``; an ``HTTP <status>`` issue when it names none."""
    document = answer_json(answer)
    errors = document.get("errors") if isinstance(document, dict) else None
    return issues_of(sku, "error", errors, client.scrub) or [
        MarketplaceIssue(
            sku, "error", f"HTTP {answer.status_code}", "", client.scrub(describe(answer))
        )
    ]


def find_offer(line: Line, sku: str, client: Client) -> tuple[str, str] | SkuResult | None:
    """getOffers: the sku's fixed-price offer on the line's marketplace as ``(offerId,
    status)``; None when eBay holds none; a refused `SkuResult` when eBay refused to say."""
    query = urlencode({"sku": sku, "marketplace_id": line.marketplace_id, "format": "FIXED_PRICE"})
    what = f"the offer look-up of sku {sku} ({line.where()})"
    answer = client.call(
        "GET", f"{client.base}{OFFERS_PATH}?{query}", {"Accept": "application/json"}, None, what
    )
    if answer.status_code == 404:
        return None
    _refused(answer, client, what)
    if answer.status_code != 200:
        return SkuResult(sku, False, answer.status_code, _call_issues(sku, answer, client))
    document = answer_json(answer)
    for offer in (document.get("offers") if isinstance(document, dict) else None) or []:
        if (
            isinstance(offer, dict)
            and offer.get("sku") == sku
            and offer.get("marketplaceId") == line.marketplace_id
            and offer.get("format") == "FIXED_PRICE"
            and offer.get("offerId")
        ):
            return str(offer["offerId"]), str(offer.get("status") or "UNPUBLISHED")
    return None


def _create(
    line: Line, offers: list[dict[str, Any]], client: Client
) -> tuple[dict[str, str], dict[str, SkuResult]]:
    """bulkCreateOffer: the new offers' ids by sku, and a result for each sku eBay refused
    or warned about."""
    what = "bulkCreateOffer call"
    answer = send_json(
        line, client, "POST", f"{client.base}{CREATE_PATH}", what, {"requests": offers}
    )
    _refused(answer, client, f"{line.where()}'s {what}")
    created: dict[str, str] = {}
    said: dict[str, SkuResult] = {}
    document = answer_json(answer)
    if answer.status_code in (200, 207) and isinstance(document, dict):
        for entry in document.get("responses") or []:
            if not isinstance(entry, dict) or not entry.get("sku"):
                continue
            sku = str(entry["sku"])
            code = entry.get("statusCode")
            errors = issues_of(sku, "error", entry.get("errors"), client.scrub)
            warnings = issues_of(sku, "warning", entry.get("warnings"), client.scrub)
            if entry.get("offerId") and not errors:
                created[sku] = str(entry["offerId"])
                if warnings:
                    said[sku] = SkuResult(sku, True, code, warnings)
            else:
                said[sku] = SkuResult(sku, False, code, errors + warnings)
    for offer in offers:
        sku = str(offer["sku"])
        if sku in created or sku in said:
            continue
        issues = (
            _call_issues(sku, answer, client)
            if answer.status_code >= 400
            else [MarketplaceIssue(sku, "error", f"HTTP {answer.status_code}", "", "no offerId")]
        )
        said[sku] = SkuResult(sku, False, answer.status_code, issues)
    return created, said


def _update(line: Line, offer: dict[str, Any], offer_id: str, client: Client) -> SkuResult:
    """updateOffer: the whole offer, less its keys."""
    sku = str(offer["sku"])
    body = {key: value for key, value in offer.items() if key not in KEYS}
    url = f"{client.base}{OFFER_PATH.format(offer_id=quote(offer_id, safe=''))}"
    what = f"updateOffer call for sku {sku}"
    answer = send_json(line, client, "PUT", url, what, body)
    _refused(answer, client, f"{line.where()}'s {what}")
    if answer.status_code in (200, 204):
        document = answer_json(answer)
        warnings = document.get("warnings") if isinstance(document, dict) else None
        return SkuResult(
            sku, True, answer.status_code, issues_of(sku, "warning", warnings, client.scrub)
        )
    return SkuResult(sku, False, answer.status_code, _call_issues(sku, answer, client))


def _publish(line: Line, offer_ids: dict[str, str], client: Client) -> dict[str, SkuResult]:
    """bulkPublishOffer of ``offer_ids`` (sku -> offerId): a result per sku."""
    by_id = {offer_id: sku for sku, offer_id in offer_ids.items()}
    what = "bulkPublishOffer call"
    body = {"requests": [{"offerId": offer_id} for offer_id in offer_ids.values()]}
    answer = send_json(line, client, "POST", f"{client.base}{PUBLISH_PATH}", what, body)
    _refused(answer, client, f"{line.where()}'s {what}")
    results: dict[str, SkuResult] = {}
    document = answer_json(answer)
    if answer.status_code in (200, 207) and isinstance(document, dict):
        for entry in document.get("responses") or []:
            sku = by_id.get(str(entry.get("offerId"))) if isinstance(entry, dict) else None
            if sku is None:
                continue
            code = entry.get("statusCode")
            errors = issues_of(sku, "error", entry.get("errors"), client.scrub)
            warnings = issues_of(sku, "warning", entry.get("warnings"), client.scrub)
            accepted = 200 <= code < 300 if isinstance(code, int) else not errors
            results[sku] = SkuResult(sku, accepted and not errors, code, errors + warnings)
    for sku in offer_ids:
        if sku not in results:
            results[sku] = SkuResult(
                sku,
                False,
                answer.status_code,
                _call_issues(sku, answer, client)
                if answer.status_code >= 400
                else [
                    MarketplaceIssue(
                        sku, "error", f"HTTP {answer.status_code}", "", "not in eBay's answer"
                    )
                ],
            )
    return results


def send_offers(
    line: Line,
    client: Client,
    earlier: CallRecord | None,
    checkpoint: Callable[[dict[str, Any]], None],
) -> tuple[list[SkuResult], dict[str, Any]]:
    """The line's offers created or updated, then published; a result per sku in the
    line's order, and the line's finished record.

    Args:
        line: An ``offers`` line.
        client: The delivery's client.
        earlier: The ``pending`` record an earlier try of this line left: its offer ids
            are used, not looked up, and its skus are not created again.
        checkpoint: Given the ``pending`` record once the offers exist, before they are
            updated and published.
    """
    offer_ids: dict[str, str] = {}
    unpublished: set[str] = set()
    said: dict[str, SkuResult] = {}
    if earlier is not None and isinstance(earlier.offer_ids, dict):
        offer_ids.update(earlier.offer_ids)
        unpublished.update(earlier.unpublished if isinstance(earlier.unpublished, list) else ())
    fresh: set[str] = set()
    """Skus whose offer bulkCreateOffer made just now (nothing to update)."""
    new: list[dict[str, Any]] = []
    for offer in line.offers:
        sku = str(offer["sku"])
        if sku in offer_ids:
            continue
        found = find_offer(line, sku, client)
        if isinstance(found, SkuResult):
            said[sku] = found
        elif found is None:
            new.append(offer)
        else:
            offer_ids[sku] = found[0]
            if found[1] != "PUBLISHED":
                unpublished.add(sku)
    if new:
        created, refused = _create(line, new, client)
        said.update(refused)
        offer_ids.update(created)
        unpublished.update(created)
        fresh.update(created)
    record: dict[str, Any] = {
        "call": "offers",
        "marketplaceId": line.marketplace_id,
        "offerIds": offer_ids,
        "unpublished": sorted(unpublished),
    }
    checkpoint({**record, "pending": True, "results": []})
    for offer in line.offers:
        sku = str(offer["sku"])
        if sku in offer_ids and sku not in fresh:
            said[sku] = _update(line, offer, offer_ids[sku], client)
    to_publish = {
        sku: offer_ids[sku]
        for sku in line.skus
        if line.publish
        and sku in unpublished
        and sku in offer_ids
        and (sku not in said or said[sku].accepted)
    }
    if to_publish:
        for sku, result in _publish(line, to_publish, client).items():
            if result.accepted:
                unpublished.discard(sku)
            before = said.get(sku)
            if before is not None:
                result = SkuResult(
                    sku, result.accepted, result.status, before.issues + result.issues
                )
            said[sku] = result
    results = [said.get(sku) or SkuResult(sku, True, 200) for sku in line.skus]
    record["unpublished"] = sorted(unpublished)
    return results, record


def publish_group(line: Line, client: Client) -> list[SkuResult]:
    """publishOfferByInventoryItemGroup: the group's unpublished offers as one
    multiple-variation listing; one result, named by the group's key (a refusal refuses
    its variants, `pipeline.delivery.ebay_inventory.outcome`)."""
    body = {"inventoryItemGroupKey": line.key, "marketplaceId": line.marketplace_id}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    what = f"{line.where()}'s publishOfferByInventoryItemGroup call"
    answer = client.call("POST", f"{client.base}{PUBLISH_GROUP_PATH}", headers, data, what)
    _refused(answer, client, what)
    document = answer_json(answer)
    if answer.status_code == 200:
        warnings = document.get("warnings") if isinstance(document, dict) else None
        issues = issues_of(line.key, "warning", warnings, client.scrub)
        return [SkuResult(line.key, True, 200, issues)]
    return [SkuResult(line.key, False, answer.status_code, _call_issues(line.key, answer, client))]
