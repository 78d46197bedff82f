"""A catalog's sale made into a market's `Sale` by `localize`: priced by the regular price's
steps (the golden cases computed by hand, as tests/cases/prices/golden_prices.csv's), its
period read in the merchant's time zone and published in the market's."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import ANY_LOCALE, Money, Product, SalePrice
from tests.conftest import CASES
from transforms.localize import localize
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer
from transforms.pricing.sales import SaleClock

PRICES = CASES / "prices"
CONFIG = load_config(PRICES / "markets.toml", env={})
with (PRICES / "eurofxref-2026-11-20.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
CLOCK = SaleClock(date(2026, 11, 26), "Europe/Berlin")


def product(*sales: SalePrice, prices: tuple[Money, ...] = ()) -> Product:
    item = Product(sku="S-1")
    item.title[ANY_LOCALE] = "Trail Bottle"
    for price in prices or (Money(Decimal("24.90"), "EUR"),):
        item.prices[price.currency] = price
    for sale in sales:
        item.sale_prices[sale.currency] = sale
    return item


def listing(item: Product, market: str, clock: SaleClock | None = CLOCK) -> Listing:
    found = localize(
        item,
        CONFIG.market(market),
        Pricer(CONFIG.market(market), CONFIG.pricing, RATES),
        clock=clock,
    )
    assert isinstance(found, Listing), found
    return found


EUR_SALE = SalePrice(Decimal("19.90"), "EUR", "2026-11-27", "2026-11-30")


@pytest.mark.parametrize(
    ("market", "regular", "sale", "hand_computation"),
    [
        ("DE", "EUR 24.90", "EUR 19.90", "19.90 / 1.19 * 1.19 = 19.90"),
        ("FR", "EUR 25.11", "EUR 20.07", "19.90 / 1.19 * 1.20 = 20.06723 -> 20.07"),
        (
            "PL",
            "PLN 109.99",
            "PLN 87.99",
            "19.90 / 1.19 * 4.2705 * 1.23 = 87.83952 -> 87.84 -> ending .99: 87.99",
        ),
        (
            "CH",
            "CHF 21.60",
            "CHF 17.25",
            "19.90 / 1.19 * 0.9363 * 1.02 * 1.081 = 17.26422 -> 17.26 -> cash 0.05: 17.25",
        ),
    ],
)
def test_a_sale_is_priced_by_the_regular_prices_steps(
    market: str, regular: str, sale: str, hand_computation: str
) -> None:
    made = listing(product(EUR_SALE), market)
    assert made.sale is not None, hand_computation
    assert f"{made.price.currency} {made.price.amount}" == regular
    assert f"{made.sale.price.currency} {made.sale.price.amount}" == sale, hand_computation
    assert made.sale.reference == made.price  # the prior-price rule may lower it, per channel


def test_the_period_is_read_in_the_merchants_zone_and_published_in_the_markets() -> None:
    berlin, zurich = ZoneInfo("Europe/Berlin"), ZoneInfo("Europe/Zurich")
    de, gb, ch = (listing(product(EUR_SALE), code).sale for code in ("DE", "GB", "CH"))
    assert de is not None and gb is not None and ch is not None
    assert de.start == datetime(2026, 11, 27, tzinfo=berlin)  # a date starts at 00:00
    assert de.end == datetime(2026, 11, 30, 23, 59, 59, tzinfo=berlin)  # and ends at 24:00
    assert gb.start is not None and gb.start.isoformat() == "2026-11-26T23:00:00+00:00"
    assert ch.start is not None and ch.start.utcoffset() == zurich.utcoffset(ch.start)
    in_utc = SalePrice(Decimal("19.90"), "EUR", "2026-11-27T08:00:00+00:00", None)
    offset = listing(product(in_utc), "DE").sale
    assert offset is not None and offset.start is not None
    assert offset.start.isoformat() == "2026-11-27T09:00:00+01:00"
    assert offset.end is None


def test_a_sale_over_before_the_run_is_dropped_and_a_later_one_is_kept_with_its_start() -> None:
    over = SalePrice(Decimal("19.90"), "EUR", "2026-11-01", "2026-11-25")
    assert listing(product(over), "DE").sale is None
    last_day = SalePrice(Decimal("19.90"), "EUR", "2026-11-01", "2026-11-26")
    assert listing(product(last_day), "DE").sale is not None  # on until tonight's day ends
    later = listing(product(EUR_SALE), "DE", SaleClock(date(2026, 11, 2))).sale
    assert later is not None and later.start is not None
    assert later.start.date() == date(2026, 11, 27)


def test_the_sale_is_taken_in_the_currency_the_markets_price_comes_from() -> None:
    prices = (Money(Decimal("24.90"), "EUR"), Money(Decimal("23.40"), "CHF"))
    assert listing(product(EUR_SALE, prices=prices), "CH").sale is None  # CH is priced in CHF
    chf_sale = SalePrice(Decimal("18.43"), "CHF")
    both = listing(product(EUR_SALE, chf_sale, prices=prices), "CH")
    assert both.sale is not None
    assert both.sale.price == Money(Decimal("18.45"), "CHF")  # 18.43, cash rounded
    de = listing(product(EUR_SALE, chf_sale, prices=prices), "DE").sale
    assert de is not None and de.price == Money(Decimal("19.90"), "EUR")


def test_a_sale_the_price_ending_lifts_to_the_regular_price_is_no_sale() -> None:
    sale = SalePrice(Decimal("24.89"), "EUR")  # 24.89 and 24.90 both end on .95: 24.95
    made = listing(product(sale), "DE95")
    assert made.sale is None
    (warning,) = [w for w in made.warnings if w.rule == "sale_price_rounded_away"]
    assert (warning.sku, warning.market, warning.field) == ("S-1", "DE95", "sale_price")
    assert "24.95" in warning.message


def test_a_period_in_no_iso_form_from_a_shop_reader_is_no_sale_and_a_warning() -> None:
    made = listing(product(SalePrice(Decimal("19.90"), "EUR", "27.11.2026", None)), "DE")
    assert made.sale is None
    assert [(w.rule, w.field) for w in made.warnings] == [("sale_period_invalid", "sale_price")]
