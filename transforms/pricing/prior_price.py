"""The prior-price rule: in the EU a price reduction is announced only against the lowest
price of the 30 days before it.

**The rule**: Directive 98/6/EC Art. 6a, added by the Omnibus Directive (EU) 2019/2161 and
applicable since 28 May 2022: an announcement of a price reduction states the prior price,
the lowest price the trader applied in a period of not less than 30 days before the
reduction. The Court of Justice confirmed in C-330/23 (Aldi Süd, 26 September 2024) that
the announced reduction is computed from that prior price, not from a "regular" price the
trader names. Member states may set longer periods for progressive reductions (Art.
6a(5)): ``[markets.<code>.prior_price] days``. Not the law of the United Kingdom,
Switzerland, the United States or China: not applied there unless configured
(`schemas.config.market.PriorPrice`).

**What we know**: every price this pipeline published for the sku in this market and
channel, per day (`transforms.pricing.history`). The reduction begins on the sale's start
day, or, for a sale with no start or one that started before tonight, on the first of the
days it has been published at the sale price without a break (so a sale keeps the prior
price it began with, night after night). The prior period is the ``days`` days before
that; for a sale that starts after tonight, tonight's regular price counts as offered
until then.

**What it does to a listing's sale** (`apply_prior_price`), each with a finding naming
the sku, both prices, the rule and its source:

- the catalog's regular price is above the prior lowest: the reference (strike price)
  becomes the prior lowest (policy ``prior_price``), or the sale goes without a
  reference (policy ``no_reference``): ``omnibus_reference_lowered`` /
  ``omnibus_reference_dropped``;
- the sale price is not below the prior lowest: it is no reduction; the listing is sent
  at that price as its regular price, with no sale: ``omnibus_sale_not_below_prior``;
- no price was published for the sku in the prior period (its first nights here): the
  reference stays the catalog's regular price, the price the merchant offers it at
  elsewhere as far as we can tell, with ``omnibus_prior_price_unknown`` so the merchant
  can check it against the shop's own record.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from schemas.findings import Finding
from transforms.pricing.history import began, parse, prior_lowest
from transforms.pricing.sales import live_on

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from schemas.config.market import Market
    from schemas.listing import Listing
    from schemas.product import Money

SOURCE = "Directive 98/6/EC Art. 6a (Omnibus Directive (EU) 2019/2161); CJEU C-330/23"
"""How findings cite the rule."""
CORRECTIONS = frozenset(
    {"omnibus_reference_lowered", "omnibus_reference_dropped", "omnibus_sale_not_below_prior"}
)
"""The rules that changed what a channel publishes (the run report counts them)."""

_DAY = timedelta(days=1)


def published_price(listing: Listing, day: date) -> Money:
    """What the listing is offered at on ``day``: its sale's price while the sale is on,
    else its price. The price history records it."""
    sale = listing.sale
    if sale is not None and live_on(sale, day):
        return sale.price
    return listing.price


def apply_prior_price(
    listing: Listing, history: str | None, market: Market, channel: str, run_day: date
) -> tuple[Listing, list[Finding]]:
    """The listing as ``channel`` may publish it on ``run_day`` under the prior-price rule,
    and the findings of what changed (see the module docstring); ``history`` is the sku's
    in this market and channel (`transforms.pricing.history`), None when it has none."""
    sale = listing.sale
    if sale is None or not market.prior_price_applies:
        return listing, []
    days = market.prior_price.days
    intervals = parse(history or "")
    if sale.start is not None and sale.start.date() > run_day:
        first = sale.start.date()
    else:
        first = began(intervals, run_day, sale.price)
    window = (first - timedelta(days=days), first - _DAY)
    currency = listing.price.currency
    lowest = prior_lowest(intervals, window[0], min(window[1], run_day - _DAY), currency)
    if first > run_day and window[0] <= run_day:  # tonight's price is offered until then
        lowest = listing.price.amount if lowest is None else min(lowest, listing.price.amount)

    def finding(rule: str, message: str) -> Finding:
        return Finding(
            stage="feed",
            severity="warning",
            sku=listing.sku,
            market=listing.market,
            channel=channel,
            field="sale_price",
            rule=rule,
            message=f"{message} ({SOURCE})",
            value=str(sale.price.amount),
        )

    period = f"the {days} days before {first.isoformat()}"
    sku, sold = listing.sku, _money(sale.price.amount, currency)
    regular = _money(listing.price.amount, currency)
    if lowest is None:
        note = finding(
            rule="omnibus_prior_price_unknown",
            message=f"{sku}: no {channel} price in {market.code} is recorded for {period}; "
            f"the sale of {sold} is announced against the catalog's regular price {regular}: "
            "check it is the lowest price of that period",
        )
        return listing, [note]
    prior = _money(lowest, currency)
    if sale.price.amount >= lowest:
        note = finding(
            rule="omnibus_sale_not_below_prior",
            message=f"{sku}: the sale price {sold} is not below the lowest price of {period}, "
            f"{prior}: it is no reduction, and is sent as the regular price instead of "
            f"{regular}, with no strike price",
        )
        return dataclasses.replace(listing, price=sale.price, sale=None), [note]
    if listing.price.amount <= lowest:
        return listing, []
    if market.prior_price.policy == "no_reference":
        note = finding(
            rule="omnibus_reference_dropped",
            message=f"{sku}: the regular price {regular} is above the lowest price of {period}, "
            f"{prior}: the sale of {sold} is sent without a strike price (policy no_reference)",
        )
        reference = None
    else:
        note = finding(
            rule="omnibus_reference_lowered",
            message=f"{sku}: the reduction to {sold} is announced against {prior}, the lowest "
            f"price of {period}, not the catalog's regular price {regular}",
        )
        reference = dataclasses.replace(listing.price, amount=lowest)
    corrected = dataclasses.replace(sale, reference=reference)
    return dataclasses.replace(listing, sale=corrected), [note]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}"
