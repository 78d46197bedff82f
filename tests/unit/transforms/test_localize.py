from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import ANY_LOCALE, Money, Product
from tests.conftest import ROOT
from transforms.localize import localize as localize_for
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer

if TYPE_CHECKING:
    from schemas.config.market import Market
    from schemas.findings import Finding

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)


def localize(product: Product, market: Market) -> Listing | list[Finding]:
    return localize_for(product, market, Pricer(market, CONFIG.pricing, RATES))


def product(**changes: object) -> Product:
    base = Product(
        sku="P-1",
        brand="Nordquell",
        title={ANY_LOCALE: "Trail Bottle"},
        description={"de_DE": "<p>Flasche</p>", "en_US": "<p>Bottle</p>"},
        prices={"EUR": Money(Decimal("24.90"), "EUR"), "USD": Money(Decimal("27.00"), "USD")},
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_german_market_gets_german_text_and_euro_price() -> None:
    listing = localize(product(), CONFIG.market("DE"))
    assert isinstance(listing, Listing)
    assert (listing.description, listing.text_locale, listing.locale) == (
        "<p>Flasche</p>",
        "de_DE",
        "de_DE",
    )
    assert listing.price == Money(Decimal("24.90"), "EUR")
    assert listing.link == "https://shop.grenzenlos.example/de-de/p/P-1"


def test_switzerland_converts_the_euro_price_and_says_how() -> None:
    listing = localize(product(), CONFIG.market("CH"))
    assert isinstance(listing, Listing)
    # 24.90 / 1.19 * 0.9363 * 1.02 (markup) * 1.081 (CH VAT) = 21.602 -> 21.60 (cash 0.05)
    assert listing.price == Money(Decimal("21.60"), "CHF")
    assert "(ECB 2026-11-26)" in listing.price_note


def test_austria_falls_back_to_catalog_german() -> None:
    listing = localize(product(), CONFIG.market("AT"))
    assert isinstance(listing, Listing)
    assert (listing.text_locale, listing.locale) == ("de_DE", "de_AT")


def test_localized_title_wins_over_the_all_locale_one() -> None:
    listing = localize(
        product(title={ANY_LOCALE: "Trail Bottle", "de_DE": "Trinkflasche"}), CONFIG.market("DE")
    )
    assert isinstance(listing, Listing)
    assert listing.title == "Trinkflasche"


@pytest.mark.parametrize(
    ("market", "changes", "expected"),
    [
        ("FR", {}, [("description", "missing_translation")]),
        ("CH", {"prices": {"USD": Money(Decimal("27.00"), "USD")}}, [("price", "missing_price")]),
        ("PL", {}, [("description", "missing_translation")]),
        ("DE", {"prices": {"EUR": Money(Decimal("0"), "EUR")}}, [("price", "non_positive_price")]),
        ("DE", {"enabled": False}, [("enabled", "product_disabled")]),
        ("DE", {"title": {}}, [("title", "missing_translation")]),
    ],
)
def test_products_are_set_aside_with_a_reason(
    market: str, changes: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    findings = localize(product(**changes), CONFIG.market(market))
    assert isinstance(findings, list)
    assert [(f.field, f.rule) for f in findings] == expected
    assert all(f.sku == "P-1" and f.market == market and f.severity == "error" for f in findings)


def test_missing_translation_message_says_where_it_looked() -> None:
    [finding] = localize(product(), CONFIG.market("FR"))  # type: ignore[misc]
    assert finding.message == "no description in fr_FR; catalog has de_DE, en_US"
