"""Google's variants and shipping: golden files of the sample's product groups and of each
kind of market shipping (``tests/cases/feeds/variants/``, ``tests/cases/feeds/shipping/``).

Regenerate them with ``GRENZENLOS_UPDATE_GOLDEN=1 pytest tests/unit/feeds/test_variants_google.py``
and read the diff before committing it.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from schemas.product import Money, Quantity
from tests.unit.feeds.test_channels import CONFIG, GOLDEN, check, listing, write
from tests.unit.feeds.variant_groups import DAYPACK, OIL, group_listings

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

G = f"{{{G_NS}}}"


def matches_golden(data: bytes, golden: Path) -> bool:
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    return data == golden.read_bytes()


def items(data: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(data)
    return {item.findtext(f"{G}id"): item for item in root.iterfind("channel/item")}


def shipping_of(item: etree._Element) -> tuple[str | None, ...] | None:
    element = item.find(f"{G}shipping")
    if element is None:
        return None
    return tuple(element.findtext(f"{G}{part}") for part in ("country", "service", "price"))


def test_the_sample_groups_go_out_as_google_variants(tmp_path: Path) -> None:
    de = CONFIG.market("DE")
    listings = group_listings(de)
    data, findings = write("google", de, listings)
    assert [f for found in findings for f in found if f.severity == "error"] == []
    assert check("google", data, tmp_path) == []
    assert matches_golden(data, GOLDEN / "variants" / "google.xml")

    written = items(data)
    assert list(written) == [item.sku for item in listings]
    groups = Counter(item.findtext(f"{G}item_group_id") for item in written.values())
    assert groups == {DAYPACK: 6, OIL: 3}
    by_group: dict[str | None, list[etree._Element]] = {}
    for item in written.values():
        by_group.setdefault(item.findtext(f"{G}item_group_id"), []).append(item)
    daypacks = {(i.findtext(f"{G}size"), i.findtext(f"{G}color")) for i in by_group[DAYPACK]}
    assert daypacks == {
        (f"{litres} l", colour) for litres in (18, 24, 30) for colour in ("black", "red")
    }
    assert {i.findtext(f"{G}material") for i in by_group[DAYPACK]} == {"recycled polyester"}
    assert [i.findtext(f"{G}size") for i in by_group[OIL]] == ["250 ml", "500 ml", "1.000 ml"]
    assert all(i.find(f"{G}color") is None for i in by_group[OIL])
    assert {i.findtext(f"{G}condition") for i in written.values()} == {"new"}
    for sku, item in written.items():
        price = Decimal(item.findtext(f"{G}price", "").split()[0])
        cost = "0.00 EUR" if price >= 50 else "4.90 EUR"
        assert shipping_of(item) == ("DE", "DHL Paket", cost), sku


def shipping_cases(code: str) -> list[Listing]:
    market = CONFIG.market(code)

    def case(sku: str, price: str, weight: Quantity | None) -> Listing:
        return listing(
            market,
            sku=sku,
            link=market.link_for(sku),
            price=Money(Decimal(price), market.currency),
            weight=weight,
            mpn=f"MPN-{sku}",
        )

    kg = "kg"
    return {
        "DE": [
            case("DE-UNDER-50", "49.99", Quantity(Decimal("0.555"), kg)),
            case("DE-FROM-50", "50.00", Quantity(Decimal("0.555"), kg)),
            case("DE-NO-WEIGHT", "24.90", None),
        ],
        "FR": [
            case("FR-430-G", "24.90", Quantity(Decimal("430"), "g")),
            case("FR-12-KG", "89.00", Quantity(Decimal("12"), kg)),
            case("FR-40-KG", "189.00", Quantity(Decimal("40"), kg)),
            case("FR-NO-WEIGHT", "24.90", None),
        ],
        "US": [case("US-ACCOUNT", "24.90", Quantity(Decimal("1.2"), "lb"))],
    }[code]


EXPECTED_SHIPPING = {
    "DE": {
        "DE-UNDER-50": ("DE", "DHL Paket", "4.90 EUR"),
        "DE-FROM-50": ("DE", "DHL Paket", "0.00 EUR"),
        "DE-NO-WEIGHT": ("DE", "DHL Paket", "4.90 EUR"),  # a flat rate needs no weight
    },
    "FR": {
        "FR-430-G": ("FR", "Colissimo", "6.90 EUR"),
        "FR-12-KG": ("FR", "Colissimo", "24.90 EUR"),
        "FR-40-KG": None,
        "FR-NO-WEIGHT": None,
    },
    "US": {"US-ACCOUNT": None},  # the Merchant Center account holds the shipping
}


@pytest.mark.parametrize("code", sorted(EXPECTED_SHIPPING))
def test_shipping_per_market(code: str, tmp_path: Path) -> None:
    market = CONFIG.market(code)
    data, findings = write("google", market, shipping_cases(code))
    assert check("google", data, tmp_path) == []
    assert matches_golden(data, GOLDEN / "shipping" / f"google-{code}.xml")
    written = items(data)
    assert {sku: shipping_of(item) for sku, item in written.items()} == EXPECTED_SHIPPING[code]
    unknown: dict[str, Finding] = {
        f.sku: f for found in findings for f in found if f.rule == "shipping_unknown"
    }
    assert {sku for sku, cost in EXPECTED_SHIPPING[code].items() if cost is None} >= set(unknown)
    if code == "FR":
        assert set(unknown) == {"FR-40-KG", "FR-NO-WEIGHT"}
        assert {f.severity for f in unknown.values()} == {"warning"}
        assert "40 kg is over the last weight band of Colissimo (30 kg)" in (
            unknown["FR-40-KG"].message
        )
        assert "no weight" in unknown["FR-NO-WEIGHT"].message
    else:
        assert unknown == {}


def idealo_costs(data: bytes) -> dict[str, str]:
    header, *rows = csv.reader(io.StringIO(data.decode()))
    return {row[0]: row[header.index("deliveryCosts_dhl")] for row in rows}


def test_idealo_takes_the_markets_shipping_and_falls_back_to_the_channels() -> None:
    de = CONFIG.market("DE")
    cheap = listing(de, sku="CHEAP", price=Money(Decimal("24.90"), "EUR"))
    dear = listing(de, sku="DEAR", price=Money(Decimal("50.00"), "EUR"))
    data, findings = write("idealo", de, [cheap, dear])
    assert idealo_costs(data) == {"CHEAP": "4.90", "DEAR": "0.00"}
    assert [f for found in findings for f in found if f.severity == "error"] == []

    by_weight = de.model_copy(update={"shipping": CONFIG.market("FR").shipping})
    heavy = listing(de, sku="HEAVY", weight=Quantity(Decimal("40"), "kg"))
    data, [light_found, heavy_found] = write("idealo", by_weight, [cheap, heavy])
    assert idealo_costs(data) == {"CHEAP": "6.90"}  # 555 g: the first band
    assert light_found == []
    assert [(f.severity, f.field, f.rule) for f in heavy_found if f.severity == "error"] == [
        ("error", "deliveryCosts_dhl", "shipping_unknown")
    ]

    unconfigured = de.model_copy(update={"shipping": {}})
    data, _ = write("idealo", unconfigured, [dear])
    assert idealo_costs(data) == {"DEAR": "4.90"}  # [channels.idealo] delivery_cost
