"""Where feed prices come from: catalog prices, exchange rates and VAT per country."""

from __future__ import annotations

from datetime import date
from decimal import Decimal  # noqa: TC003 - pydantic reads it at run time
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from schemas.config.base import COUNTRY_CODE, CURRENCY_CODE, Percent, StrictModel
from schemas.product import TaxClass  # noqa: TC001 - pydantic reads it at run time


class TaxBasis(StrictModel):
    """How the catalog states its prices in one currency."""

    includes_vat_of: str | None = None
    """Country whose VAT these prices include (gross prices); absent for net prices."""


RateName = Literal["standard", "reduced", "second_reduced", "super_reduced", "zero"]
"""A country's VAT rates by name: ``reduced`` is the higher and ``second_reduced`` the lower
of two reduced rates, ``super_reduced`` a rate below 5 % (VAT Directive 2006/112/EC
art. 98(2), 110), ``zero`` 0 % with the right to deduct input VAT."""
_RATE_NAMES: frozenset[str] = frozenset(get_args(RateName))
_GOODS_CLASSES = frozenset({"food", "basic_food", "books"})


class DatedRate(StrictModel):
    """The rate a tax class takes for a period (a temporary rate, or one that changes)."""

    rate: RateName
    """The country's rate that applies in the period."""
    since: date | None = None
    """First day of the period; absent: open towards the past."""
    until: date | None = None
    """Last day of the period (inclusive); absent: open towards the future."""

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls in the period."""
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


class CountryVat(StrictModel):
    """One country's VAT rates in percent and the tax classes mapped onto them.

    Without ``classes`` (an inline ``[pricing.vat]`` table of the old form) a class
    that names a rate takes that rate, and ``food``, ``basic_food`` and ``books`` take
    ``reduced``. With ``classes`` a class takes the rate it maps to; unmapped,
    ``standard`` takes the standard rate, ``reduced`` (the old name of the food rate)
    takes whatever ``food`` maps to, and ``super_reduced`` or ``zero`` the rate of that
    name; any other class has no rate there (its products get a ``missing_vat_rate``
    finding).
    """

    standard: Percent | None = None
    """The standard rate."""
    reduced: Percent | None = None
    """The (higher) reduced rate."""
    second_reduced: Percent | None = None
    """A second, lower reduced rate."""
    super_reduced: Percent | None = None
    """A rate below 5 % (EU member states that kept one)."""
    zero: Annotated[Decimal, Field(ge=0, le=0)] | None = None
    """0 % with the right to deduct (UK food and books, say); present when the country has it."""
    classes: dict[TaxClass, RateName | list[DatedRate]] | None = None
    """Catalog tax class -> the name of the rate it takes, or dated periods of rates."""

    @model_validator(mode="after")
    def _classes_name_existing_rates(self) -> CountryVat:
        for tax_class, mapped in (self.classes or {}).items():
            periods = [mapped] if isinstance(mapped, str) else [p.rate for p in mapped]
            for name in periods:
                if getattr(self, name) is None:
                    raise ValueError(
                        f"tax class {tax_class!r} maps to the {name} rate, which is not given"
                    )
            if isinstance(mapped, list):
                ordered = sorted(mapped, key=lambda p: p.since or date.min)
                for before, after in zip(ordered, ordered[1:], strict=False):
                    if before.until is None or after.since is None or before.until >= after.since:
                        raise ValueError(f"the periods of tax class {tax_class!r} overlap")
        return self

    def rate_name(self, tax_class: str, on: date | None = None) -> str | None:
        """The name of the rate ``tax_class`` takes on day ``on``, or None.

        A class whose rate changes with the date needs ``on``; without it, None.
        """
        mapped: str | list[DatedRate] | None = None
        if self.classes is None:
            mapped = "reduced" if tax_class in _GOODS_CLASSES else tax_class
        elif tax_class in self.classes:
            mapped = self.classes[tax_class]
        elif tax_class == "reduced" and "food" in self.classes:
            mapped = self.classes["food"]
        elif tax_class in _RATE_NAMES:
            mapped = tax_class
        if isinstance(mapped, list):
            if on is None:
                return None
            mapped = next((p.rate for p in mapped if p.covers(on)), None)
        if mapped is None or mapped not in _RATE_NAMES or getattr(self, mapped) is None:
            return None
        return mapped

    def is_dated(self, tax_class: str) -> bool:
        """Whether the rate of ``tax_class`` depends on the date."""
        mapped = (self.classes or {}).get(tax_class)  # type: ignore[call-overload]
        if mapped is None and tax_class == "reduced":
            mapped = (self.classes or {}).get("food")
        return isinstance(mapped, list)


def check_vat_countries(value: dict[str, CountryVat]) -> dict[str, CountryVat]:
    """Return ``value`` if every key is an ISO 3166 country CLDR knows, else raise ValueError."""
    from babel import Locale

    territories = Locale("en").territories
    unknown = sorted(c for c in value if not COUNTRY_CODE.match(c) or c not in territories)
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not an ISO 3166 country code")
    return value


StaleRatesPolicy = Literal["fail", "warn"]
"""What a run does with exchange rates older than the configured age."""


class Pricing(StrictModel):
    """Where feed prices come from: catalog prices, exchange rates and VAT."""

    base_currency: Annotated[str, Field(pattern=CURRENCY_CODE.pattern)] = "EUR"
    """Currency converted from when a product has no price in a market's currency."""
    convert_from: list[Annotated[str, Field(pattern=CURRENCY_CODE.pattern)]] = Field(
        default_factory=list
    )
    """Further currencies to convert from, in order, when a product has a price in neither
    the market's nor the base currency; ``[catalog] currency`` is added to them, so a shop
    that sells in dollars lists in euro markets without more configuration."""
    rates: str
    """ECB ``eurofxref-daily.xml``: a file (relative to the config) or an http(s) URL."""
    stale_rates: StaleRatesPolicy = "fail"
    """Rates older than ``max_rate_age_business_days``: ``fail`` stops the run at extract
    with the reason (nothing published, no retry: old data does not heal by waiting);
    ``warn`` converts with them and writes a ``stale_rates`` warning finding."""
    max_rate_age_business_days: Annotated[int, Field(ge=0, le=30)] = 2
    """Most TARGET business days (weekends, 1 Jan, Good Friday, Easter Monday, 1 May,
    25 and 26 Dec are closed) from the rates' day to the run's logical date, counting the
    run's date and not the rates' own day. The ECB publishes about 16:00 CET, so a run at
    02:00 converts with the previous business day's rates: age 1; 2 lets one publication
    be missed."""
    offline_rates_day: date | None = None
    """The day of an offline rates snapshot that runs may convert with however old it is
    (the demo's checked-in file). Only rates of exactly this day are excused; any other
    day is checked as usual. Leave unset in production."""
    catalog_prices: dict[str, TaxBasis]
    """Per catalog currency, whether its prices are net or include a country's VAT."""
    vat_table: str | None = None
    """The reviewed VAT table (TOML, relative to the config file): per country its rates
    with their legal source, and the catalog tax classes mapped onto them. Replaces
    ``[pricing.vat]``."""
    vat: dict[str, CountryVat] = Field(default_factory=dict)
    """VAT per country (ISO 3166 code): read from ``vat_table``, or given inline in the
    old form ``DE = { standard = 19, reduced = 7 }``."""
    history_conn_id: str | None = None
    """Airflow connection of a PostgreSQL database for the price history (table
    ``price_history``, `transforms.infra.price_history`); unset: the history is kept as
    files beside the live feeds. The prior-price rule reads it (README "Sales and the
    prior price")."""

    @field_validator("vat")
    @classmethod
    def _countries_known(cls, value: dict[str, CountryVat]) -> dict[str, CountryVat]:
        return check_vat_countries(value)

    def vat_percent(self, country: str, tax_class: str, on: date | None = None) -> Decimal | None:
        """The VAT of a tax class in a country on day ``on``, or None when the config has none.

        >>> pricing = Pricing(rates="ecb.xml", catalog_prices={}, vat={"GB": CountryVat(
        ...     standard=Decimal(20), reduced=Decimal(5), zero=Decimal(0),
        ...     classes={"food": "zero"})})
        >>> pricing.vat_percent("GB", "food"), pricing.vat_percent("GB", "standard")
        (Decimal('0'), Decimal('20'))
        """
        table = self.vat.get(country)
        if table is None:
            return None
        name = table.rate_name(tax_class, on)
        return None if name is None else getattr(table, name)

    def missing_vat(self, country: str, tax_class: str, on: date | None = None) -> str:
        """Why ``vat_percent`` gives no rate, in a sentence."""
        where = f"the VAT table ({self.vat_table or '[pricing.vat]'})"
        table = self.vat.get(country)
        if table is None:
            return f"{where} has no country {country}"
        if table.is_dated(tax_class):
            if on is None:
                return f"{country} VAT for tax class {tax_class!r} changes on dates; no day given"
            return f"{where} gives tax class {tax_class!r} no rate in {country} on {on}"
        return f"{where} has no rate for tax class {tax_class!r} in {country}"
