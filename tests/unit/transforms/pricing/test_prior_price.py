"""The prior-price rule on one listing (`apply_prior_price`) and the price history it reads
(`transforms.pricing.history`): the cases the multi-night run does not reach."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from schemas.config.market import Market, PriorPrice
from schemas.listing import Listing, Sale
from schemas.product import Money
from transforms.pricing.history import KEEP_DAYS, began, expired, prior_lowest, record_day
from transforms.pricing.prior_price import apply_prior_price, published_price

BERLIN = ZoneInfo("Europe/Berlin")
TONIGHT = date(2026, 11, 25)
HISTORY = (
    "2026-10-01/2026-11-09 100.00 EUR;"
    "2026-11-10/2026-11-14 95.00 EUR;"
    "2026-11-15/2026-11-24 120.00 EUR"
)


def market(country: str = "DE", **prior: object) -> Market:
    return Market(
        code=country,
        country=country,
        locale="de_DE",
        currency="EUR",
        channels=["google"],
        product_url="https://shop.example/{sku}",
        prior_price=PriorPrice(**prior),
    )


def on_sale(amount: str, start: datetime | None = None) -> Listing:
    regular = Money(Decimal("120.00"), "EUR")
    return Listing(
        sku="S-1",
        market="DE",
        locale="de_DE",
        text_locale="de_DE",
        title="Trail Bottle",
        description="",
        link="https://shop.example/S-1",
        price=regular,
        availability="in_stock",
        sale=Sale(Money(Decimal(amount), "EUR"), start=start, reference=regular),
    )


def test_policy_no_reference_sends_the_sale_without_a_strike_price() -> None:
    adjusted, (note,) = apply_prior_price(
        on_sale("90.00"), HISTORY, market(policy="no_reference"), "google", TONIGHT
    )
    assert adjusted.sale is not None and adjusted.sale.reference is None
    assert adjusted.sale.price.amount == Decimal("90.00")
    assert note.rule == "omnibus_reference_dropped"
    assert "95.00 EUR" in note.message and "120.00 EUR" in note.message


def test_outside_the_eu_the_catalogs_reference_stays_unless_configured() -> None:
    for country in ("GB", "CH", "US", "CN"):
        adjusted, notes = apply_prior_price(
            on_sale("90.00"), HISTORY, market(country), "google", TONIGHT
        )
        assert (adjusted, notes) == (on_sale("90.00"), []), country
    adjusted, (note,) = apply_prior_price(
        on_sale("90.00"), HISTORY, market("CH", applies=True), "google", TONIGHT
    )
    assert adjusted.sale is not None and adjusted.sale.reference == Money(Decimal("95.00"), "EUR")


def test_a_longer_period_reaches_further_back() -> None:
    cheap_long_ago = "2026-08-01/2026-08-31 80.00 EUR;" + HISTORY
    adjusted, (note,) = apply_prior_price(
        on_sale("90.00"), cheap_long_ago, market(days=120), "google", TONIGHT
    )
    assert adjusted.sale is None and adjusted.price == Money(Decimal("90.00"), "EUR")
    assert note.rule == "omnibus_sale_not_below_prior"
    adjusted, _ = apply_prior_price(on_sale("90.00"), cheap_long_ago, market(), "google", TONIGHT)
    assert adjusted.sale is not None  # 30 days: August is out of reach


def test_a_running_sale_keeps_the_prior_price_it_began_with() -> None:
    # Two nights into a sale with no start date: the nights at 90 are not its prior period.
    running = record_day(HISTORY, TONIGHT, Money(Decimal("90.00"), "EUR"))
    assert began(running, date(2026, 11, 26), Money(Decimal("90.00"), "EUR")) == TONIGHT
    adjusted, (note,) = apply_prior_price(
        on_sale("90.00"), running, market(), "google", date(2026, 11, 26)
    )
    assert adjusted.sale is not None and adjusted.sale.reference == Money(Decimal("95.00"), "EUR")
    assert note.rule == "omnibus_reference_lowered"


def test_a_sale_announced_for_later_counts_tonights_price_as_offered_until_then() -> None:
    later = datetime(2026, 12, 10, tzinfo=BERLIN)
    adjusted, (note,) = apply_prior_price(
        on_sale("90.00", start=later), HISTORY, market(), "google", TONIGHT
    )
    # 10 Nov to 9 Dec: 95 on 10-14 Nov is in the period, tonight's 120 after it.
    assert adjusted.sale is not None and adjusted.sale.reference == Money(Decimal("95.00"), "EUR")
    assert "before 2026-12-10" in note.message
    assert published_price(adjusted, TONIGHT) == Money(Decimal("120.00"), "EUR")


def test_without_history_the_regular_price_is_the_reference_and_a_finding_says_so() -> None:
    adjusted, (note,) = apply_prior_price(on_sale("90.00"), None, market(), "google", TONIGHT)
    assert adjusted == on_sale("90.00")
    assert (note.rule, note.sku, note.channel, note.severity) == (
        "omnibus_prior_price_unknown",
        "S-1",
        "google",
        "warning",
    )


def test_recording_the_same_night_again_or_an_earlier_night_changes_only_that_night() -> None:
    again = record_day(HISTORY, date(2026, 11, 24), Money(Decimal("120.00"), "EUR"))
    assert again == HISTORY
    corrected = record_day(HISTORY, date(2026, 11, 12), Money(Decimal("99.00"), "EUR"))
    assert corrected == (
        "2026-10-01/2026-11-09 100.00 EUR;2026-11-10/2026-11-11 95.00 EUR;"
        "2026-11-12/2026-11-12 99.00 EUR;2026-11-13/2026-11-14 95.00 EUR;"
        "2026-11-15/2026-11-24 120.00 EUR"
    )
    assert prior_lowest(corrected, date(2026, 11, 12), date(2026, 11, 12), "EUR") == Decimal(
        "99.00"
    )


def test_history_older_than_kept_is_dropped() -> None:
    far = date(2026, 11, 24).toordinal() + KEEP_DAYS + 1
    assert expired(HISTORY, date.fromordinal(far))
    assert not expired(HISTORY, TONIGHT)
    # The first interval ended on 9 Nov: KEEP_DAYS + 1 later it goes, the others stay.
    day = date.fromordinal(date(2026, 11, 9).toordinal() + KEEP_DAYS + 1)
    later = record_day(HISTORY, day, Money(Decimal("1.00"), "EUR"))
    assert later.startswith("2026-11-10/2026-11-14 95.00 EUR;") and later.endswith(" 1.00 EUR")
