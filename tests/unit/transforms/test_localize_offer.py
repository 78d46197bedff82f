"""What a listing carries for offers: the catalog's stock count and its RRP as a list price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas.listing import Listing
from schemas.product import Money
from tests.unit.transforms.test_localize import CONFIG, localize, product


def listed(attributes: dict[str, str], market: str = "DE") -> Listing:
    listing = localize(product(attributes=attributes), CONFIG.market(market))
    assert isinstance(listing, Listing)
    return listing


@pytest.mark.parametrize(
    ("attributes", "quantity"),
    [({}, None), ({"stock": "12"}, 12), ({"Quantity": "7.0000"}, 7), ({"stock": "-3"}, 0)],
)
def test_stock_comes_from_the_catalogs_stock_attribute(
    attributes: dict[str, str], quantity: int | None
) -> None:
    listing = listed(attributes)
    assert listing.quantity == quantity
    assert listing.warnings == ()


def test_a_stock_that_is_no_whole_number_counts_as_none_and_is_reported() -> None:
    listing = listed({"stock": "about 12"})
    assert listing.quantity is None
    assert [(w.rule, w.field) for w in listing.warnings] == [("invalid_stock", "stock")]


@pytest.mark.parametrize(
    ("attributes", "market", "price"),
    [
        ({}, "DE", None),
        ({"rrp-EUR": "29.90"}, "DE", Money(Decimal("29.90"), "EUR")),
        ({"msrp": "29.90 EUR"}, "DE", Money(Decimal("29.90"), "EUR")),
        ({"rrp_usd": "32.00"}, "US", Money(Decimal("32.00"), "USD")),
        ({"rrp_note": "ask us"}, "DE", None),
    ],
)
def test_list_price_is_the_catalogs_rrp(
    attributes: dict[str, str], market: str, price: Money | None
) -> None:
    listing = listed(attributes, market)
    assert listing.list_price == price
    assert listing.warnings == ()


def test_a_converted_rrp_goes_through_the_same_steps_as_the_price() -> None:
    """US: the euro RRP loses its German VAT and is converted, as a euro price would be."""
    us = CONFIG.market("US")
    listing = listed({"rrp-EUR": "29.90"}, "US")
    priced = localize(product(prices={"EUR": Money(Decimal("29.90"), "EUR")}), us)
    assert isinstance(priced, Listing)
    assert listing.list_price == priced.price
    assert priced.price.currency == "USD"
    assert "less 19" in priced.price_note and "USD/EUR" in priced.price_note


def test_an_rrp_without_a_currency_is_reported_not_guessed() -> None:
    listing = listed({"rrp": "29.90"})
    assert listing.list_price is None
    assert [(w.rule, w.field) for w in listing.warnings] == [("invalid_list_price", "rrp")]
