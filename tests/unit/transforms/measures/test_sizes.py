from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import Money, Product
from tests.conftest import ROOT
from transforms.catalog.akeneo import read_akeneo
from transforms.localize import localize
from transforms.measures.sizes import SizeTable, gender_of
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer

if TYPE_CHECKING:
    from pathlib import Path

TABLE = SizeTable.load()
CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)


@pytest.mark.parametrize(
    ("size", "kind", "gender", "system", "expected"),
    [
        ("41", "shoes", "male", "UK", ("7", "UK")),
        ("41", "shoes", "male", "US", ("8", "US")),
        ("38", "shoes", "female", "US", ("7.5", "US")),
        ("38", "shoes", "female", "UK", ("5", "UK")),
        ("42", "shoes", "unisex", "UK", ("8", "UK")),  # first table that knows it: men's
        ("41", "shoes", "male", "EU", ("41", "EU")),
        ("49", "shoes", "male", "US", ("49", "EU")),  # not in the table: stays EU
        ("xl", "clothing", "female", "UK", ("XL", "UK")),
        ("50", "clothing", "male", "US", ("50", "EU")),  # numeric clothing sizes: not mapped
    ],
)
def test_size_table(
    size: str, kind: str, gender: str, system: str, expected: tuple[str, str]
) -> None:
    assert TABLE.for_market(size, kind, gender, system) == expected  # type: ignore[arg-type]


def test_gender_from_category_codes() -> None:
    assert gender_of(["master_women_shoes", "supplier_abibas"]) == "female"
    assert gender_of(["master_men_shoes"]) == "male"
    assert gender_of(["print_shoes"]) == "unisex"


def _shoe(size: str, categories: list[str]) -> Product:
    return Product(
        sku="SHOE-1",
        brand="Abibas",
        title={"*": "Runner"},
        description={"en_US": "<p>Running shoe</p>", "de_DE": "<p>Laufschuh</p>"},
        prices={"EUR": Money(Decimal("89.90"), "EUR")},
        categories=categories,
        size=size,
        size_kind="shoes",
    )


def test_markets_get_sizes_in_their_system() -> None:
    shoe = _shoe("41", ["master_men_shoes"])
    for market, expected in (("DE", ("41", "EU")), ("GB", ("7", "UK")), ("US", ("8", "US"))):
        target = CONFIG.market(market)
        listing = localize(shoe, target, Pricer(target, CONFIG.pricing, RATES))
        assert isinstance(listing, Listing)
        assert (listing.size, listing.size_system) == expected


@pytest.mark.shared_data
def test_real_akeneo_shoe_sizes_read_as_labels_and_map(shared_data: Path) -> None:
    products = [
        p
        for p in read_akeneo(
            shared_data / "products.csv",
            product_models=shared_data / "product_models.csv",
            attribute_options=shared_data / "attribute_options.csv",
        )
        if isinstance(p, Product) and p.size_kind == "shoes"
    ]
    assert len(products) == 56
    assert {p.size for p in products} <= {"36", "37", "38", "39", "40", "41", "42", "43", "44"}
    women = [p for p in products if gender_of(p.categories) == "female" and p.size == "38"]
    assert women, "the demo catalog has women's shoes in EU 38"
    assert TABLE.for_market("38", "shoes", "female", "US") == ("7.5", "US")
