"""The run report's sales: per market and channel how many listings went out with a sale
on the run's day, and each correction the prior-price rule made, with its sku
(`transforms.pricing.prior_price`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from transforms.pricing.prior_price import CORRECTIONS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pipeline.records import MarketBuild
    from pipeline.run_report.record import RunRecord
    from transforms.infra.storage import StoragePath

MAX_CORRECTIONS_SHOWN = 500
"""Corrections listed one by one in the page; findings.csv holds them all."""


def sales_line(built: Sequence[MarketBuild]) -> str | None:
    """The summary's line: live sales per market and channel, and the corrections; None
    when the run kept no price history (no sales were looked at)."""
    figures = [
        (build["market"], channel, info.get("sales", 0), info.get("prior_price_corrections", 0))
        for build in sorted(built, key=lambda b: b["market"])
        for channel, info in build["channels"].items()
        if "sales" in info
    ]
    if not figures or not any(sales or fixed for *_, sales, fixed in figures):
        return None
    live = ", ".join(f"{market} {channel} {sales}" for market, channel, sales, _ in figures)
    corrected = sum(fixed for *_, fixed in figures)
    return (
        f"sales live: {live}; prior-price corrections: {corrected} "
        "(findings omnibus_*, Directive 98/6/EC Art. 6a)"
    )


def sales_view(record: RunRecord, findings: StoragePath | Path) -> dict[str, Any] | None:
    """What the page's sales section shows; None when no feed counted sales."""
    feeds = [
        {
            "market": feed.market,
            "channel": feed.channel,
            "sales": feed.sales,
            "corrections": feed.prior_price_corrections or 0,
        }
        for feed in record.feeds
        if feed.sales is not None
    ]
    if not any(row["sales"] or row["corrections"] for row in feeds):
        return None
    corrections: list[dict[str, str]] = []
    total = 0
    if findings.exists():
        with findings.open("r", encoding="utf-8") as stream:
            for line in stream:
                if not any(rule in line for rule in CORRECTIONS):
                    continue  # most lines: no JSON parsed
                finding = json.loads(line)
                if finding.get("rule") not in CORRECTIONS:
                    continue
                total += 1
                if len(corrections) < MAX_CORRECTIONS_SHOWN:
                    corrections.append(
                        {
                            key: str(finding.get(key) or "")
                            for key in ("market", "channel", "sku", "rule", "message")
                        }
                    )
    return {"feeds": feeds, "corrections": corrections, "total": total}
