"""What Google made of a market's products: every processed product of the market's
feed label and content language, read through the Merchant API's Products service
(``ListProducts``, page by page), as a `DeliveryOutcome`.

Google's answer per product (Merchant API Products v1, ``Product.productStatus``, read
2026-12-07): ``destinationStatuses`` (per reporting context such as ``SHOPPING_ADS`` or
``FREE_LISTINGS``, the countries where the offer is approved, pending or disapproved) and
``itemLevelIssues`` (``code``, ``severity`` ``NOT_IMPACTED``/``DEMOTED``/``DISAPPROVED``,
``attribute``, ``description``, ``detail``, ``resolution``, ``documentation``, the
reporting context and the countries it applies to).

How it is read here, for the market's country:

- an item disapproved there in any reporting context is **refused** (``refused_skus``):
  it is not shown somewhere the merchant pays or lists for, and the next run sends it
  again even if it did not change; approved or pending everywhere else, it is
  **approved**/**pending**;
- an issue that applies there is a `MarketplaceIssue` with Google's code:
  ``DISAPPROVED`` an error, ``DEMOTED`` and ``NOT_IMPACTED`` warnings; one issue reported
  for several reporting contexts is one issue naming them;
- a sku of the delivered file that Google does not list yet is counted as not yet
  processed (neither accepted nor refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pipeline.delivery.outcome import (
    TOP_ISSUES,
    CredentialsError,
    DeliveryError,
    DeliveryOutcome,
    IssueCount,
)
from pipeline.delivery.outcome import MarketplaceIssue as Issue
from transforms.api_client import scrub

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

    from google.api_core.retry import Retry
    from google.shopping.merchant_products_v1 import Product, ProductsServiceClient

    from pipeline.delivery.google_merchant.access import MerchantApiAccess
    from schemas.config.channels.google import FeedTarget

Approval = Literal["approved", "pending", "disapproved", "not_targeted"]
"""An item's state in one country: approved, pending review, disapproved (in at least
one reporting context), or not targeted there at all."""

PAGE_SIZE = 1000
"""Products per ``ListProducts`` page: the most Google returns (its discovery document,
``pageSize``)."""


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """One product as Google shows it in one country.

    Attributes:
        sku: The offer id.
        approval: See `Approval`.
        contexts: The reporting contexts that disapprove it (``SHOPPING_ADS``), when
            disapproved.
        issues: Google's issues that apply in the country.
        descriptions: Google's short description of each issue's code.
    """

    sku: str
    approval: Approval
    contexts: tuple[str, ...] = ()
    issues: list[Issue] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusReading:
    """One reading of a market's statuses.

    Attributes:
        outcome: The verdict, counts, issues and refused skus.
        unsettled: Items Google has not judged yet (pending review, or not listed yet).
    """

    outcome: DeliveryOutcome
    unsettled: int


def default_retry(deadline_seconds: float = 300.0, initial_seconds: float = 2.0) -> Retry:
    """Google's quota (429 ``RESOURCE_EXHAUSTED``) and passing server errors are tried
    again with a growing wait (``initial_seconds``, doubled, at most 60 s) until
    ``deadline_seconds`` have passed (the Merchant API's quotas are per minute:
    developers.google.com/merchant/api/guides/quotas, read 2026-12-07)."""
    from google.api_core import exceptions
    from google.api_core.retry import Retry, if_exception_type

    return Retry(
        predicate=if_exception_type(
            exceptions.TooManyRequests,
            exceptions.ServiceUnavailable,
            exceptions.InternalServerError,
            exceptions.BadGateway,
            exceptions.GatewayTimeout,
        ),
        initial=initial_seconds,
        maximum=60.0,
        multiplier=2.0,
        timeout=deadline_seconds,
    )


def item_status(product: Product, country: str) -> ItemStatus:
    """One processed product's approval and issues in ``country``."""
    status = product.product_status
    disapproving: list[str] = []
    approved = pending = False
    for destination in status.destination_statuses:
        context = destination.reporting_context.name
        if country in destination.disapproved_countries:
            disapproving.append(context)
        elif country in destination.pending_countries:
            pending = True
        elif country in destination.approved_countries:
            approved = True
    approval: Approval = (
        "disapproved"
        if disapproving
        else "pending"
        if pending
        else "approved"
        if approved
        else "not_targeted"
    )
    by_key: dict[tuple[str, str, str], list[str]] = {}
    texts: dict[tuple[str, str, str], str] = {}
    descriptions: dict[str, str] = {}
    for issue in status.item_level_issues:
        countries = list(issue.applicable_countries)
        if countries and country not in countries:
            continue
        severity = "error" if issue.severity.name == "DISAPPROVED" else "warning"
        key = (issue.code, issue.attribute, severity)
        by_key.setdefault(key, []).append(issue.reporting_context.name)
        descriptions.setdefault(issue.code, issue.description)
        if key not in texts:
            text = issue.description
            if issue.detail and issue.detail != issue.description:
                text += f": {issue.detail}"
            if issue.resolution:
                text += f" (resolution: {issue.resolution})"
            if issue.documentation:
                text += f" {issue.documentation}"
            texts[key] = text
    issues = [
        Issue(
            sku=product.offer_id,
            severity="error" if severity == "error" else "warning",
            code=code,
            field=attribute,
            message=f"{texts[(code, attribute, severity)]} [{', '.join(sorted(set(contexts)))}]",
        )
        for (code, attribute, severity), contexts in by_key.items()
    ]
    return ItemStatus(product.offer_id, approval, tuple(sorted(disapproving)), issues, descriptions)


def list_statuses(
    client: ProductsServiceClient,
    account: str,
    target: FeedTarget,
    country: str,
    *,
    retry: Retry | None = None,
) -> Iterator[ItemStatus]:
    """Every processed product of ``account`` filed under ``target`` (feed label and
    content language), with its status in ``country``, all pages read
    (``nextPageToken``)."""
    from google.shopping.merchant_products_v1 import ListProductsRequest

    request = ListProductsRequest(parent=f"accounts/{account}", page_size=PAGE_SIZE)
    for product in client.list_products(request=request, retry=retry or default_retry()):
        if (
            product.feed_label == target.feed_label
            and product.content_language == target.content_language
        ):
            yield item_status(product, country)


def statuses_outcome(
    statuses: Collection[ItemStatus], target: FeedTarget, skus: Collection[str] | None = None
) -> StatusReading:
    """The verdict on a market's products: refused when Google disapproved any, accepted
    (with warnings when it reported any) otherwise.

    Args:
        statuses: What `list_statuses` read.
        target: The market's feed label and language (named in the sentence).
        skus: The delivered file's skus: only these count, and those Google does not
            list are counted as not yet processed. None: every product read.
    """
    wanted = None if skus is None else set(skus)
    kept = [s for s in statuses if wanted is None or s.sku in wanted]
    counts = {state: 0 for state in ("approved", "pending", "disapproved", "not_targeted")}
    for status in kept:
        counts[status.approval] += 1
    issues = [issue for status in kept for issue in status.issues]
    refused = sorted(s.sku for s in kept if s.approval == "disapproved")
    unseen = 0 if wanted is None else len(wanted - {s.sku for s in kept})
    parts = [
        f"{counts['approved']} approved",
        f"{counts['disapproved']} disapproved",
        f"{counts['pending']} pending",
    ]
    if counts["not_targeted"]:
        parts.append(f"{counts['not_targeted']} not shown in the country")
    if unseen:
        parts.append(f"{unseen} not yet processed")
    detail = (
        f"Google Merchant Center ({target.feed_label}, {target.content_language}): "
        f"{', '.join(parts)} of {len(kept) + unseen} products."
    )
    if refused:
        verdict: Literal["refused", "accepted_with_warnings", "accepted"] = "refused"
    elif issues:
        verdict = "accepted_with_warnings"
    else:
        verdict = "accepted"
    states = {state: counts[state] for state in ("approved", "disapproved", "pending")}
    if unseen:
        states["not yet processed"] = unseen
    outcome = DeliveryOutcome(
        verdict=verdict,
        detail=detail,
        reference=f"{target.content_language}~{target.feed_label}",
        sent=len(kept) + unseen,
        accepted=counts["approved"] + counts["pending"],
        issues=issues,
        refused_skus=refused,
        states=states,
        top_issues=top_issues(kept),
    )
    return StatusReading(outcome, counts["pending"] + unseen)


def top_issues(statuses: Collection[ItemStatus], limit: int = TOP_ISSUES) -> list[IssueCount]:
    """Google's issue codes by the number of products that have them (most first, then
    by code), with Google's short description: the report's "top issues"."""
    products: dict[str, set[str]] = {}
    descriptions: dict[str, str] = {}
    for status in statuses:
        for issue in status.issues:
            products.setdefault(issue.code, set()).add(status.sku)
        for code, description in status.descriptions.items():
            descriptions.setdefault(code, description)
    ranked = sorted(products.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        IssueCount(code, descriptions.get(code, ""), len(skus)) for code, skus in ranked[:limit]
    ]


def read_statuses(
    access: MerchantApiAccess,
    account: str,
    target: FeedTarget,
    country: str,
    skus: Collection[str] | None = None,
    *,
    retry: Retry | None = None,
) -> StatusReading:
    """Read a market's statuses from the Merchant API (`list_statuses`) and judge them
    (`statuses_outcome`).

    Raises:
        CredentialsError: Google refused the connection's credentials (after google-auth
            renewed the access token once), naming the connection.
        DeliveryError: Google's quota stayed exhausted past the retry's deadline, or
            another error; the message is scrubbed of the connection's secrets.
    """
    from google.api_core import exceptions
    from google.auth.exceptions import GoogleAuthError

    client = access.products_client()
    try:
        statuses = list(list_statuses(client, account, target, country, retry=retry))
    except (exceptions.Unauthenticated, exceptions.PermissionDenied, GoogleAuthError) as error:
        raise CredentialsError(
            f"Google refused the credentials of the Airflow connection {access.conn_id!r} "
            f"for Merchant Center account {account}: "
            f"{scrub(str(error), access.secrets())}"
        ) from None
    except exceptions.RetryError as error:
        raise DeliveryError(
            f"Google's Merchant API kept answering {scrub(str(error.cause), access.secrets())} "
            f"for account {account}; the statuses are read again by the next delivery"
        ) from None
    except exceptions.GoogleAPIError as error:
        raise DeliveryError(
            f"Google's Merchant API answered {scrub(str(error), access.secrets())} for "
            f"account {account}"
        ) from None
    finally:
        client.transport.close()  # type: ignore[no-untyped-call]
    return statuses_outcome(statuses, target, skus)
