"""Categories per storefront (Kaufland, idealo) and unit prices in the CSV channels."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from feeds.contract import WriterContext
from schemas.product import Money, Quantity
from tests.unit.feeds.test_channels import (
    CATEGORIES,
    CONFIG,
    check,
    fixed_listings,
    listing,
    with_unit_price,
    write,
)

if TYPE_CHECKING:
    from pathlib import Path


def rows(data: bytes, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=delimiter))


def test_kaufland_pl_gets_polish_categories(tmp_path: Path) -> None:
    poland = CONFIG.market("PL")
    data, findings = write("kaufland", poland, fixed_listings(poland))
    assert [f for found in findings for f in found if f.severity == "error"] == []
    assert check("kaufland", data, tmp_path) == []
    written = rows(data, ";")
    assert [(r["locale"], r["category"], r["currency"]) for r in written] == [
        ("pl-PL", "Butelki na wodę", "PLN"),
        ("pl-PL", "Artykuły spożywcze", "PLN"),
    ]


@pytest.mark.parametrize(
    ("channel", "field"), [("kaufland", "category"), ("idealo", "categoryPath")]
)
def test_storefront_without_a_category_sets_the_listing_aside(channel: str, field: str) -> None:
    """A storefront the map has no category for (here a Czech Kaufland, an Austrian idealo)
    gets a finding and no row: never another storefront's category."""
    code = {"kaufland": "CZ", "idealo": "AT"}[channel]
    market = CONFIG.market("DE").model_copy(update={"code": code, "locale": "de_DE"})
    context = WriterContext(
        channel=CONFIG.channels.get(channel),  # type: ignore[call-overload]
        categories=CATEGORIES.for_channel(channel, code),
    )
    data, findings = write(channel, market, [listing(market)], context)
    assert len(data.decode("utf-8").splitlines()) == 1  # the header only
    [missing] = [f for f in findings[0] if f.rule == "missing_category"]
    assert (missing.severity, missing.market, missing.channel, missing.field) == (
        "error",
        code,
        channel,
        field,
    )
    assert f"category for {code} in the category mapping of drinkware, outdoor" in missing.message


def test_idealo_base_price_from_the_unit_price_calculation() -> None:
    germany = CONFIG.market("DE")
    oil = with_unit_price(
        listing(germany, sku="GZ-OIL-0001", price=Money(Decimal("8.99"), "EUR"),
                categories=("food",)),
        Quantity(Decimal("750"), "ml"),
    )  # fmt: skip
    data, findings = write("idealo", germany, [*fixed_listings(germany), oil])
    assert [f for found in findings for f in found if f.severity == "error"] == []
    # 7.50 EUR / 0.1 kg = 75.00; 8.99 EUR / 0.75 l = 11.9866... -> 11.99 (half up).
    assert [r["basePrice"] for r in rows(data, ",")] == ["", "75,00\xa0€/kg", "11,99\xa0€/l"]
