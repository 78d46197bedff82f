"""Exact money for feeds: minor units, VAT, conversion, price endings and cash rounding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from schemas.product import Money, Quantity
from transforms.pricing.ecb_rates import RatesError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from schemas.config.market import Market
    from schemas.config.pricing import Pricing
    from transforms.pricing.ecb_rates import EcbRates


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


@dataclass(frozen=True, slots=True)
class PricePlan:
    """What turns a catalog price into a market's price, worked out once.

    Every product with a price in the same currency and tax class goes through
    the same steps with the same numbers, so a `Pricer` keeps one plan per
    (source currency, tax class) and only the amount changes per product.

    Attributes:
        multiplier: Exact product of the rate, the markup and the destination VAT factor.
        divisor: Exact home VAT factor (1 when the catalog price is net).
    """

    currency: str
    multiplier: Decimal
    divisor: Decimal
    quantum: Decimal
    rate: Decimal | None
    rate_day: date | None
    vat_percent: Decimal
    home_vat: Decimal | None
    home_country: str | None
    markup_percent: Decimal
    ending: str
    cash_step: Decimal | None
    country: str


@dataclass(slots=True)  # not frozen: made a million times a run, and frozen init is slow
class PriceQuote:
    """A feed price and every number that made it.

    Attributes:
        price: The price the feed shows.
        source: The catalog price it was made from.
        rounded: The amount after rounding to minor units.
        ended: The amount after the price ending.
        plan: The steps shared by every price of the same currency and tax class.
    """

    price: Money
    source: Money
    rounded: Decimal
    ended: Decimal
    plan: PricePlan

    @property
    def rate(self) -> Decimal | None:
        """Units of the market's currency per unit of the source's, when converted."""
        return self.plan.rate

    @property
    def rate_day(self) -> date | None:
        """The ECB working day of ``rate``."""
        return self.plan.rate_day

    @property
    def vat_percent(self) -> Decimal:
        """Destination VAT included in ``price`` (0 for net prices)."""
        return self.plan.vat_percent

    @property
    def explanation(self) -> str:
        """Every step, for people (rendered when asked: runs only need it for reports)."""
        plan = self.plan
        target = self.price.currency
        numerator, divisor = self.source.amount, Decimal(1)
        steps = [f"{self.source.currency} {self.source.amount}"]
        if plan.home_vat is not None:
            divisor = plan.divisor
            steps.append(
                f"less {plan.home_vat}% {plan.home_country} VAT = {_show(numerator / divisor)} net"
            )
        if plan.rate is not None:
            numerator *= plan.rate
            steps.append(
                f"x {_show(plan.rate)} {target}/{self.source.currency} (ECB {plan.rate_day})"
                f" = {_show(numerator / divisor)}"
            )
            if plan.markup_percent:
                numerator *= 1 + plan.markup_percent / 100
                steps.append(f"+ {plan.markup_percent}% markup = {_show(numerator / divisor)}")
        if plan.vat_percent:
            numerator *= 1 + plan.vat_percent / 100
            steps.append(f"+ {plan.vat_percent}% {plan.country} VAT = {_show(numerator / divisor)}")
        steps.append(f"rounded {self.rounded}")
        if self.ended != self.rounded:
            label = "whole" if plan.ending == "whole" else f"ending .{plan.ending}"
            steps.append(f"{label} {self.ended}")
        if plan.cash_step is not None and self.price.amount != self.ended:
            steps.append(f"cash rounding to {plan.cash_step}: {self.price.amount}")
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


class Pricer:
    """Feed prices for one market, with the steps planned once per currency and tax class.

    The order of operations, each step on exact decimals with no rounding in
    between:

    1. take the catalog price in the market's currency; failing that, the price
       in the base currency, to be converted;
    2. remove the VAT the catalog price includes (per ``pricing.catalog_prices``),
       giving the net price;
    3. when converting, multiply by the ECB cross rate, then add the market's markup;
    4. add the destination country's VAT for the tax class, unless the market
       shows net prices (US): the rate ``pricing`` maps the class to in that country
       on the pricing day (``on``; by default the day of the ECB rates);
    5. round half up to the currency's minor units (ISO 4217 via CLDR: 2 for
       EUR, 0 for JPY);
    6. apply the market's price ending (.99, .95, whole units);
    7. round half up to the cash increment when the market asks (CHF 0.05).

    Steps 2 to 4 multiply the amount by one exact factor and divide once by the
    home VAT factor: a gross price re-based to the same VAT then comes back
    exactly (10.005 / 1.19 * 1.19 would not, at 28 digits).
    """

    def __init__(
        self,
        market: Market,
        pricing: Pricing,
        rates: EcbRates | None,
        *,
        on: date | None = None,
    ) -> None:
        self.market = market
        self.pricing = pricing
        self.rates = rates
        # The day whose VAT rates apply: a temporary rate (Swedish food) ends on a date.
        self.on = on if on is not None else (rates.day if rates is not None else None)
        self._plans: dict[tuple[str, str], PricePlan | tuple[str, str]] = {}

    def quote(self, prices: Mapping[str, Money], tax_class: str) -> PriceQuote:
        """The market's feed price for a product's catalog prices.

        Raises:
            PriceProblem: no usable catalog price, tax basis, VAT rate or exchange rate.
        """
        source = self.source(prices)
        key = (source.currency, tax_class)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(source.currency, tax_class)
        if type(plan) is tuple:  # a problem, kept so it is worked out once too
            raise PriceProblem(*plan)
        assert isinstance(plan, PricePlan)
        amount = source.amount * plan.multiplier
        if plan.home_vat is not None:
            amount /= plan.divisor
        rounded = amount.quantize(plan.quantum, rounding=ROUND_HALF_UP)
        ended = rounded
        if plan.ending != "exact":
            ended = apply_ending(rounded, plan.currency, plan.ending)
        final = ended
        if plan.cash_step is not None:
            step = plan.cash_step
            final = (ended / step).quantize(_ONE, rounding=ROUND_HALF_UP) * step
            final = final.quantize(plan.quantum)
        return PriceQuote(Money(final, plan.currency), source, rounded, ended, plan)

    def source(self, prices: Mapping[str, Money]) -> Money:
        """The catalog price this market's price is made from: the one in the market's
        currency, else the base currency's, else the first of ``convert_from``.

        Raises:
            PriceProblem: the catalog has none of them.
        """
        source = prices.get(self.market.currency)
        if source is None:
            source = prices.get(self.pricing.base_currency)
            for currency in self.pricing.convert_from:
                if source is not None:
                    break
                source = prices.get(currency)
            if source is None:
                have = ", ".join(sorted(prices)) or "none"
                wanted, base = self.market.currency, self.pricing.base_currency
                raise PriceProblem(
                    "missing_price",
                    f"no {wanted} price in the catalog (it has: {have})"
                    if wanted == base
                    else f"no price in {wanted}, and no {base} price to convert from "
                    f"(the catalog has: {have})",
                )
        return source

    def _plan(self, source_currency: str, tax_class: str) -> PricePlan | tuple[str, str]:
        market, pricing = self.market, self.pricing
        basis = pricing.catalog_prices.get(source_currency)
        if basis is None:
            return (
                "unknown_tax_basis",
                f"[pricing.catalog_prices] does not say whether {source_currency} prices are "
                "net or gross",
            )
        try:
            home_vat = None
            divisor = Decimal(1)
            if basis.includes_vat_of:
                home_vat = _vat(pricing, basis.includes_vat_of, tax_class, self.on)
                divisor = 1 + home_vat / 100
            multiplier = Decimal(1)
            rate = rate_day = None
            markup = Decimal(0)
            if source_currency != market.currency:
                if self.rates is None:
                    return ("missing_rate", "no exchange rates were loaded for this run")
                try:
                    rate = self.rates.rate(source_currency, market.currency)
                except RatesError as exc:
                    return ("missing_rate", str(exc))
                rate_day = self.rates.day
                multiplier *= rate
                markup = market.markup_percent
                if markup:
                    multiplier *= 1 + markup / 100
            vat_percent = Decimal(0)
            if market.prices_include_vat:
                vat_percent = _vat(pricing, market.country, tax_class, self.on)
                multiplier *= 1 + vat_percent / 100
        except PriceProblem as problem:
            return (problem.rule, problem.message)
        return PricePlan(
            currency=market.currency,
            multiplier=multiplier,
            divisor=divisor,
            quantum=minor_unit_exponent(market.currency),
            rate=rate,
            rate_day=rate_day,
            vat_percent=vat_percent,
            home_vat=home_vat,
            home_country=basis.includes_vat_of,
            markup_percent=markup,
            ending=market.price_ending,
            cash_step=cash_increment(market.currency) if market.cash_rounding else None,
            country=market.country,
        )


_ONE = Decimal(1)


def quote_price(
    prices: Mapping[str, Money],
    tax_class: str,
    market: Market,
    pricing: Pricing,
    rates: EcbRates | None,
    *,
    on: date | None = None,
) -> PriceQuote:
    """One feed price, planned from scratch (see `Pricer` for the order of operations).

    Raises:
        PriceProblem: no usable catalog price, tax basis, VAT rate or exchange rate.
    """
    return Pricer(market, pricing, rates, on=on).quote(prices, tax_class)


def _vat(pricing: Pricing, country: str, tax_class: str, on: date | None) -> Decimal:
    percent = pricing.vat_percent(country, tax_class, on)
    if percent is None:
        raise PriceProblem("missing_vat_rate", pricing.missing_vat(country, tax_class, on))
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


@dataclass(slots=True)  # not frozen: one per listing, and frozen init is slow
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
    in_base, base, measure, base_measure = _content(net_content)
    if in_base <= 0:
        return None
    per_base = (price.amount / in_base).quantize(
        minor_unit_exponent(price.currency), rounding=ROUND_HALF_UP
    )
    return UnitPrice(Money(per_base, price.currency), base, measure, base_measure)


@lru_cache(maxsize=4096)  # a catalog has few distinct contents (500 g, 750 ml, ...)
def _content(net_content: Quantity) -> tuple[Decimal, str, str, str]:
    """A net content in its PAngV base unit, and Google's texts for it."""
    from transforms.measures.units import KIND, convert, factor, google_measure

    base = UNIT_PRICE_BASE[KIND[net_content.unit]]
    in_base = net_content.value * factor(net_content.unit, base)
    shown = net_content if net_content.unit != "mm" else convert(net_content, "cm")
    return in_base, base, google_measure(shown, places=3), _base_measure(base)


@lru_cache(maxsize=8)
def _base_measure(base: str) -> str:
    from transforms.measures.units import google_measure

    return google_measure(Quantity(Decimal(1), base))
