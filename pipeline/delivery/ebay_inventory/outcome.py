"""The verdict on a delivered ``ebay.jsonl``: items, groups, offers and deletions taken,
skus refused (with their group's variants) and the sentence for the data team."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pipeline.delivery.outcome import DeliveryOutcome, MarketplaceIssue

if TYPE_CHECKING:
    from pipeline.delivery.ebay_inventory.calls import CallRecord, SkuResult
    from pipeline.delivery.ebay_inventory.lines import Line


def _plural(count: int, word: str) -> str:
    """
    >>> _plural(1, "call"), _plural(3, "call")
    ('1 call', '3 calls')
    """
    return f"{count} {word}{'' if count == 1 else 's'}"


def inventory_outcome(
    lines: list[tuple[Line | None, CallRecord | None, list[SkuResult]]],
    marketplace_id: str | None,
) -> DeliveryOutcome:
    """The delivery's outcome from every line's results (bulk, groups and deletions)."""
    bulk_calls = items = taken = groups = grouped = deletions = deleted = gone = 0
    offers = offered = listings = listed = 0
    refused: dict[str, None] = {}
    """Skus in order, once (a refused group's variants may be refused items too)."""
    warned: set[str] = set()
    issues: list[MarketplaceIssue] = []
    for line, record, results in lines:
        kind = line.kind if line is not None else record.call if record is not None else None
        if kind == "bulk":
            bulk_calls += 1
            items += len(results)
            taken += sum(r.accepted for r in results)
        elif kind in ("group", "publish"):
            if kind == "group":
                groups += 1
                grouped += sum(r.accepted for r in results)
            else:
                listings += 1
                listed += sum(r.accepted for r in results)
            variants = (
                line.skus if line is not None else record.variants() if record is not None else []
            )
            for result in results:
                issues += result.issues
                if not result.accepted:
                    # Refused with its group: the next delta run sends them (and it) again.
                    refused.update(dict.fromkeys(variants))
                elif any(i.severity == "warning" for i in result.issues):
                    warned.add(result.sku)
            continue
        elif kind == "offers":
            offers += len(results)
            offered += sum(r.accepted for r in results)
        else:
            deletions += len(results)
            deleted += sum(r.accepted for r in results)
            gone += sum(r.status == 404 for r in results)
        for result in results:
            issues += result.issues
            if not result.accepted:
                refused[result.sku] = None
            elif any(i.severity == "warning" for i in result.issues):
                warned.add(result.sku)
    parts = []
    if items or not deletions:
        parts.append(
            f"took {taken} of {_plural(items, 'inventory item')} in {_plural(bulk_calls, 'call')}"
        )
    if groups:
        parts.append(f"{grouped} of {_plural(groups, 'inventory item group')}")
    if offers:
        parts.append(f"{offered} of {_plural(offers, 'offer')}")
    if listings:
        parts.append(f"published {listed} of {_plural(listings, 'group')}")
    if deletions:
        part = f"deleted {deleted} of {_plural(deletions, 'inventory item')}"
        if gone:
            part += f" ({gone} already gone)"
        parts.append(part)
    detail = "eBay " + " and ".join(parts)
    tail = []
    if refused:
        tail.append(f"{len(refused)} refused")
    if warned:
        tail.append(f"{len(warned)} with warnings")
    detail += ("; " + ", ".join(tail) if tail else "") + "."
    verdict: Literal["accepted", "accepted_with_warnings", "refused"] = "accepted"
    if refused:
        verdict = "refused"
    elif any(i.severity == "warning" for i in issues):
        verdict = "accepted_with_warnings"
    return DeliveryOutcome(
        verdict=verdict,
        detail=detail,
        reference=marketplace_id,
        sent=items + groups + offers + listings + deletions,
        accepted=taken + grouped + offered + listed + deleted,
        issues=issues,
        refused_skus=list(refused),
    )
