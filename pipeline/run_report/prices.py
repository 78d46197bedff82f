"""This run's prices against an earlier run's: how many went up, down or stayed, and
the largest moves."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from feeds.scratch import ScratchStore
from pipeline.layout import PRICES
from pipeline.run_report.run_files import csv_rows

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pipeline.run_report.record import RunRecord
    from transforms.infra.storage import StoragePath

LARGEST_MOVES = 10
"""Price changes listed one by one, the largest first."""


@dataclass
class PriceMove:
    sku: str
    market: str
    currency: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        """The move as a share of the earlier price."""
        return (self.after - self.before) / self.before


@dataclass
class PriceChanges:
    """This run's prices against an earlier run's, matched on sku and market."""

    against: str
    up: int = 0
    down: int = 0
    unchanged: int = 0
    new: int = 0
    other_currency: int = 0
    largest: list[PriceMove] = field(default_factory=list)


def price_changes(
    report_dir: StoragePath | Path,
    runs_root: StoragePath | Path,
    earlier: Sequence[RunRecord],
) -> PriceChanges | None:
    """This run's prices against those of the newest earlier run that has any.

    A product counts once per market: where a channel's overrides file or rule set its
    price (a second ``prices.csv`` row for the sku, after the market's,
    `pipeline.overrides`), the set price is the one compared and shown, in both runs.

    The prices wait in a scratch SQLite file, not in memory: a large catalog's prices.csv
    holds a row per product and market."""
    current = report_dir / PRICES
    if not current.exists():
        return None
    for entry in earlier:
        against = str(entry.run_key)  # an earlier record always has its folder's name
        previous = runs_root / against / PRICES
        if previous.exists():
            break
    else:
        return None
    changes = PriceChanges(against=against)
    moves: list[tuple[Decimal, str, str, PriceMove]] = []
    with ScratchStore() as store:
        before, now = store.mapping("prices"), store.mapping("now")
        for prices, path in ((before, previous), (now, current)):
            for row in csv_rows(path):  # a later row of a sku and market wins: the set price
                if row.get("sku") and row.get("price"):
                    prices[f"{row.get('market')}\t{row['sku']}"] = (
                        f"{row['price']}\t{row.get('currency')}"
                    )
        for key, value in now.items():
            market, sku = key.split("\t", 1)
            text, currency = value.split("\t", 1)
            old = before.get(key)
            if old is None:
                changes.new += 1
                continue
            old_price, old_currency = old.split("\t", 1)
            after, price = to_decimal(text), to_decimal(old_price)
            if after is None or price is None or price <= 0:
                continue
            if old_currency != currency:
                changes.other_currency += 1
                continue
            if after > price:
                changes.up += 1
            elif after < price:
                changes.down += 1
            else:
                changes.unchanged += 1
                continue
            move = PriceMove(sku, market, currency, price, after)
            item = (abs(move.change), move.market, move.sku, move)
            if len(moves) < LARGEST_MOVES:
                heapq.heappush(moves, item)
            else:
                heapq.heappushpop(moves, item)
    changes.largest = [item[3] for item in sorted(moves, key=lambda m: (-m[0], m[1], m[2]))]
    return changes


def to_decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None
