"""Which sale a listing shows in tonight's feed, and in what form a channel can carry it.

`schemas.listing.Sale` arrives priced and checked against the EU prior-price rule (the
pricing step: Directive 98/6/EC Art. 6a); here it meets the night it is published:

- a sale whose end has passed is never sent;
- a sale that has started (or has no start) is *running*: a channel without a sale field
  publishes its price as the price (`selling_price`);
- a sale that starts after the run is *ahead*: only a channel that takes a dated sale
  (Google's ``sale_price_effective_date``, Amazon's ``discounted_price`` schedule) can
  publish it now; every other channel publishes it from the night it starts.

The run's moment is `feeds.contract.WriterContext.run_at`. Without one (a writer used
outside a run) no date is judged: every sale counts as running.

A strike price (`strike_price`) is what a channel shows crossed out beside the sale price:
``Sale.reference``, which in the EU is never above the lowest price of the 30 days before
the sale. When that differs from the regular ``Listing.price``, a channel that strikes its
regular price field must put the reference there, and only while the sale runs: a dated
sale published ahead would show the higher regular price struck through from its first
minute, so such a sale, like one with no strike at all (``reference`` None), waits for the
night it starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from transforms.pricing.money import round_to_minor_units

if TYPE_CHECKING:
    from schemas.listing import Listing, Sale
    from schemas.product import Money

Phase = Literal["ended", "ahead", "running"]

GOOGLE_LEAST_DISCOUNT = Decimal("0.05")
GOOGLE_MOST_DISCOUNT = Decimal("0.90")
"""Google shows a sale annotation (the struck price and a sale badge) only for a discount
greater than 5 % and less than 90 % (support.google.com/merchants/answer/9017019, checked
2026-12); outside those bounds the sale price is shown as a plain price."""


def phase(sale: Sale, run_at: datetime | None) -> Phase:
    """Where ``sale`` stands at the run's moment.

    >>> from datetime import timezone
    >>> from schemas.listing import Sale
    >>> from schemas.product import Money
    >>> night = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    >>> sale = Sale(Money(Decimal("19.90"), "EUR"), start=night + timedelta(days=3))
    >>> phase(sale, night), phase(sale, night + timedelta(days=3)), phase(sale, None)
    ('ahead', 'running', 'running')
    >>> phase(Sale(Money(Decimal("19.90"), "EUR"), end=night), night)
    'ended'
    """
    if run_at is None:
        return "running"
    if sale.end is not None and sale.end <= run_at:
        return "ended"
    if sale.start is not None and sale.start > run_at:
        return "ahead"
    return "running"


def selling_price(listing: Listing, run_at: datetime | None) -> Money:
    """What a buyer pays tonight, in minor units: the running sale's price, else the
    regular price. Channels without a sale field publish this as their price."""
    sale = listing.sale
    if sale is not None and phase(sale, run_at) == "running":
        return round_to_minor_units(sale.price)
    return round_to_minor_units(listing.price)


def strike_price(listing: Listing) -> Money | None:
    """The price a reduction is announced against, in minor units; None when the listing
    has no sale or the sale goes out without one.

    Never above the regular price: ``Sale.reference`` is the regular price or a lower prior
    price, and a higher one would announce a reduction from a price not charged
    (Directive 98/6/EC Art. 6a; unfair in any market), so it is taken as the regular price.
    """
    sale = listing.sale
    if sale is None or sale.reference is None:
        return None
    strike = round_to_minor_units(sale.reference)
    regular = round_to_minor_units(listing.price)
    return regular if strike.amount > regular.amount else strike


def discount(strike: Money, price: Money) -> Decimal:
    """The reduction from ``strike`` to ``price`` as a fraction of ``strike``.

    >>> from schemas.product import Money
    >>> discount(Money(Decimal("100.00"), "EUR"), Money(Decimal("95.00"), "EUR"))
    Decimal('0.05')
    """
    return (strike.amount - price.amount) / strike.amount


def minute_up(moment: datetime) -> datetime:
    """``moment`` moved up to a whole minute: Google's dates have no seconds, and a sale
    must not show before it starts.

    >>> from datetime import timezone
    >>> minute_up(datetime(2026, 12, 7, 9, 30, 1, tzinfo=timezone.utc)).isoformat()
    '2026-12-07T09:31:00+00:00'
    """
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def google_interval(start: datetime, end: datetime) -> str:
    """``sale_price_effective_date``: ISO 8601 start and end with their UTC offset, in the
    form Google shows, ``YYYY-MM-DDThh:mm±hhmm/YYYY-MM-DDThh:mm±hhmm`` (at most 51
    characters; support.google.com/merchants/answer/6324460). The start moves up and the
    end down to a whole minute, so the sale is never shown outside its period.

    >>> from zoneinfo import ZoneInfo
    >>> berlin = ZoneInfo("Europe/Berlin")
    >>> google_interval(datetime(2026, 12, 10, tzinfo=berlin),
    ...                 datetime(2026, 12, 24, 23, 59, 59, tzinfo=berlin))
    '2026-12-10T00:00+0100/2026-12-24T23:59+0100'
    """
    return f"{minute_up(start):%Y-%m-%dT%H:%M%z}/{end:%Y-%m-%dT%H:%M%z}"
