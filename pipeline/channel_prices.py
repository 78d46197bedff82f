"""One channel's prices tonight in one market: the prior-price rule on each sale before
it is written (`transforms.pricing.prior_price`), and the price history with tonight's
published prices, staged for the publish step (`transforms.infra.price_history`).

The live history is read once, streamed into a table of the channel's scratch store, so
memory stays flat however large the catalog; tonight's history goes to another table and
is written out in sku order. A sku not published tonight (set aside, or gone from the
catalog) keeps its history until it is `KEEP_DAYS` old.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from transforms.infra.price_history import history_name, write_staged
from transforms.pricing.history import expired, record_day
from transforms.pricing.prior_price import CORRECTIONS, apply_prior_price, published_price
from transforms.pricing.sales import live_on

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from feeds.scratch import ScratchStore
    from schemas.config.market import Market
    from schemas.findings import Finding
    from schemas.listing import Listing
    from transforms.infra.price_history import PriceHistoryStore
    from transforms.infra.storage import StoragePath


class ChannelPrices:
    """The prior-price rule and the price history of one market's channel for one run.

    Args:
        market: The market.
        channel: The channel's name.
        run_day: The run's logical day, the day the history records.
        store: The channel's scratch store (the live and tonight's history wait there).
        live: Where the live history is (`transforms.infra.price_history.history_store`).
    """

    def __init__(
        self,
        market: Market,
        channel: str,
        run_day: date,
        store: ScratchStore,
        live: PriceHistoryStore,
    ) -> None:
        self.market = market
        self.channel = channel
        self.run_day = run_day
        self.before = store.mapping(f"{channel}_history_before")
        with live.pairs(market.code, channel) as pairs:
            self.before.load(pairs)
        self.tonight = store.mapping(f"{channel}_history")
        self.sales = 0
        """Listings published with a sale on tonight's day."""
        self.corrections = 0
        """Sales the prior-price rule changed (`CORRECTIONS`)."""

    def adjust(self, listing: Listing) -> tuple[Listing, list[Finding]]:
        """The listing under the prior-price rule, and what the rule found."""
        if listing.sale is None:
            return listing, []
        adjusted, notes = apply_prior_price(
            listing, self.before.get(listing.sku), self.market, self.channel, self.run_day
        )
        if any(note.rule in CORRECTIONS for note in notes):
            self.corrections += 1
        return adjusted, notes

    def record(self, listing: Listing) -> None:
        """Record the price ``listing`` is published at tonight."""
        price = published_price(listing, self.run_day)
        self.tonight[listing.sku] = record_day(self.before.get(listing.sku), self.run_day, price)
        if listing.sale is not None and live_on(listing.sale, self.run_day):
            self.sales += 1

    def finish(self, market_dir: StoragePath | Path) -> str:
        """Stage tonight's history (with the kept history of skus not published tonight)
        beside the channel's files; returns its path."""
        carried = (
            (sku, self.before[sku])
            for sku in self.before.keys_not_in(self.tonight)
            if not expired(self.before[sku], self.run_day)
        )
        path = market_dir / history_name(self.channel)
        with path.open("w", encoding="utf-8") as stream:
            write_staged(stream, heapq.merge(self.tonight.items(), carried))
        return str(path)
