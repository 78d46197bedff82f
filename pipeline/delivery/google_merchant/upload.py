"""Uploads by API: a market's Google feed file sent to the Merchant API as product inputs
under the market's data source, and the products the file no longer has deleted.

One delivery, in three steps, each recorded as progress so that a retry resumes where
the last try stopped (the same delivery record as Amazon's and eBay's,
`pipeline.delivery.records`):

1. **what to delete** (``dropped``): the products Google lists (``ListProducts``) under
   the market's feed label and language whose primary data source is the market's and
   whose offer id the file does not have. Google's list is the truth of what the data
   source holds, so a product is deleted even when the delivery that dropped it failed
   or its record is gone; a product Google has not processed yet is not listed and
   waits for the next delivery;
2. **inserts** (``inserted``: how many items of the file, in the file's order, are done;
   ``rejected``: the items Google refused, with its answer): one
   ``productInputs.insert`` per item (an insert replaces the input of the same offer id,
   language and data source, so sending a changed item again updates it);
3. **deletes** (``deleted``: how many of ``dropped`` are done): one
   ``productInputs.delete`` per product, a product already gone counting as deleted.

Progress is recorded after every ``batch_size`` calls; calls are paced to
``calls_per_minute``; Google's 429 ``RESOURCE_EXHAUSTED`` is retried with a growing wait
(`pipeline.delivery.google_merchant.statuses.default_retry`), and when it lasts past the
retry's deadline the delivery fails with what it did recorded, for the next try to
resume. An expired access token is renewed by google-auth, which repeats the call.

An item Google refuses (400 ``INVALID_ARGUMENT``) is a refused sku with Google's answer
as an error: the rest of the file goes on, and the next run sends it again.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.delivery.outcome import (
    CredentialsError,
    DeliveryError,
    DeliveryOutcome,
    MarketplaceIssue,
)
from transforms.api_client import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from google.api_core.retry import Retry

    from pipeline.delivery.google_merchant.access import MerchantApiAccess
    from schemas.config.channels.google import FeedTarget
    from transforms.infra.storage import StoragePath

REFUSED_INPUT = "product_input_refused"
"""The code of an item Google refused to take (its message is Google's)."""


def input_name(account: str, target: FeedTarget, offer_id: str) -> str:
    """The name of a product input, its ``{productInput}`` segment in the encoded form
    Google recommends (unpadded base64url of ``content_language~feed_label~offer_id``;
    ``ProductInput.name``, Products v1): an offer id may hold ``/``, ``%`` or ``~``.
    (The document's own example, ``ZW5-VVMtc2t1LzEyMw``, encodes ``en~US-sku/123``.)

    >>> from schemas.config.channels.google import FeedTarget
    >>> input_name("123", FeedTarget("US", "en"), "sku/123")
    'accounts/123/productInputs/ZW5-VVN-c2t1LzEyMw'
    """
    key = f"{target.content_language}~{target.feed_label}~{offer_id}".encode()
    encoded = base64.urlsafe_b64encode(key).decode().rstrip("=")
    return f"accounts/{account}/productInputs/{encoded}"


@dataclass
class Pace:
    """At most ``per_minute`` calls a minute: each call waits until ``60 / per_minute``
    seconds after the one before."""

    per_minute: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _next: float = field(default=0.0, init=False)

    def wait(self) -> None:
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 60.0 / self.per_minute


@dataclass
class UploadProgress:
    """How far an upload got (the delivery record's ``progress``)."""

    dropped: list[str] | None = None
    inserted: int = 0
    rejected: dict[str, str] = field(default_factory=dict)
    deleted: int = 0

    @classmethod
    def from_record(cls, progress: dict[str, Any] | None) -> UploadProgress:
        progress = progress or {}
        dropped = progress.get("dropped")
        return cls(
            dropped=None if dropped is None else [str(s) for s in dropped],
            inserted=int(progress.get("inserted") or 0),
            rejected={str(k): str(v) for k, v in (progress.get("rejected") or {}).items()},
            deleted=int(progress.get("deleted") or 0),
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "dropped": self.dropped,
            "inserted": self.inserted,
            "rejected": dict(self.rejected),
            "deleted": self.deleted,
        }


def dropped_products(
    access: MerchantApiAccess,
    account: str,
    data_source: str,
    target: FeedTarget,
    keep: Iterable[str],
    *,
    retry: Retry | None = None,
) -> list[str]:
    """The offer ids Google lists under ``target`` from ``data_source`` that ``keep``
    does not have, sorted."""
    from google.shopping.merchant_products_v1 import ListProductsRequest

    from pipeline.delivery.google_merchant.statuses import PAGE_SIZE, default_retry

    kept = set(keep)
    client = access.products_client()
    try:
        request = ListProductsRequest(parent=f"accounts/{account}", page_size=PAGE_SIZE)
        return sorted(
            product.offer_id
            for product in client.list_products(request=request, retry=retry or default_retry())
            if product.feed_label == target.feed_label
            and product.content_language == target.content_language
            and product.data_source == data_source
            and product.offer_id not in kept
        )
    finally:
        client.transport.close()  # type: ignore[no-untyped-call]


def upload_feed_file(
    path: StoragePath | Path,
    access: MerchantApiAccess,
    account: str,
    data_source: str,
    target: FeedTarget,
    *,
    progress: dict[str, Any] | None,
    checkpoint: Callable[[dict[str, Any]], None],
    batch_size: int = 100,
    pace: Pace | None = None,
    retry: Retry | None = None,
) -> DeliveryOutcome:
    """Send the feed file at ``path`` (see the module's docstring).

    Raises:
        CredentialsError: Google refused the connection's credentials.
        DeliveryError: Google's quota stayed exhausted past the retry's deadline, or it
            answered another error for the whole account; what was done is recorded.
    """
    from google.api_core import exceptions
    from google.auth.exceptions import GoogleAuthError
    from google.shopping.merchant_products_v1 import (
        DeleteProductInputRequest,
        InsertProductInputRequest,
        ProductInput,
    )

    from pipeline.delivery.google_merchant.inputs import feed_products, feed_skus
    from pipeline.delivery.google_merchant.statuses import default_retry

    state = UploadProgress.from_record(progress)
    pace = pace or Pace(300.0)
    retry = retry or default_retry()
    secrets = access.secrets()
    since_checkpoint = 0

    def record(force: bool = False) -> None:
        nonlocal since_checkpoint
        since_checkpoint += 0 if force else 1
        if force or since_checkpoint >= batch_size:
            checkpoint(state.to_record())
            since_checkpoint = 0

    items = 0
    try:
        if state.dropped is None:
            state.dropped = dropped_products(
                access, account, data_source, target, feed_skus(path), retry=retry
            )
            record(force=True)
        client = access.product_inputs_client()
        try:
            for index, item in enumerate(feed_products(path, target)):
                items = index + 1
                if index < state.inserted:
                    continue
                pace.wait()
                request = InsertProductInputRequest(
                    parent=f"accounts/{account}",
                    data_source=data_source,
                    product_input=ProductInput.from_json(item.body_json()),
                )
                try:
                    client.insert_product_input(request=request, retry=retry)
                    state.rejected.pop(item.offer_id, None)
                except exceptions.BadRequest as refused:  # 400: INVALID_ARGUMENT and its kin
                    state.rejected[item.offer_id] = scrub(refused.message or "", secrets)
                state.inserted = index + 1
                record()
            for index, offer_id in enumerate(state.dropped):
                if index < state.deleted:
                    continue
                pace.wait()
                name = input_name(account, target, offer_id)
                try:
                    client.delete_product_input(
                        request=DeleteProductInputRequest(name=name, data_source=data_source),
                        retry=retry,
                    )
                except exceptions.NotFound:
                    pass  # gone already: what a delete is for
                state.deleted = index + 1
                record()
        finally:
            client.transport.close()  # type: ignore[no-untyped-call]
    except (exceptions.Unauthenticated, exceptions.PermissionDenied, GoogleAuthError) as error:
        checkpoint(state.to_record())
        raise CredentialsError(
            f"Google refused the credentials of the Airflow connection {access.conn_id!r} "
            f"for Merchant Center account {account}: {scrub(str(error), secrets)}"
        ) from None
    except exceptions.RetryError as error:
        checkpoint(state.to_record())
        raise DeliveryError(
            f"Google's Merchant API kept answering {scrub(str(error.cause), secrets)} for "
            f"account {account} after {state.inserted} product inputs; the next try "
            "resumes after them"
        ) from None
    except exceptions.GoogleAPIError as error:
        checkpoint(state.to_record())
        raise DeliveryError(
            f"Google's Merchant API answered {scrub(str(error), secrets)} for account "
            f"{account} after {state.inserted} product inputs"
        ) from None
    checkpoint(state.to_record())
    return upload_outcome(state, items, data_source, target)


def upload_outcome(
    state: UploadProgress, items: int, data_source: str, target: FeedTarget
) -> DeliveryOutcome:
    """What an upload came to: its inserts, refusals and deletes."""
    refused = sorted(state.rejected)
    issues = [
        MarketplaceIssue(sku, "error", REFUSED_INPUT, "", state.rejected[sku]) for sku in refused
    ]
    deleted = len(state.dropped or [])
    detail = (
        f"Merchant API ({target.feed_label}, {target.content_language}, {data_source}): "
        f"{items - len(refused)} of {items} product inputs inserted"
        + (f", {len(refused)} refused" if refused else "")
        + f", {deleted} deleted."
    )
    return DeliveryOutcome(
        verdict="refused" if refused else "accepted",
        detail=detail,
        reference=data_source,
        sent=items,
        accepted=items - len(refused),
        issues=issues,
        refused_skus=refused,
    )
