"""Exact money for feeds: minor units, VAT, conversion, price endings and cash rounding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from schemas.product import Money, Quantity
from transforms.ecb_rates import RatesError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from schemas.market import Market, Pricing
    from transforms.ecb_rates import EcbRates


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


class PriceProblem(ValueError):
    """No feed price can be made; ``rule`` is the finding's rule code."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(slots=True)  # not frozen: made a million times a run, and frozen init is slow
class PriceQuote:
    """A feed price and every number that made it.

    Attributes:
        price: The price the feed shows.
        source: The catalog price it was made from.
        rate: Units of the market's currency per unit of the source's, when converted.
        rate_day: The ECB working day of that rate.
        vat_percent: Destination VAT included in ``price`` (0 for net prices).
        home_vat: VAT the catalog price included, removed first (None: net price).
        home_country: Country of ``home_vat``.
        markup_percent: Markup added to a converted price.
        rounded: The amount after rounding to minor units.
        ending: The market's price ending.
        ended: The amount after the ending.
        cash_step: The cash increment rounded to last, when the market asks.
    """

    price: Money
    source: Money
    rate: Decimal | None
    rate_day: date | None
    vat_percent: Decimal
    home_vat: Decimal | None = None
    home_country: str | None = None
    markup_percent: Decimal = Decimal(0)
    rounded: Decimal | None = None
    ending: str = "exact"
    ended: Decimal | None = None
    cash_step: Decimal | None = None
    country: str = ""

    @property
    def explanation(self) -> str:
        """Every step, for people (rendered when asked: runs only need it for reports)."""
        target = self.price.currency
        numerator, divisor = self.source.amount, Decimal(1)
        steps = [f"{self.source.currency} {self.source.amount}"]
        if self.home_vat is not None:
            divisor = 1 + self.home_vat / 100
            steps.append(
                f"less {self.home_vat}% {self.home_country} VAT = {_show(numerator / divisor)} net"
            )
        if self.rate is not None:
            numerator *= self.rate
            steps.append(
                f"x {_show(self.rate)} {target}/{self.source.currency} (ECB {self.rate_day})"
                f" = {_show(numerator / divisor)}"
            )
            if self.markup_percent:
                numerator *= 1 + self.markup_percent / 100
                steps.append(f"+ {self.markup_percent}% markup = {_show(numerator / divisor)}")
        if self.vat_percent:
            numerator *= 1 + self.vat_percent / 100
            steps.append(f"+ {self.vat_percent}% {self.country} VAT = {_show(numerator / divisor)}")
        steps.append(f"rounded {self.rounded}")
        if self.ended is not None and self.ended != self.rounded:
            label = "whole" if self.ending == "whole" else f"ending .{self.ending}"
            steps.append(f"{label} {self.ended}")
        if self.cash_step is not None and self.price.amount != self.ended:
            steps.append(f"cash rounding to {self.cash_step}: {self.price.amount}")
        return "; ".join(steps)


@lru_cache(maxsize=64)
def cash_increment(currency: str) -> Decimal:
    """The smallest cash amount from CLDR's currency data (CHF: 0.05).

    >>> cash_increment("CHF"), cash_increment("EUR")
    (Decimal('0.05'), Decimal('0.01'))
    """
    from babel.core import get_global

    fractions = get_global("currency_fractions")
    digits, _, cash_digits, cash_rounding = fractions.get(currency, fractions["DEFAULT"])
    step = Decimal(cash_rounding or 1)
    return step.scaleb(-cash_digits)


def apply_ending(amount: Decimal, currency: str, ending: str) -> Decimal:
    """Apply a price ending to an amount already rounded to minor units.

    ``99`` and ``95`` raise the price to the next one ending in .99 or .95 (an
    amount that already ends so stays); ``whole`` rounds half up to whole units.
    Currencies without minor units only take ``whole``.

    >>> apply_ending(Decimal("25.11"), "EUR", "99"), apply_ending(Decimal("25.99"), "EUR", "99")
    (Decimal('25.99'), Decimal('25.99'))
    >>> apply_ending(Decimal("25.96"), "EUR", "95"), apply_ending(Decimal("25.50"), "EUR", "whole")
    (Decimal('26.95'), Decimal('26.00'))
    """
    quantum = minor_unit_exponent(currency)
    if ending == "exact" or (quantum >= 1 and ending != "whole"):
        return amount
    if ending == "whole":
        return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(quantum)
    cents = Decimal(ending).scaleb(-2)
    candidate = amount.to_integral_value(rounding=ROUND_FLOOR) + cents
    return candidate if candidate >= amount else candidate + 1


def quote_price(
    prices: Mapping[str, Money],
    tax_class: str,
    market: Market,
    pricing: Pricing,
    rates: EcbRates | None,
) -> PriceQuote:
    """Make a market's feed price from the catalog's prices.

    The order of operations, each step on exact decimals with no rounding in
    between:

    1. take the catalog price in the market's currency; failing that, the price
       in the base currency, to be converted;
    2. remove the VAT the catalog price includes (per ``pricing.catalog_prices``),
       giving the net price;
    3. when converting, multiply by the ECB cross rate, then add the market's markup;
    4. add the destination country's VAT for the tax class, unless the market
       shows net prices (US);
    5. round half up to the currency's minor units (ISO 4217 via CLDR: 2 for
       EUR, 0 for JPY);
    6. apply the market's price ending (.99, .95, whole units);
    7. round half up to the cash increment when the market asks (CHF 0.05).

    Raises:
        PriceProblem: no usable catalog price, tax basis, VAT rate or exchange rate.
    """
    source = prices.get(market.currency)
    converting = source is None
    if source is None:
        source = prices.get(pricing.base_currency)
    if source is None:
        have = ", ".join(sorted(prices)) or "none"
        raise PriceProblem(
            "missing_price",
            f"no price in {market.currency} and none in {pricing.base_currency} to convert; "
            f"catalog has {have}",
        )
    basis = pricing.catalog_prices.get(source.currency)
    if basis is None:
        raise PriceProblem(
            "unknown_tax_basis",
            f"[pricing.catalog_prices] does not say whether {source.currency} prices are "
            "net or gross",
        )
    # Multiply first and divide once at the end: a gross price re-based to the
    # same VAT then comes back exactly (10.005 / 1.19 * 1.19 would not, at 28 digits).
    numerator, divisor = source.amount, Decimal(1)
    home_vat = None
    if basis.includes_vat_of:
        home_vat = _vat(pricing, basis.includes_vat_of, tax_class)
        divisor = 1 + home_vat / 100
    rate = rate_day = None
    markup = Decimal(0)
    if converting:
        if rates is None:
            raise PriceProblem("missing_rate", "no exchange rates were loaded for this run")
        try:
            rate = rates.rate(source.currency, market.currency)
        except RatesError as exc:
            raise PriceProblem("missing_rate", str(exc)) from None
        rate_day = rates.day
        numerator *= rate
        markup = market.markup_percent
        if markup:
            numerator *= 1 + markup / 100
    vat_percent = Decimal(0)
    if market.prices_include_vat:
        vat_percent = _vat(pricing, market.country, tax_class)
        numerator *= 1 + vat_percent / 100
    rounded = (numerator / divisor).quantize(
        minor_unit_exponent(market.currency), rounding=ROUND_HALF_UP
    )
    ended = apply_ending(rounded, market.currency, market.price_ending)
    final, cash_step = ended, None
    if market.cash_rounding:
        cash_step = cash_increment(market.currency)
        final = (ended / cash_step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * cash_step
        final = final.quantize(minor_unit_exponent(market.currency))
    return PriceQuote(
        price=Money(final, market.currency),
        source=source,
        rate=rate,
        rate_day=rate_day,
        vat_percent=vat_percent,
        home_vat=home_vat,
        home_country=basis.includes_vat_of,
        markup_percent=markup,
        rounded=rounded,
        ending=market.price_ending,
        ended=ended,
        cash_step=cash_step,
        country=market.country,
    )


def _vat(pricing: Pricing, country: str, tax_class: str) -> Decimal:
    percent = pricing.vat_percent(country, tax_class)
    if percent is None:
        raise PriceProblem(
            "missing_vat_rate", f"[pricing.vat.{country}] has no rate for tax class {tax_class!r}"
        )
    return percent


def _show(value: Decimal) -> str:
    """An intermediate amount for the explanation, to four decimals."""
    return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def format_price(money: Money, locale: str) -> str:
    """A price as a person of ``locale`` reads it, rounded half up first.

    Babel rounds half to even, so 0.125 would print as 0,12; prices round half up.

    >>> format_price(Money(Decimal("0.125"), "EUR"), "de_DE")
    '0,13\xa0€'
    """
    rounded = round_to_minor_units(money)
    parsed, pattern = _currency_pattern(locale)
    return str(
        pattern.apply(rounded.amount, parsed, currency=rounded.currency, currency_digits=True)
    )


@lru_cache(maxsize=64)
def _currency_pattern(locale: str) -> tuple[Any, Any]:
    """The locale and its standard currency pattern, parsed once (Babel parses per call)."""
    from babel import Locale

    parsed = Locale.parse(locale)
    return parsed, parsed.currency_formats["standard"]


UNIT_PRICE_BASE = {"mass": "kg", "volume": "l", "length": "m", "area": "m2"}
"""Reference quantity of a unit price: per 1 kg, 1 l, 1 m, 1 m² (PAngV 2022 § 5)."""
_BASE_SYMBOL = {"kg": "kg", "l": "l", "m": "m", "m2": "m²"}


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """The price per reference quantity, for shelf labels and Google.

    Attributes:
        per_base: Price of one base unit, rounded half up to minor units.
        base_unit: ``kg``, ``l``, ``m`` or ``m2``.
        measure: Google ``unit_pricing_measure`` (the content, ``750 ml``).
        base_measure: Google ``unit_pricing_base_measure`` (``1 l``).
    """

    per_base: Money
    base_unit: str
    measure: str
    base_measure: str

    def text(self, locale: str) -> str:
        """The unit price as the market's buyers read it (``5,98 €/kg``)."""
        return f"{format_price(self.per_base, locale)}/{_BASE_SYMBOL[self.base_unit]}"


def unit_price(price: Money, net_content: Quantity) -> UnitPrice | None:
    """The unit price of ``price`` for ``net_content``, or None for an empty content.

    >>> unit_price(Money(Decimal("2.99"), "EUR"), Quantity(Decimal("500"), "g")).text("de_DE")
    '5,98\xa0€/kg'
    """
    from transforms.units import KIND, convert, factor, google_measure

    base = UNIT_PRICE_BASE[KIND[net_content.unit]]
    in_base = net_content.value * factor(net_content.unit, base)
    if in_base <= 0:
        return None
    per_base = round_to_minor_units(Money(price.amount / in_base, price.currency))
    shown = net_content if net_content.unit != "mm" else convert(net_content, "cm")
    return UnitPrice(
        per_base=per_base,
        base_unit=base,
        measure=google_measure(shown, places=3),
        base_measure=_base_measure(base),
    )


@lru_cache(maxsize=8)
def _base_measure(base: str) -> str:
    from transforms.units import google_measure

    return google_measure(Quantity(Decimal(1), base))
