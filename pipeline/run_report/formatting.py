"""How the run report writes numbers, changes, durations and times for people."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


def signed(number: int) -> str:
    """A change with its sign.

    >>> signed(3), signed(-2), signed(0)
    ('+3', '-2', '±0')
    """
    return f"+{number}" if number > 0 else ("±0" if number == 0 else str(number))


def percent(share: Decimal) -> str:
    """A share as a signed percentage with one decimal.

    >>> from decimal import Decimal
    >>> percent(Decimal("0.1234")), percent(Decimal("-0.5"))
    ('+12.3 %', '-50.0 %')
    """
    return f"{share * 100:+.1f} %"


def duration(value: object) -> str:
    """A duration for people.

    >>> duration(2.14), duration(125), duration(None)
    ('2.1 s', '2 min 05 s', '-')
    """
    if not isinstance(value, int | float):
        return "-"
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s"


def clock(value: object) -> str:
    """An ISO time to the second, as people read it.

    >>> clock("2026-11-20T02:00:03.51234+00:00"), clock(None)
    ('2026-11-20 02:00:03 +00:00', '-')
    """
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return "-" if value is None else str(value)
    zone = moment.strftime("%z")
    zone = f" {zone[:3]}:{zone[3:]}" if zone else ""
    return moment.strftime("%Y-%m-%d %H:%M:%S") + zone


def duration_between(started: object, finished: object) -> str:
    """How long from one ISO time to the other.

    >>> duration_between("2026-11-20T02:00:00+00:00", "2026-11-20T02:03:30+00:00")
    '3 min 30 s'
    """
    try:
        seconds = (
            datetime.fromisoformat(str(finished)) - datetime.fromisoformat(str(started))
        ).total_seconds()
    except (TypeError, ValueError):
        return "-"
    return duration(seconds)
