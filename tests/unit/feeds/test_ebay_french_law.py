"""eBay's energy label, French repairability index and eco-participation on the offer,
checked against eBay's Sell Inventory API contract 1.18.2 (``tests/contracts/ebay/``):
``Regulatory.energyEfficiencyLabel`` and ``Regulatory.repairScore`` (a number, 0.0 to 10.0
with one decimal, the contract's description), and the offer's
``ExtendedProducerResponsibility.ecoParticipationFee`` (an ``Amount``), on eBay France only.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.ebay import extended_producer_responsibility, regulatory
from schemas.config.operators import Operators
from tests.unit.feeds.test_channels import CONFIG, listing, market_for
from tests.unit.feeds.test_ebay_regulatory import _contract, _undeclared, _validator

NO_OPERATORS = Operators()
LAMP = {
    "energy_class": "F",
    "eprel_registration_number": "1500046",
    "energy_label_url": "https://assets.grenzenlos.example/labels/GZ-LAM-0046.png",
    "product_information_sheet_url": "https://eprel.ec.europa.eu/screen/product/lightsources/1500046",
    "repairability_index": "7,9",
}


def _valid(block: object, schema: str) -> None:
    assert list(_validator(schema).iter_errors(block)) == []
    assert _undeclared(block, {"$ref": f"#/components/schemas/{schema}"}) == []


def test_the_contract_has_the_fields() -> None:
    schemas = _contract()["components"]["schemas"]
    assert {"energyEfficiencyLabel", "repairScore"} <= set(schemas["Regulatory"]["properties"])
    assert schemas["Regulatory"]["properties"]["repairScore"]["type"] == "number"
    assert "ecoParticipationFee" in schemas["ExtendedProducerResponsibility"]["properties"]


def test_energy_label_and_repair_score_match_the_contract() -> None:
    market = market_for("ebay")
    block = regulatory(listing(market, attributes=LAMP), NO_OPERATORS)
    assert block == {
        "energyEfficiencyLabel": {
            "imageDescription": "On a scale of A to G the rating is F.",
            "imageURL": LAMP["energy_label_url"],
            "productInformationSheet": LAMP["product_information_sheet_url"],
        },
        "repairScore": Decimal("7.9"),
    }
    _valid(block, "Regulatory")


@pytest.mark.parametrize("index", ["5.65", "10.5", "-1", "sehr gut"])
def test_a_repair_index_ebay_does_not_take_is_left_out(index: str) -> None:
    """eBay: one decimal at most ("5.645 and 2.10 are both invalid"), 0.0 to 10.0."""
    block = regulatory(
        listing(market_for("ebay"), attributes={"repairability_index": index}), NO_OPERATORS
    )
    assert block is None


def test_an_older_label_class_is_described_without_the_a_to_g_scale() -> None:
    block = regulatory(
        listing(market_for("ebay"), attributes={"energy_class": "A++"}), NO_OPERATORS
    )
    assert block == {
        "energyEfficiencyLabel": {"imageDescription": "The energy efficiency class is A++."}
    }
    _valid(block, "Regulatory")


def test_eco_participation_fee_on_ebay_france_only() -> None:
    france, germany = CONFIG.market("FR"), CONFIG.market("DE")
    attributes = {"eco_participation_fee": "0.5"}
    block = extended_producer_responsibility(listing(france, attributes=attributes), france)
    assert block == {"ecoParticipationFee": {"currency": "EUR", "value": "0.50"}}
    _valid(block, "ExtendedProducerResponsibility")
    assert (
        extended_producer_responsibility(listing(germany, attributes=attributes), germany) is None
    )
    zero = listing(france, attributes={"eco_participation_fee": "0"})
    assert extended_producer_responsibility(zero, france) is None  # eBay: 0 is no default
