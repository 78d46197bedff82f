"""bol.com's ``economicOperatorId`` per offer: the id bol gave the operator that answers for
the product in the EU, else the channel's, else the offer is set aside; checked against
bol's Offers API contract v11.3.0 (``tests/contracts/bol/``, see its README)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from feeds.contract import WriterContext
from schemas.config.channels.bol import BolChannel
from schemas.config.operators import Operators
from tests.conftest import ROOT
from tests.unit.feeds.test_channels import CONFIG, listing, market_for, write
from tests.unit.schemas.config.test_operators import ACME, ACME_EU

if TYPE_CHECKING:
    from schemas.config.channel import Channel
    from schemas.config.market import Market
    from schemas.findings import Finding

BOL = CONFIG.channels["bol"]
assert isinstance(BOL, BolChannel)
CONTRACT = ROOT / "tests" / "contracts" / "bol" / "offers_v11.3.0.subset.json"
MAKER_ID = "0c6573a2-a80c-48b7-a03e-d5929f1173ff"  # bol's own examples of the field
PERSON_ID = "0c6573a2-a80c-48b7-a03e-d5939f1173fa"
CHANNEL_ID = "9d3c1e4f-0000-4000-8000-00000000c0de"


def _contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _validator() -> Any:
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    uri = "urn:bol:offers-v11.3.0"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(_contract()))
    return Draft4Validator(
        {"$ref": f"{uri}#/components/schemas/CreateOfferRequest"}, registry=registry
    )


def _market(operators: dict[str, Any]) -> Market:
    market = market_for("bol").model_copy()
    market._operators = Operators.model_validate(operators)
    return market


def _offers(
    market: Market, attributes: dict[str, str], channel: Channel = BOL, brand: str = "Acme"
) -> tuple[list[dict[str, Any]], list[Finding]]:
    data, [found] = write(
        "bol",
        market,
        [listing(market, brand=brand, attributes=attributes)],
        WriterContext(channel=channel),
    )
    return [json.loads(line) for line in data.splitlines()], found


@pytest.mark.parametrize(
    ("operators", "attributes", "expected"),
    [
        # A manufacturer outside the EU: its EU responsible person answers for it.
        (
            {
                "acme": {**ACME, "bol_economic_operator_id": MAKER_ID},
                "acme_eu": {**ACME_EU, "bol_economic_operator_id": PERSON_ID},
                "brands": {"Acme": "acme"},
            },
            {"responsible_person_id": "acme_eu"},
            PERSON_ID,
        ),
        # ... or, without one, its importer in the EU.
        (
            {
                "acme": ACME,
                "acme_eu": {**ACME_EU, "bol_economic_operator_id": PERSON_ID},
                "brands": {"Acme": "acme"},
            },
            {"importer_id": "acme_eu"},
            PERSON_ID,
        ),
        # A manufacturer in the EU answers for itself.
        (
            {"acme_eu": {**ACME_EU, "bol_economic_operator_id": MAKER_ID}},
            {"manufacturer_id": "acme_eu"},
            MAKER_ID,
        ),
    ],
)
def test_the_offer_names_the_operator_answering_in_the_eu(
    operators: dict[str, Any], attributes: dict[str, str], expected: str
) -> None:
    [offer], found = _offers(_market(operators), attributes)
    assert offer["economicOperatorId"] == expected
    assert not [f for f in found if f.severity == "error"]
    assert list(_validator().iter_errors(offer)) == []


def test_without_an_operator_id_the_channels_is_used() -> None:
    channel = BOL.model_copy(update={"economic_operator_id": CHANNEL_ID})
    market = _market({"acme_eu": ACME_EU})
    [offer], _ = _offers(market, {"manufacturer_id": "acme_eu"}, channel)
    assert offer["economicOperatorId"] == CHANNEL_ID
    assert list(_validator().iter_errors(offer)) == []


def test_without_any_id_the_offer_is_set_aside_naming_where_to_add_it() -> None:
    market = _market({"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme"}})
    channel = BOL.model_copy(update={"economic_operator_id": None})
    written, found = _offers(market, {"responsible_person_id": "acme_eu"}, channel)
    assert written == []
    [error] = [f for f in found if f.severity == "error"]
    assert (error.rule, error.field) == ("bol_economic_operator_missing", "economicOperatorId")
    assert "bol_economic_operator_id to [operators.acme_eu] (Acme Europe GmbH)" in error.message
    assert "[channels.bol] an economic_operator_id" in error.message


def test_a_manufacturer_outside_the_eu_alone_is_not_an_operator_for_bol() -> None:
    """Its own bol id is not used: a manufacturer outside the EU does not answer there."""
    market = _market({"acme": {**ACME, "bol_economic_operator_id": MAKER_ID}})
    channel = BOL.model_copy(update={"economic_operator_id": None})
    written, found = _offers(market, {"manufacturer_id": "acme"}, channel)
    assert written == []
    # The GPSR rule already sets it aside for the missing EU responsible person.
    assert {f.rule for f in found if f.severity == "error"} >= {"gpsr_responsible_person_missing"}


def test_the_contract_is_bols_offers_v11() -> None:
    contract = _contract()
    assert contract["info"]["version"] == "11.3.0"
    body = contract["components"]["schemas"]["CreateOfferRequest"]
    assert body["properties"]["economicOperatorId"]["type"] == "string"
    assert set(body["required"]) == {"condition", "pricing", "ean", "fulfilment"}
