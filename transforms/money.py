"""Exact money arithmetic for feeds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from schemas.product import Money


@lru_cache(maxsize=64)
def minor_unit_exponent(currency: str) -> Decimal:
    """The quantum of a currency's minor unit from CLDR (ISO 4217 digits).

    >>> minor_unit_exponent("EUR"), minor_unit_exponent("JPY")
    (Decimal('0.01'), Decimal('1'))
    """
    from babel.numbers import get_currency_precision

    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_to_minor_units(money: Money) -> Money:
    """Round half up to the currency's minor units.

    >>> round_to_minor_units(Money(Decimal("8.325"), "EUR"))
    Money(amount=Decimal('8.33'), currency='EUR')
    """
    quantum = minor_unit_exponent(money.currency)
    return Money(money.amount.quantize(quantum, rounding=ROUND_HALF_UP), money.currency)
