"""The prices one sku was published at in one market and channel, day by day, kept as
change intervals: one text per sku, however many nights it has been published.

A sku's history is a text of intervals, oldest first, separated by ``;``, each the first
and last day of a price and the price (``2026-10-01/2026-11-09 100.00 EUR``). A night
that publishes the sku at the price of the day before only moves the last day on, so
the text grows with price changes, not with nights. Intervals that ended more than
`KEEP_DAYS` before the run are dropped.

Recording a day replaces whatever was recorded for that day before (`record_day`), so a
rerun of the same night leaves the history as one run does. Reading for a day only ever
looks at earlier days (`prior_lowest`, `began`), so what a rerun recorded for its own
day changes nothing it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from schemas.product import Money

KEEP_DAYS = 400
"""Days of history kept: more than a year, for the longest prior period a member state
may set for progressive reductions and for the data team's look back."""

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Interval:
    """Days ``first`` to ``last`` (both included) at one price."""

    first: date
    last: date
    amount: Decimal
    currency: str

    def text(self) -> str:
        return f"{self.first.isoformat()}/{self.last.isoformat()} {self.amount} {self.currency}"


def parse(text: str) -> list[Interval]:
    """The intervals of a history text.

    >>> parse("2026-10-01/2026-11-09 100.00 EUR;2026-11-10/2026-11-10 95.00 EUR")[1].amount
    Decimal('95.00')
    """
    intervals = []
    for item in text.split(";"):
        if not item:
            continue
        days, amount, currency = item.split(" ")
        first, _, last = days.partition("/")
        intervals.append(
            Interval(date.fromisoformat(first), date.fromisoformat(last), Decimal(amount), currency)
        )
    return intervals


def format_history(intervals: Iterable[Interval]) -> str:
    """The text of some intervals (`parse`'s inverse)."""
    return ";".join(interval.text() for interval in intervals)


def record_day(text: str | None, day: date, price: Money) -> str:
    """The history with ``day`` published at ``price``: whatever was recorded for that day
    is replaced, neighbouring days at the same price are joined, and intervals that ended
    `KEEP_DAYS` before ``day`` are dropped.

    >>> from schemas.product import Money
    >>> h = record_day(None, date(2026, 11, 1), Money(Decimal("100.00"), "EUR"))
    >>> h = record_day(h, date(2026, 11, 2), Money(Decimal("100.00"), "EUR"))
    >>> h = record_day(h, date(2026, 11, 3), Money(Decimal("95.00"), "EUR"))
    >>> h
    '2026-11-01/2026-11-02 100.00 EUR;2026-11-03/2026-11-03 95.00 EUR'
    >>> record_day(h, date(2026, 11, 3), Money(Decimal("95.00"), "EUR")) == h
    True
    """
    entry = f" {price.amount} {price.currency}"
    if text:
        # The nightly case, without parsing: yesterday at the same price, or a rerun.
        yesterday, today, _ = _day_texts(day)
        if text.endswith(f"/{yesterday}{entry}"):
            return _drop_old(text[: -len(yesterday) - len(entry)] + today + entry, day)
        if text.endswith(f"/{today}{entry}") and _last_interval_first(text) <= today:
            return text
    kept: list[Interval] = []
    for interval in parse(text or ""):
        if interval.last < day or interval.first > day:
            kept.append(interval)
            continue
        if interval.first < day:  # the part before the day stays
            kept.append(Interval(interval.first, day - _DAY, interval.amount, interval.currency))
        if interval.last > day:  # and so does the part after (a rerun of an earlier night)
            kept.append(Interval(day + _DAY, interval.last, interval.amount, interval.currency))
    kept.append(Interval(day, day, price.amount, price.currency))
    kept.sort(key=lambda interval: interval.first)
    joined: list[Interval] = []
    for interval in kept:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.last + _DAY == interval.first
            and (previous.amount, previous.currency) == (interval.amount, interval.currency)
        ):
            joined[-1] = Interval(previous.first, interval.last, interval.amount, interval.currency)
        else:
            joined.append(interval)
    return _drop_old(format_history(joined), day)


@lru_cache(maxsize=8)
def _day_texts(day: date) -> tuple[str, str, str]:
    """The day before ``day``, ``day`` and the oldest day kept, as ISO text."""
    return (
        (day - _DAY).isoformat(),
        day.isoformat(),
        (day - timedelta(days=KEEP_DAYS)).isoformat(),
    )


def _last_interval_first(text: str) -> str:
    return text.rsplit(";", 1)[-1][:10]


def _drop_old(text: str, day: date) -> str:
    """Without the intervals that ended `KEEP_DAYS` before ``day``."""
    oldest = _day_texts(day)[2]
    if text[11:21] >= oldest:  # the first interval is recent enough: so are the others
        return text
    return format_history(i for i in parse(text) if i.last.isoformat() >= oldest)


def expired(text: str, day: date) -> bool:
    """Whether every interval of the history ended `KEEP_DAYS` before ``day``."""
    oldest = _day_texts(day)[2]
    return text.rsplit(";", 1)[-1][11:21] < oldest


def intervals_of(history: str | Sequence[Interval] | None) -> Sequence[Interval]:
    """The intervals of a history given as text (parsed) or already parsed."""
    if history is None or isinstance(history, str):
        return parse(history or "")
    return history


def began(history: str | Sequence[Interval] | None, day: date, price: Money) -> date:
    """The first day of the run of days, ending the day before ``day``, the sku was
    published at ``price``; ``day`` itself when it was not published at it the day before.
    How the prior-price rule finds when a sale with no start of its own began.

    >>> from schemas.product import Money
    >>> h = "2026-11-01/2026-11-09 100.00 EUR;2026-11-10/2026-11-14 90.00 EUR"
    >>> began(h, date(2026, 11, 15), Money(Decimal("90.00"), "EUR"))
    datetime.date(2026, 11, 10)
    >>> began(h, date(2026, 11, 16), Money(Decimal("90.00"), "EUR"))
    datetime.date(2026, 11, 16)
    """
    start = day
    for interval in reversed(intervals_of(history)):
        if interval.first >= start:
            continue  # recorded for this day or later: a rerun's, not earlier nights'
        if min(interval.last, start - _DAY) != start - _DAY or (
            interval.amount,
            interval.currency,
        ) != (price.amount, price.currency):
            break
        start = interval.first
    return start


def prior_lowest(
    history: str | Sequence[Interval] | None, first: date, last: date, currency: str
) -> Decimal | None:
    """The lowest price in ``currency`` published on any day from ``first`` to ``last``
    (both included); None when none was.

    >>> h = "2026-10-01/2026-11-09 100.00 EUR;2026-11-10/2026-11-14 95.00 EUR"
    >>> prior_lowest(h, date(2026, 11, 1), date(2026, 11, 30), "EUR")
    Decimal('95.00')
    >>> prior_lowest(h, date(2026, 11, 15), date(2026, 11, 30), "EUR") is None
    True
    """
    lowest: Decimal | None = None
    for interval in intervals_of(history):
        if interval.currency != currency or interval.last < first or interval.first > last:
            continue
        if lowest is None or interval.amount < lowest:
            lowest = interval.amount
    return lowest
