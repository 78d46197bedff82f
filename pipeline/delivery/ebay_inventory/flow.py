"""`deliver_inventory_file`: an ``ebay.jsonl`` line by line, each line's calls, a
checkpoint after each (and, in a line of offers, once they exist), and the lines an
earlier try finished counted, not sent again."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import requests

from pipeline.delivery.ebay_inventory.calls import (
    CallRecord,
    SkuResult,
    send_bulk,
    send_deletions,
    send_group,
)
from pipeline.delivery.ebay_inventory.client import BASE_URLS, Client
from pipeline.delivery.ebay_inventory.lines import Line, parse_line
from pipeline.delivery.ebay_inventory.offers import publish_group, send_offers
from pipeline.delivery.ebay_inventory.outcome import inventory_outcome
from pipeline.records import as_record

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from pipeline.delivery.outcome import DeliveryOutcome, OAuthCredentials

log = logging.getLogger(__name__)


def deliver_inventory_file(
    lines: Iterable[str],
    *,
    credentials: OAuthCredentials,
    environment: Literal["sandbox", "production"],
    done: Mapping[int, Mapping[str, Any]] | Mapping[str, Mapping[str, Any]] | None = None,
    checkpoint: Callable[[int, dict[str, Any]], None] = lambda _i, _r: None,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 4,
    timeout: float = 60.0,
) -> DeliveryOutcome:
    """Send one ``ebay.jsonl`` file to eBay's Inventory API, line by line.

    Args:
        lines: The file's lines (an open text file will do); line ``i`` (from 0) is
            one bulk call, one inventory item group, up to 25 offers
            (`pipeline.delivery.ebay_inventory.offers`) or one line of deletions, and
            ``i`` is its key in ``done`` and ``checkpoint``.
        credentials: The eBay app's client id and secret and the seller's refresh
            token (connection ``ebay_api``); ``endpoint``/``token_url`` point elsewhere
            than eBay (a test server).
        environment: ``production`` (api.ebay.com) or ``sandbox``
            (api.sandbox.ebay.com), unless ``credentials.endpoint`` is set.
        done: The records ``checkpoint`` was given by an earlier, interrupted delivery
            of the same file: those lines are not sent again, their results count.
            Keys may be ``int`` or their JSON form (``"3"``); each is read as a
            `CallRecord`. A ``pending`` offers record is gone on from: its offers are
            updated and published, none created again.
        checkpoint: Called after each line with its index and a JSON-ready record
            (``{"call": "bulk"|"group"|"delete", "marketplaceId", "results": [{"sku",
            "accepted", "statusCode", "issues"}]}``, a group's with its key as the
            result's ``sku`` and its ``variantSKUs``, an offers line's with its
            ``offerIds`` and ``unpublished`` skus, and first ``pending`` once its offers
            exist); store it to resume.
        session: The `requests.Session` to use (one is made and closed otherwise).
        sleep: Waits between retries (1, 2, 4 s, ...); tests pass a recorder.
        max_attempts: Attempts per call before giving up on a 5xx, a 429 or a
            connection error.
        timeout: Seconds to wait for eBay's answer to each request.

    Returns:
        The outcome: ``refused`` if eBay refused any sku (or group: its variants' skus
            are in ``refused_skus``), ``accepted_with_warnings``
        if it only warned, else ``accepted``; ``reference`` is the marketplace id.

    Raises:
        CredentialsError: eBay refused the connection's credentials (the message names
            the connection and eBay's error code, never a secret).
        DeliveryError: A line is not one eBay takes (not JSON, more than 25 items, no
            ``contentLanguage``), or a call still failed after ``max_attempts``; the
            lines before it are checkpointed.
    """
    base = (credentials.endpoint or BASE_URLS[environment]).rstrip("/")
    finished = {
        int(key): as_record(record, CallRecord, f"the checkpoint of line {int(key) + 1}")
        for key, record in (done or {}).items()
    }
    own_session = session is None
    client = Client(
        credentials,
        base,
        session if session is not None else requests.Session(),
        sleep,
        max_attempts,
        timeout,
    )
    seen: list[tuple[Line | None, CallRecord | None, list[SkuResult]]] = []
    marketplace_id: str | None = None
    try:
        for index, text in enumerate(lines):
            if index in finished and finished[index].is_done():
                record = finished[index]
                results = [SkuResult.from_record(r) for r in record.results]
                seen.append((None, record, results))
                marketplace_id = marketplace_id or record.marketplace_id
                log.info(
                    "Line %d of the eBay file was delivered before; not sending it again.",
                    index + 1,
                )
                continue
            line = parse_line(index, text)
            if line is None:
                continue
            marketplace_id = marketplace_id or line.marketplace_id
            if line.kind == "bulk":
                results = send_bulk(line, client)
                log.info(
                    "eBay took %d of %d inventory items of %s.",
                    sum(r.accepted for r in results),
                    len(results),
                    line.where(),
                )
            elif line.kind == "offers":
                results, offers_record = send_offers(
                    line,
                    client,
                    finished.get(index),
                    partial(checkpoint, index),
                )
                log.info(
                    "eBay took %d of %d offers of %s.",
                    sum(r.accepted for r in results),
                    len(results),
                    line.where(),
                )
            elif line.kind == "publish":
                results = publish_group(line, client)
                log.info(
                    "eBay %s the listing of group %s (%s).",
                    "published" if results[0].accepted else "refused",
                    line.key,
                    line.marketplace_id,
                )
            elif line.kind == "group":
                results = send_group(line, client)
                log.info(
                    "eBay %s the inventory item group of %s.",
                    "took" if results[0].accepted else "refused",
                    line.where(),
                )
            else:
                results = send_deletions(line, client)
                log.info(
                    "eBay deleted %d of %d inventory items of %s.",
                    sum(r.accepted for r in results),
                    len(results),
                    line.where(),
                )
            seen.append((line, None, results))
            done_record: dict[str, Any] = {
                "call": line.kind,
                "marketplaceId": line.marketplace_id,
                "results": [r.to_json() for r in results],
            }
            if line.kind in ("group", "publish"):
                done_record["variantSKUs"] = line.skus
            elif line.kind == "offers":
                done_record.update(
                    offerIds=offers_record["offerIds"], unpublished=offers_record["unpublished"]
                )
            checkpoint(index, done_record)
    finally:
        if own_session:
            client.session.close()
    outcome = inventory_outcome(seen, marketplace_id)
    log.info("%s", outcome.detail)
    return outcome
