"""Each line's calls (a bulk call, a group, deletions one sku at a time; a line of offers
is `pipeline.delivery.ebay_inventory.offers`') and what eBay said of each sku, as the
checkpoint records it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import msgspec

from pipeline.delivery.ebay_inventory.client import answer_json, describe
from pipeline.delivery.outcome import CredentialsError, DeliveryError, MarketplaceIssue

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

    from pipeline.delivery.ebay_inventory.client import Client
    from pipeline.delivery.ebay_inventory.lines import Line

BULK_PATH = "/sell/inventory/v1/bulk_create_or_replace_inventory_item"
ITEM_PATH = "/sell/inventory/v1/inventory_item/{sku}"
GROUP_PATH = "/sell/inventory/v1/inventory_item_group/{key}"
NOT_FOUND = "25710"
"""eBay's errorId for "We didn't find the resource/entity you are requesting"."""


class IssueRecord(msgspec.Struct, kw_only=True):
    """One issue of a sku in a checkpoint record."""

    severity: Literal["error", "warning"]
    code: str
    field: str
    message: str


class SkuRecord(msgspec.Struct, kw_only=True):
    """What eBay said about one sku, in a checkpoint record (`SkuResult.to_json`)."""

    sku: str
    accepted: bool
    status: int | None = msgspec.field(default=None, name="statusCode")
    issues: list[IssueRecord] = msgspec.field(default_factory=list)


class CallRecord(msgspec.Struct, kw_only=True):
    """One line's calls, done: the record ``checkpoint`` gets and a resumed delivery reads
    back (`pipeline.delivery.ebay_inventory.flow.deliver_inventory_file`)."""

    call: Literal["bulk", "group", "offers", "publish", "delete"]
    marketplace_id: str | None = msgspec.field(default=None, name="marketplaceId")
    results: list[SkuRecord] = msgspec.field(default_factory=list)
    variant_skus: list[str] | msgspec.UnsetType = msgspec.field(
        default=msgspec.UNSET, name="variantSKUs"
    )
    """A group's variants, of a group line or a group's publishing (the group's key is
    its result's ``sku``)."""
    offer_ids: dict[str, str] | msgspec.UnsetType = msgspec.field(
        default=msgspec.UNSET, name="offerIds"
    )
    """An offers line's offer ids by sku, as eBay gave them (found or created)."""
    unpublished: list[str] | msgspec.UnsetType = msgspec.UNSET
    """An offers line's skus whose offer eBay holds unpublished."""
    pending: bool | msgspec.UnsetType = msgspec.UNSET
    """True: an offers line whose offers exist but were not yet updated and published
    when the delivery stopped; a retry goes on from its ``offerIds`` and creates none
    of them again."""

    def is_done(self) -> bool:
        """Whether the line is finished (a pending offers line is not)."""
        return self.pending is not True

    def variants(self) -> list[str]:
        """A group's variant skus; none for the other calls."""
        return [] if isinstance(self.variant_skus, msgspec.UnsetType) else self.variant_skus


class InventoryProgress(msgspec.Struct, kw_only=True):
    """How far an eBay delivery got, as its delivery record keeps it (``progress``)."""

    calls: dict[str, CallRecord] = msgspec.field(default_factory=dict)
    """The finished lines' calls, by the line's index (from 0, as text: a JSON key)."""


@dataclass(slots=True)
class SkuResult:
    """What eBay said about one sku of one line (the checkpoint record's ``results``)."""

    sku: str
    accepted: bool
    status: int | None
    issues: list[MarketplaceIssue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "accepted": self.accepted,
            "statusCode": self.status,
            "issues": [
                {
                    "severity": i.severity,
                    "code": i.code,
                    "field": i.field,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }

    @classmethod
    def from_record(cls, record: SkuRecord) -> SkuResult:
        """The result a checkpoint record kept."""
        issues = [
            MarketplaceIssue(
                sku=record.sku,
                severity=i.severity,
                code=i.code,
                field=i.field,
                message=i.message,
            )
            for i in record.issues
        ]
        return cls(record.sku, record.accepted, record.status, issues)


def _field(error: Mapping[str, Any]) -> str:
    """The field an eBay error names: its ``parameters``' values (a parameter without a
    value by its name), joined by ``, ``.

    >>> _field({"parameters": [{"name": "fieldName", "value": "product.title"}]})
    'product.title'
    >>> _field({"errorId": 25001})
    ''
    """
    names = []
    for parameter in error.get("parameters") or []:
        if isinstance(parameter, dict):
            text = str(parameter.get("value") or parameter.get("name") or "")
            if text:
                names.append(text)
    return ", ".join(names)


def issues_of(
    sku: str | None,
    severity: Literal["error", "warning"],
    errors: Any,
    scrub: Callable[[str], str],
) -> list[MarketplaceIssue]:
    """eBay's ``errors`` or ``warnings`` list as issues."""
    if not isinstance(errors, list):
        return []
    return [
        MarketplaceIssue(
            sku=sku,
            severity=severity,
            code=str(error.get("errorId", "")),
            field=_field(error),
            message=scrub(str(error.get("message") or error.get("longMessage") or "")),
        )
        for error in errors
        if isinstance(error, dict)
    ]


def _bulk_results(line: Line, answer: requests.Response, client: Client) -> list[SkuResult]:
    """Per-sku results of a bulk call from eBay's answer (200, 207 or a 4xx)."""
    document = answer_json(answer)
    status = answer.status_code
    if status in (200, 207) and isinstance(document, dict):
        by_sku: dict[str, SkuResult] = {}
        for entry in document.get("responses") or []:
            if not isinstance(entry, dict) or not entry.get("sku"):
                continue
            sku = str(entry["sku"])
            code = entry.get("statusCode")
            errors = issues_of(sku, "error", entry.get("errors"), client.scrub)
            warnings = issues_of(sku, "warning", entry.get("warnings"), client.scrub)
            accepted = 200 <= code < 300 if isinstance(code, int) else not errors
            by_sku[sku] = SkuResult(
                sku, accepted, code if isinstance(code, int) else None, errors + warnings
            )
        # A sku eBay's answer leaves out counts as refused: the next run sends it again.
        return [
            by_sku.get(sku)
            or SkuResult(
                sku,
                False,
                None,
                [MarketplaceIssue(sku, "error", f"HTTP {status}", "", "not in eBay's answer")],
            )
            for sku in line.skus
        ]
    if status == 403:
        raise CredentialsError(
            f"eBay did not let Airflow connection {client.credentials.conn_id!r} make "
            f"{line.where()}'s bulk call (no sell.inventory access?): "
            f"{client.scrub(describe(answer))}"
        )
    if 400 <= status < 500:
        call_errors = document.get("errors") if isinstance(document, dict) else None
        results = []
        for sku in line.skus:
            issues = issues_of(sku, "error", call_errors, client.scrub) or [
                MarketplaceIssue(sku, "error", f"HTTP {status}", "", client.scrub(describe(answer)))
            ]
            results.append(SkuResult(sku, False, status, issues))
        return results
    raise DeliveryError(
        f"eBay answered {line.where()}'s bulk call with {client.scrub(describe(answer))}"
    )


def send_json(
    line: Line, client: Client, method: str, url: str, what: str, body: Any
) -> requests.Response:
    """``body`` as JSON in the line's language."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Language": line.content_language,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return client.call(method, url, headers, data, f"{line.where()}'s {what}")


def _send_body(line: Line, client: Client, method: str, url: str, what: str) -> requests.Response:
    """The line's body as JSON in the line's language (a bulk call, a group)."""
    return send_json(line, client, method, url, what, line.body)


def send_bulk(line: Line, client: Client) -> list[SkuResult]:
    answer = _send_body(line, client, "POST", f"{client.base}{BULK_PATH}", "bulk call")
    return _bulk_results(line, answer, client)


def send_group(line: Line, client: Client) -> list[SkuResult]:
    """createOrReplaceInventoryItemGroup; one result, named by the group's key."""
    url = f"{client.base}{GROUP_PATH.format(key=quote(line.key, safe=''))}"
    answer = _send_body(line, client, "PUT", url, "call")
    document = answer_json(answer)
    status = answer.status_code
    if status in (200, 201, 204):
        warnings = document.get("warnings") if isinstance(document, dict) else None
        return [
            SkuResult(
                line.key, True, status, issues_of(line.key, "warning", warnings, client.scrub)
            )
        ]
    if status == 403:
        raise CredentialsError(
            f"eBay did not let Airflow connection {client.credentials.conn_id!r} make "
            f"{line.where()}'s call (no sell.inventory access?): "
            f"{client.scrub(describe(answer))}"
        )
    if 400 <= status < 500:
        errors = document.get("errors") if isinstance(document, dict) else None
        issues = issues_of(line.key, "error", errors, client.scrub) or [
            MarketplaceIssue(
                line.key, "error", f"HTTP {status}", "", client.scrub(describe(answer))
            )
        ]
        return [SkuResult(line.key, False, status, issues)]
    raise DeliveryError(
        f"eBay answered {line.where()}'s call with {client.scrub(describe(answer))}"
    )


def send_deletions(line: Line, client: Client) -> list[SkuResult]:
    results = []
    for sku in line.skus:
        answer = client.call(
            "DELETE",
            f"{client.base}{ITEM_PATH.format(sku=quote(sku, safe=''))}",
            {"Accept": "application/json"},
            None,
            f"the deletion of sku {sku} ({line.where()})",
        )
        document = answer_json(answer)
        errors = document.get("errors") if isinstance(document, dict) else None
        if answer.status_code in (200, 204):
            results.append(SkuResult(sku, True, answer.status_code))
        elif answer.status_code == 404:
            issues = issues_of(sku, "warning", errors, client.scrub) or [
                MarketplaceIssue(sku, "warning", NOT_FOUND, "", "not found on eBay")
            ]
            results.append(SkuResult(sku, True, 404, issues))
        elif answer.status_code == 403:
            raise CredentialsError(
                f"eBay did not let Airflow connection {client.credentials.conn_id!r} delete "
                f"sku {sku}: {client.scrub(describe(answer))}"
            )
        elif 400 <= answer.status_code < 500:
            issues = issues_of(sku, "error", errors, client.scrub) or [
                MarketplaceIssue(
                    sku, "error", f"HTTP {answer.status_code}", "", client.scrub(describe(answer))
                )
            ]
            results.append(SkuResult(sku, False, answer.status_code, issues))
        else:
            raise DeliveryError(
                f"eBay answered the deletion of sku {sku} ({line.where()}) with "
                f"{client.scrub(describe(answer))}"
            )
    return results
