"""How old a run's ECB rates are, in TARGET business days, and whether the run may use them.

The ECB publishes reference rates on TARGET working days only, about 16:00 CET. A run
at 02:00 therefore converts with the previous business day's file: age 1. When the
rates source stops updating (a cached file, a mirror that broke), every later run
would convert with the same old rates and nothing would say so; `check_rates_age`
compares the file's day with the run's logical date.

TARGET closing days (ECB, TARGET2 calendar): Saturdays, Sundays, 1 January, Good
Friday, Easter Monday, 1 May, 25 and 26 December.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from transforms.pricing.ecb_rates import RatesError

if TYPE_CHECKING:
    from schemas.config.pricing import Pricing


class StaleRates(RatesError):
    """The run's exchange rates are older than ``[pricing] max_rate_age_business_days``."""


@lru_cache(maxsize=64)
def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous algorithm of Meeus, Jones, Butcher).

    >>> easter_sunday(2026), easter_sunday(2027), easter_sunday(2019), easter_sunday(2038)
    (datetime.date(2026, 4, 5), datetime.date(2027, 3, 28), datetime.date(2019, 4, 21), \
datetime.date(2038, 4, 25))
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * x) // 433
    month = (h + x - 7 * m + 90) // 25
    day = (h + x - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


def target_closed(day: date) -> bool:
    """Whether TARGET is closed on ``day`` (no ECB reference rates that day).

    >>> [target_closed(date(2026, 4, d)) for d in (2, 3, 6, 7)]  # Thu, Good Fri, Easter Mon, Tue
    [False, True, True, False]
    >>> target_closed(date(2026, 12, 26)), target_closed(date(2026, 11, 28))  # Sat
    (True, True)
    """
    if day.weekday() >= 5 or (day.month, day.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return True
    easter = easter_sunday(day.year)
    return day in (easter - timedelta(days=2), easter + timedelta(days=1))


def business_days_after(earlier: date, later: date) -> int:
    """TARGET business days after ``earlier`` up to and including ``later`` (0 if not later).

    >>> business_days_after(date(2026, 11, 26), date(2026, 12, 1))  # Fri, Mon, Tue
    3
    >>> business_days_after(date(2026, 4, 2), date(2026, 4, 7))  # over Easter: Tue only
    1
    >>> business_days_after(date(2026, 11, 27), date(2026, 11, 29))  # Fri's rates on Sunday
    0
    """
    count, day = 0, earlier + timedelta(days=1)
    while day <= later:
        if not target_closed(day):
            count += 1
        day += timedelta(days=1)
    return count


def check_rates_age(rates_day: date, run_day: date, pricing: Pricing) -> str | None:
    """Why the rates of ``rates_day`` are too old for a run of ``run_day``, or None.

    Rates of ``pricing.offline_rates_day`` are accepted however old (an offline snapshot
    the configuration names). Rates dated after the run's day are not this check's
    concern (a backfill run today converts with today's file).

    >>> from schemas.config.pricing import Pricing
    >>> pricing = Pricing(rates="ecb.xml", catalog_prices={})
    >>> print(check_rates_age(date(2026, 11, 30), date(2026, 12, 1), pricing))
    None
    >>> print(check_rates_age(date(2026, 11, 26), date(2026, 12, 1), pricing))
    the ECB rates are of 2026-11-26, 3 TARGET business days before the run's date \
2026-12-01 ([pricing] max_rate_age_business_days = 2)
    """
    if pricing.offline_rates_day is not None and rates_day == pricing.offline_rates_day:
        return None
    age = business_days_after(rates_day, run_day)
    limit = pricing.max_rate_age_business_days
    if age <= limit:
        return None
    days = "day" if age == 1 else "days"
    return (
        f"the ECB rates are of {rates_day}, {age} TARGET business {days} before the run's "
        f"date {run_day} ([pricing] max_rate_age_business_days = {limit})"
    )
