"""Feed prices: the golden table (computed by hand), properties, and the ECB rates file."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.config.loader import load_config
from schemas.product import Money
from tests.conftest import CASES
from transforms.pricing.ecb_rates import EcbRates, RatesError, parse_ecb_rates
from transforms.pricing.money import PriceProblem, Pricer, quote_price

PRICES = CASES / "prices"
CONFIG = load_config(PRICES / "markets.toml", env={})
with (PRICES / "eurofxref-2026-11-20.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
with (PRICES / "golden_prices.csv").open(newline="", encoding="utf-8") as _stream:
    GOLDEN = list(csv.DictReader(_stream))


def _prices(text: str) -> dict[str, Money]:
    prices = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        currency, amount = part.split()
        prices[currency] = Money(Decimal(amount), currency)
    return prices


def test_golden_table_is_big_enough_and_covers_every_market() -> None:
    assert len(GOLDEN) >= 30
    assert {row["market"] for row in GOLDEN} >= {"DE", "AT", "FR", "CH", "GB", "US", "PL", "JP"}


@pytest.mark.parametrize("case", GOLDEN, ids=[row["case"] for row in GOLDEN])
def test_golden_price(case: dict[str, str]) -> None:
    market = CONFIG.market(case["market"])
    prices = _prices(case["catalog_prices"])
    if case["rule"]:
        with pytest.raises(PriceProblem) as problem:
            quote_price(prices, case["tax_class"], market, CONFIG.pricing, RATES)
        assert problem.value.rule == case["rule"]
        return
    quote = quote_price(prices, case["tax_class"], market, CONFIG.pricing, RATES)
    currency, amount = case["expected"].split()
    assert quote.price == Money(Decimal(amount), currency)
    assert str(quote.price.amount) == amount  # also the number of decimals the feed prints
    if market.currency not in prices:
        assert quote.rate_day == date(2026, 11, 20)
        assert "(ECB 2026-11-20)" in quote.explanation
    else:
        assert quote.rate is None


def test_one_pricer_per_market_serves_every_golden_case_in_turn() -> None:
    # A run keeps one Pricer per market and plans each currency and tax class
    # once: reused across the whole table (twice over, so every plan and every
    # problem comes from the cache the second time) it must give what the
    # golden table says.
    pricers = {code: Pricer(m, CONFIG.pricing, RATES) for code, m in CONFIG.markets.items()}
    for case in GOLDEN * 2:
        pricer = pricers[case["market"]]
        prices = _prices(case["catalog_prices"])
        if case["rule"]:
            with pytest.raises(PriceProblem) as problem:
                pricer.quote(prices, case["tax_class"])
            assert problem.value.rule == case["rule"], case["case"]
        else:
            quote = pricer.quote(prices, case["tax_class"])
            assert f"{quote.price.currency} {quote.price.amount}" == case["expected"], case["case"]


def test_explanation_shows_every_step() -> None:
    quote = quote_price(
        _prices("EUR 24.90"), "standard", CONFIG.market("CH"), CONFIG.pricing, RATES
    )
    assert quote.explanation == (
        "EUR 24.90; less 19% DE VAT = 20.9244 net; x 0.9363 CHF/EUR (ECB 2026-11-20) = 19.5915; "
        "+ 2% markup = 19.9833; + 8.1% CH VAT = 21.6020; rounded 21.60"
    )


@settings(max_examples=300, deadline=None)
@given(
    net=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
    country=st.sampled_from(["DE", "AT", "FR", "CH", "GB", "PL"]),
    tax_class=st.sampled_from(["standard", "reduced"]),
)
def test_gross_back_to_net_within_one_minor_unit(
    net: Decimal, country: str, tax_class: str
) -> None:
    market = next(m for m in CONFIG.markets.values() if m.country == country)
    # A net USD catalog price in a gross market: only the VAT step and rounding apply.
    update = {"cash_rounding": False, "currency": "USD", "price_ending": "exact"}
    market = market.model_copy(update=update)
    quote = quote_price({"USD": Money(net, "USD")}, tax_class, market, CONFIG.pricing, RATES)
    rate = CONFIG.pricing.vat_percent(country, tax_class)
    assert rate is not None
    back = (quote.price.amount / (1 + rate / 100)).quantize(Decimal("0.01"))
    assert abs(back - net) <= Decimal("0.01")
    assert isinstance(quote.price.amount, Decimal)


def test_no_float_reaches_a_price() -> None:
    for case in GOLDEN:
        if case["rule"]:
            continue
        quote = quote_price(
            _prices(case["catalog_prices"]),
            case["tax_class"],
            CONFIG.market(case["market"]),
            CONFIG.pricing,
            RATES,
        )
        for value in (
            quote.price.amount,
            quote.source.amount,
            quote.vat_percent,
            quote.rate or Decimal(0),
        ):
            assert type(value) is Decimal


# --- the ECB file -----------------------------------------------------------------------------


def test_ecb_file_of_a_friday_serves_the_weekend() -> None:
    # The bundled fixture is Friday's file; a run on Sunday 2026-11-22 finds no newer one,
    # and converted prices record Friday as their rate date.
    assert RATES.day == date(2026, 11, 20)
    assert date(2026, 11, 22).weekday() == 6
    quote = quote_price(
        _prices("EUR 10.00"), "standard", CONFIG.market("US"), CONFIG.pricing, RATES
    )
    assert quote.rate_day == date(2026, 11, 20)


def test_ecb_rates_and_cross_rates() -> None:
    assert RATES.per_euro["USD"] == Decimal("1.0835")
    assert RATES.per_euro["EUR"] == 1
    assert RATES.rate("USD", "CHF") == Decimal("0.9363") / Decimal("1.0835")
    with pytest.raises(RatesError, match="no rate for ISK"):
        RATES.rate("EUR", "ISK")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<not-xml", "not XML"),
        (b"<rss/>", "not gesmes:Envelope"),
        (
            b'<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
            b'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
            b'<Cube><Cube time="2026-11-20"><Cube currency="USD" rate="abc"/></Cube></Cube>'
            b"</gesmes:Envelope>",
            "malformed date or rate",
        ),
    ],
)
def test_bad_rates_files_are_refused(document: bytes, message: str) -> None:
    with pytest.raises(RatesError, match=message):
        parse_ecb_rates(io.BytesIO(document))


def test_converting_away_from_the_euro_uses_the_inverse_rate() -> None:
    rates = EcbRates(date(2026, 11, 20), {"EUR": Decimal(1), "PLN": Decimal("4.2705")})
    # 100 PLN at 4.2705 PLN per euro is 23.4164... EUR: 23.42 after rounding half up.
    euros = (Decimal("100") * rates.rate("PLN", "EUR")).quantize(Decimal("0.01"))
    assert euros == Decimal("23.42")


# --- the reviewed VAT table (config/vat.toml) ---------------------------------------------


def _golden_rows(name: str) -> list[dict[str, str]]:
    """A golden CSV whose header comment (lines starting with #) says how it was made."""
    with (PRICES / name).open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(line for line in stream if not line.startswith("#")))


VAT_CONFIG = load_config(PRICES / "vat_table_markets.toml", env={})
GOLDEN_VAT = _golden_rows("golden_vat.csv")
GOLDEN_VAT_PRICES = _golden_rows("golden_vat_prices.csv")


def _day(text: str) -> date:
    return date.fromisoformat(text) if text else date(2026, 11, 20)


def test_golden_vat_covers_every_country_and_goods_class() -> None:
    seen = {(row["country"], row["tax_class"]) for row in GOLDEN_VAT}
    for country in VAT_CONFIG.pricing.vat:
        for tax_class in ("standard", "food", "basic_food", "books"):
            assert (country, tax_class) in seen, (country, tax_class)


@pytest.mark.parametrize(
    "row", GOLDEN_VAT, ids=[f"{r['country']}-{r['tax_class']}-{r['day']}" for r in GOLDEN_VAT]
)
def test_golden_vat_rate(row: dict[str, str]) -> None:
    rate = VAT_CONFIG.pricing.vat_percent(row["country"], row["tax_class"], _day(row["day"]))
    assert rate == (None if row["rate"] == "none" else Decimal(row["rate"])), row["reason"]


def test_golden_vat_prices_are_enough_and_cover_the_new_markets() -> None:
    assert len(GOLDEN_VAT_PRICES) >= 40
    markets = {VAT_CONFIG.market(row["market"]).country for row in GOLDEN_VAT_PRICES}
    assert markets >= {"IT", "ES", "NL", "SE", "BE", "GB"}
    assert any(r["market"] == "GB" and r["tax_class"] == "food" for r in GOLDEN_VAT_PRICES)


@pytest.mark.parametrize("case", GOLDEN_VAT_PRICES, ids=[r["case"] for r in GOLDEN_VAT_PRICES])
def test_golden_vat_price(case: dict[str, str]) -> None:
    market = VAT_CONFIG.market(case["market"])
    day = date.fromisoformat(case["day"]) if case["day"] else None
    prices = _prices(case["catalog_prices"])
    if case["rule"]:
        with pytest.raises(PriceProblem) as problem:
            quote_price(prices, case["tax_class"], market, VAT_CONFIG.pricing, RATES, on=day)
        assert problem.value.rule == case["rule"]
        return
    quote = quote_price(prices, case["tax_class"], market, VAT_CONFIG.pricing, RATES, on=day)
    assert f"{quote.price.currency} {quote.price.amount}" == case["expected"]


def test_uk_food_is_zero_rated_and_says_so() -> None:
    quote = quote_price(
        _prices("EUR 7.50"), "food", VAT_CONFIG.market("GB"), VAT_CONFIG.pricing, RATES
    )
    assert quote.vat_percent == 0
    assert "GB VAT" not in quote.explanation  # no VAT step is shown for a zero rate
    assert quote.explanation.startswith("EUR 7.50; less 7% DE VAT = 7.0093 net")


def test_a_dated_rate_without_a_day_is_a_finding_not_a_guess() -> None:
    pricer = Pricer(VAT_CONFIG.market("SE"), VAT_CONFIG.pricing, None)
    with pytest.raises(PriceProblem) as problem:
        pricer.quote(_prices("SEK 99.00"), "food")
    assert problem.value.rule == "missing_vat_rate"
    assert problem.value.message == ("SE VAT for tax class 'food' changes on dates; no day given")
    assert pricer.quote(_prices("SEK 99.00"), "books").price == Money(Decimal("104.94"), "SEK")


def test_a_shop_selling_in_one_currency_lists_in_the_others_by_conversion() -> None:
    """A dollar shop's catalog (`[catalog] currency = "USD"`) has no euro price: DE converts
    from its dollars (net, as the config says of USD) instead of setting it aside."""
    prices = {"USD": Money(Decimal("100.00"), "USD")}
    market = CONFIG.market("DE")
    with pytest.raises(PriceProblem) as problem:
        quote_price(prices, "standard", market, CONFIG.pricing, RATES)
    assert problem.value.rule == "missing_price"
    dollars = CONFIG.pricing.model_copy(update={"convert_from": ["USD"]})
    quote = quote_price(prices, "standard", market, dollars, RATES)
    eur_per_usd = 1 / RATES.rate("EUR", "USD")
    expected = (Decimal("100.00") * eur_per_usd * Decimal("1.19")).quantize(Decimal("0.01"))
    assert quote.price.currency == "EUR"
    assert abs(quote.price.amount - expected) <= Decimal("0.01")
    assert quote.source == prices["USD"]
