"""A catalog's sale price made into a market's `Sale`: priced like the regular price, its
period read in the merchant's time zone and published in the market's.

**Which sale**: the catalog's sale price in the currency the regular price was taken
from (`Pricer.source`), so a market priced from the catalog's CHF price takes the CHF
sale and one converted from EUR the EUR sale; a sale only in another currency is not
this market's. **Its price**: the same steps as the regular price (`Pricer.quote`: VAT
re-based, converted, marked up, rounded, price ending, cash rounding). **Its period**: a
date-only start begins at 00:00 and a date-only end lasts until 24:00 in the merchant's
time zone (``[catalog] time_zone``), as shop systems mean their sale dates; a time
without an offset is the merchant's too; both are then expressed in the market's zone
(`schemas.config.market.Market.zone`). **Tonight's run**: a sale that ended before the
run's day began (in the market's zone) is dropped; one that starts later is kept with
its start, and each channel decides whether to publish a future interval.

The reference (strike) price starts as the listing's regular price; in EU markets the
prior-price rule may lower it or drop the sale (`transforms.pricing.prior_price`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from schemas.config.time_zones import zone_info
from schemas.findings import Finding
from schemas.listing import Listing, Sale
from schemas.product import Money
from transforms.pricing.money import PriceProblem

if TYPE_CHECKING:
    from schemas.config.market import Market
    from schemas.product import Product, SalePrice
    from transforms.pricing.money import PriceQuote, Pricer

DEFAULT_MERCHANT_ZONE = "Europe/Berlin"
"""`schemas.config.catalog.CatalogSource.time_zone`'s default."""


@dataclass(frozen=True, slots=True)
class SaleClock:
    """When tonight's run is and where the merchant's dates are meant.

    Attributes:
        run_day: The run's logical day (the DAG's, never the wall clock).
        merchant_zone: IANA zone of dates the catalog gives without an offset.
    """

    run_day: date
    merchant_zone: str = DEFAULT_MERCHANT_ZONE


def sale_moment(text: str, merchant_zone: str, *, end: bool) -> datetime:
    """A sale's start or end (ISO 8601) as a time-zone aware moment: a date alone is the
    day's first moment (a start) or last second (an end) in the merchant's zone, and so is
    a time without an offset.

    >>> str(sale_moment("2026-11-27", "Europe/Berlin", end=False))
    '2026-11-27 00:00:00+01:00'
    >>> str(sale_moment("2026-11-30", "Europe/Berlin", end=True))
    '2026-11-30 23:59:59+01:00'
    >>> str(sale_moment("2026-11-27T08:00:00+00:00", "Europe/Berlin", end=False))
    '2026-11-27 08:00:00+00:00'
    """
    zone = zone_info(merchant_zone)
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime.combine(day, time(23, 59, 59) if end else time(0), tzinfo=zone)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def day_start(day: date, zone: str) -> datetime:
    """The first moment of ``day`` in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone_info(zone))


def catalog_sale(product: Product, pricer: Pricer) -> SalePrice | None:
    """The catalog's sale in the currency the market's regular price is made from."""
    if not product.sale_prices:
        return None
    try:
        source = pricer.source(product.prices)
    except PriceProblem:
        return None
    return product.sale_prices.get(source.currency)


def quote_sale(product: Product, pricer: Pricer) -> PriceQuote | None:
    """The market's price of the catalog's sale (`catalog_sale`), every step as the
    regular price's; None when there is no sale for this market's price."""
    sale = catalog_sale(product, pricer)
    if sale is None:
        return None
    return pricer.quote({sale.currency: Money(sale.amount, sale.currency)}, product.tax_class)


def price_sale(
    product: Product,
    market: Market,
    pricer: Pricer,
    regular: Money,
    clock: SaleClock | None,
    warnings: list[Finding],
) -> Sale | None:
    """The listing's `Sale` in ``market``, or None (no sale for it, ended, or not below
    the regular price once priced). ``reference`` is the regular price; the prior-price
    rule may change it later, per channel."""
    found = catalog_sale(product, pricer)
    if found is None:
        return None
    merchant = clock.merchant_zone if clock else DEFAULT_MERCHANT_ZONE
    zone = zone_info(market.zone)
    try:
        start = sale_moment(found.start, merchant, end=False) if found.start else None
        end = sale_moment(found.end, merchant, end=True) if found.end else None
    except ValueError:  # a reader let through a date in no ISO 8601 form
        warnings.append(
            Finding(
                stage="localize",
                severity="warning",
                sku=product.sku,
                market=market.code,
                field="sale_price",
                rule="sale_period_invalid",
                message=f"the sale's period {found.start or ''}/{found.end or ''} is not ISO "
                "8601 dates or times: no sale is published",
            )
        )
        return None
    if clock is not None and end is not None and end < day_start(clock.run_day, market.zone):
        return None  # over before tonight's run: nothing to announce
    try:
        quote = quote_sale(product, pricer)
    except PriceProblem:
        return None  # the regular price was made from the same plan, so this is unreachable
    if quote is None:
        return None
    if quote.price.amount >= regular.amount:
        warnings.append(
            Finding(
                stage="localize",
                severity="warning",
                sku=product.sku,
                market=market.code,
                field="sale_price",
                rule="sale_price_rounded_away",
                message=f"the sale price {found.amount} {found.currency} becomes "
                f"{quote.price.amount} {quote.price.currency} here, not below the regular "
                f"price {regular.amount} (rounding, price ending): no sale is published",
            )
        )
        return None
    return Sale(
        price=quote.price,
        start=start.astimezone(zone) if start else None,
        end=end.astimezone(zone) if end else None,
        reference=regular,
    )


def live_on(sale: Sale, day: date) -> bool:
    """Whether the sale is on at some moment of ``day`` (in the sale's own zone).

    >>> from decimal import Decimal
    >>> s = Sale(Money(Decimal(9), "EUR"), start=sale_moment("2026-12-01", "UTC", end=False))
    >>> live_on(s, date(2026, 11, 30)), live_on(s, date(2026, 12, 1))
    (False, True)
    """
    if sale.start is not None and sale.start.date() > day:
        return False
    return sale.end is None or sale.end.date() >= day


SALE_COLUMNS = ("sale_price", "sale_start", "sale_end", "sale_how")
"""The sale's columns of ``prices.csv``, after the regular price's: its price, period
(ISO 8601 in the market's zone) and steps; empty for a listing without a sale."""


def sale_columns(product: Product, listing: Listing, pricer: Pricer) -> tuple[str, ...]:
    """The `SALE_COLUMNS` of a listing's ``prices.csv`` row."""
    sale = listing.sale
    if sale is None:
        return ("", "", "", "")
    quote = quote_sale(product, pricer)
    return (
        str(sale.price.amount),
        sale.start.isoformat() if sale.start else "",
        sale.end.isoformat() if sale.end else "",
        quote.explanation if quote is not None else "",
    )
