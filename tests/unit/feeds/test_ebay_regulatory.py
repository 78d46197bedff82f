"""eBay's ``regulatory`` block (GPSR manufacturer and EU responsible persons), checked
against eBay's Sell Inventory API contract 1.18.2 (``tests/contracts/ebay/``, see its
README): the type ``Regulatory`` and, since eBay's schemas allow any key, that every key
written is one the contract declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

from feeds.contract import WriterContext
from feeds.ebay import regulatory
from schemas.config.operators import Operators
from tests.conftest import ROOT
from tests.unit.feeds.test_channels import CONFIG, listing, market_for, write
from tests.unit.schemas.config.test_operators import ACME, ACME_EU

CONTRACT = ROOT / "tests" / "contracts" / "ebay" / "sell_inventory_v1.18.2.subset.json"
OPERATORS = Operators.model_validate({"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme"}})


def _contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _validator(schema: str) -> Any:
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    uri = "urn:ebay:sell-inventory-v1.18.2"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(_contract()))
    return Draft4Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def _undeclared(value: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Keys of ``value`` its contract schema does not declare (eBay's schemas allow any)."""
    schemas = _contract()["components"]["schemas"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, list):
        return [p for item in value for p in _undeclared(item, schema.get("items", {}), where)]
    if not isinstance(value, dict):
        return []
    properties = schema.get("properties", {})
    found = [f"{where}.{key}" for key in value if key not in properties]
    for key, item in value.items():
        if key in properties:
            found += _undeclared(item, properties[key], f"{where}.{key}")
    return found


def test_the_contract_is_eBays_1_18_2_with_the_regulatory_types() -> None:
    contract = _contract()
    assert contract["info"]["version"] == "1.18.2"
    schemas = contract["components"]["schemas"]
    for name in ("Regulatory", "Manufacturer", "ResponsiblePerson", "ProductSafety", "Document"):
        assert name in schemas
    # Why the block is not in the inventory item the writer sends: eBay takes it on the offer.
    assert "regulatory" not in schemas["InventoryItemWithSkuLocale"]["properties"]
    assert "regulatory" not in schemas["Product"]["properties"]


def test_manufacturer_and_eu_responsible_person_match_the_contract() -> None:
    market = market_for("ebay")
    item = listing(market, brand="Acme", attributes={"responsible_person_id": "acme_eu"})
    block = regulatory(item, OPERATORS)
    assert block is not None
    assert block["manufacturer"] == {
        "companyName": "Acme Tools Inc.",
        "addressLine1": "1 Main St",
        "city": "New York",
        "postalCode": "10001",
        "country": "US",
        "contactUrl": "https://acme.example/contact",
    }
    [person] = block["responsiblePersons"]
    assert person["types"] == ["EUResponsiblePerson"]
    assert (person["companyName"], person["country"], person["phone"]) == (
        "Acme Europe GmbH",
        "DE",
        "+49 30 1234567",
    )
    assert list(_validator("Regulatory").iter_errors(block)) == []
    assert _undeclared(block, {"$ref": "#/components/schemas/Regulatory"}) == []


@pytest.mark.parametrize("brand", ["Nordquell", "Klangwerk", "Olivera"])
def test_the_sample_brands_map_onto_the_contract(brand: str) -> None:
    market = market_for("ebay")
    block = regulatory(listing(market, brand=brand, attributes={}), CONFIG.operators)
    assert block is not None and "manufacturer" in block
    assert list(_validator("Regulatory").iter_errors(block)) == []
    assert _undeclared(block, {"$ref": "#/components/schemas/Regulatory"}) == []


def test_no_operator_no_block() -> None:
    market = market_for("ebay")
    assert regulatory(listing(market, brand="Unbekannt", attributes={}), OPERATORS) is None


def test_the_writer_sends_a_GPSR_product_s_block_with_its_offer() -> None:
    market = CONFIG.market("DE")
    item = listing(
        market,
        sku="GZ-KOP-0007",
        brand="Klangwerk",
        categories=("audio",),
        attributes={"responsible_person_id": "klangwerk_eu"},
    )
    data, [findings] = write("ebay", market, [item])
    assert [f for f in findings if f.severity == "error"] == []
    items, offers = (json.loads(line) for line in data.decode().splitlines())
    assert "regulatory" not in json.dumps(items)  # the inventory item has no such field
    [offer] = offers["offers"]
    assert offer["regulatory"] == json.loads(json.dumps(regulatory(item, market.operators)))
    assert offer["regulatory"]["manufacturer"]["country"] == "CN"
    assert [p["companyName"] for p in offer["regulatory"]["responsiblePersons"]] == [
        "Klangwerk Europe B.V."
    ]
    assert "extendedProducerResponsibility" not in offer  # France only
    assert list(_validator("EbayOfferDetailsWithKeys").iter_errors(offer)) == []
    assert _undeclared(offer, {"$ref": "#/components/schemas/EbayOfferDetailsWithKeys"}) == []
    assert (offer["sku"], offer["marketplaceId"], offer["categoryId"]) == (
        "GZ-KOP-0007",
        "EBAY_DE",
        "112529",
    )
    assert offer["listingPolicies"] == {
        "fulfillmentPolicyId": "6196932000",
        "paymentPolicyId": "6196933000",
        "returnPolicyId": "6196934000",
    }


def test_the_writer_will_not_start_without_the_offer_settings() -> None:
    settings = CONFIG.channels["ebay"].model_copy(update={"return_policy_id": None})
    with pytest.raises(ValueError, match=r"give \[channels.ebay\] return_policy_id$"):
        write("ebay", CONFIG.market("DE"), [], WriterContext(channel=settings))


def test_outside_the_EU_the_offer_carries_no_regulatory_block() -> None:
    market = CONFIG.market("US")
    item = listing(market, brand="Klangwerk", categories=("audio",))
    data, [findings] = write("ebay", market, [item])
    assert [f for f in findings if f.severity == "error"] == []
    [offer] = json.loads(data.decode().splitlines()[-1])["offers"]
    assert "regulatory" not in offer and offer["marketplaceId"] == "EBAY_US"
    assert offer["pricingSummary"]["price"]["currency"] == "USD"
