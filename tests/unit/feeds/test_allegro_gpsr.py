"""Allegro's GPSR references: the offer names the manufacturer and the EU responsible person
by the ids Allegro gave them, and the product's safety information as text, checked
against Allegro's REST API contract of 18 July 2026 (``tests/contracts/allegro/``, see its
README); a listing whose operator has no Allegro id is set aside in the EU."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest

from feeds.contract import WriterContext
from schemas.config.market import Market
from schemas.config.operators import Operators
from tests.conftest import CASES, ROOT
from tests.unit.feeds.test_channels import CATEGORIES, CONFIG, listing, market_for, write
from tests.unit.schemas.config.test_operators import ACME, ACME_EU

if TYPE_CHECKING:
    from schemas.findings import Finding

CONTRACT = ROOT / "tests" / "contracts" / "allegro" / "allegro_rest_api_2026-07-18.subset.json"
GOLDEN = CASES / "feeds" / "gpsr" / "allegro-operators.jsonl"
PRODUCER = "fee43309-8761-43f9-9cfd-a43e539a0fc5"  # the contract's own example ids
PERSON = "33960380-98fe-4b3d-b69e-b261526f2730"
OPERATORS = {
    "acme": {**ACME, "allegro_responsible_producer_id": PRODUCER},
    "acme_eu": {**ACME_EU, "allegro_responsible_person_id": PERSON},
    "brands": {"Acme": "acme"},
}
WARNING = "Zawiera małe części. Nie dla dzieci poniżej 3 lat."


def _contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _validator(schema: str) -> Any:
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    uri = "urn:allegro:rest-api:2026-07-18"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(_contract()))
    return Draft4Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def _market(operators: dict[str, Any]) -> Market:
    """Poland with ``operators`` as its ``[operators]``."""
    market = market_for("allegro").model_copy()
    market._operators = Operators.model_validate(operators)
    return market


def _offers(market: Market, *changes: dict[str, object]) -> tuple[list[Any], list[list[Finding]]]:
    context = WriterContext(
        channel=CONFIG.channels["allegro"],
        categories=CATEGORIES.for_channel("allegro", market.code),
    )
    items = [listing(market, sku=f"GZ-{n}", **change) for n, change in enumerate(changes)]
    data, findings = write("allegro", market, items, context)
    return [json.loads(line) for line in data.splitlines()], findings


def _errors(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.field, f.rule) for f in findings if f.severity == "error"]


def test_the_contract_is_allegros_with_the_gpsr_references() -> None:
    contract = _contract()
    assert contract["info"]["title"] == "Allegro REST API"
    schemas = contract["components"]["schemas"]
    element = schemas["SaleProductOfferRequestV1"]["allOf"][0]["properties"]["productSet"]
    parts = {part.get("$ref", "").rsplit("/", 1)[-1] for part in element["items"]["allOf"]}
    assert {
        "ProductSetElementResponsiblePersonRequest",
        "ProductSetElementResponsibleProducerRequestWrapper",
        "ProductSetElementSafetyInformationRequest",
    } <= parts
    # Why NO_SAFETY_INFORMATION is never written: a request takes TEXT or ATTACHMENTS only.
    request = schemas["ProductSetElementSafetyInformationRequest"]["properties"]
    assert set(request["safetyInformation"]["discriminator"]["mapping"]) == {"TEXT", "ATTACHMENTS"}


def test_a_manufacturer_outside_the_eu_is_sent_with_its_eu_responsible_person() -> None:
    market = _market(OPERATORS)
    [offer], [found] = _offers(
        market,
        {
            "brand": "Acme",
            "attributes": {
                "responsible_person_id": "acme_eu",
                f"safety_warning-{market.locale}": WARNING,
            },
        },
    )
    [element] = offer["productSet"]
    assert element["responsibleProducer"] == {"type": "ID", "id": PRODUCER}
    assert element["responsiblePerson"] == {"id": PERSON}
    assert element["safetyInformation"] == {"type": "TEXT", "description": WARNING}
    assert _errors(found) == []
    # The whole body against Allegro's create-offer request: its one gap is the stock,
    # which the listing does not carry (feeds/allegro.py, "Not written").
    problems = [e.message for e in _validator("SaleProductOfferRequestV1").iter_errors(offer)]
    assert problems == ["'stock' is a required property"]


def test_a_manufacturer_in_the_eu_needs_no_responsible_person() -> None:
    market = _market({"acme_eu": {**ACME_EU, "allegro_responsible_producer_id": PRODUCER}})
    [offer], [found] = _offers(market, {"attributes": {"manufacturer_id": "acme_eu"}})
    [element] = offer["productSet"]
    assert element["responsibleProducer"] == {"type": "ID", "id": PRODUCER}
    assert "responsiblePerson" not in element
    assert [f.rule for f in found] == ["allegro_safety_information_missing"]


@pytest.mark.parametrize(
    ("operators", "attributes", "error"),
    [
        (
            {**OPERATORS, "acme": ACME},
            {"responsible_person_id": "acme_eu"},
            ("responsibleProducer", "allegro_responsible_producer_missing"),
        ),
        (
            {**OPERATORS, "acme_eu": ACME_EU},
            {"responsible_person_id": "acme_eu"},
            ("responsiblePerson", "allegro_responsible_person_missing"),
        ),
    ],
)
def test_an_operator_without_its_allegro_id_is_set_aside(
    operators: dict[str, Any], attributes: dict[str, str], error: tuple[str, str]
) -> None:
    market = _market(operators)
    written, [found] = _offers(market, {"brand": "Acme", "attributes": attributes})
    assert written == []
    assert _errors(found) == [error]
    [message] = [f.message for f in found if f.rule == error[1]]
    assert "[operators.acme" in message and "allegro_responsible" in message


def test_the_gpsr_check_is_asked_again_for_each_failing_product() -> None:
    """The check remembers only combinations that pass: every product without its
    manufacturer gets its own finding, with its own sku."""
    market = _market(OPERATORS)
    written, findings = _offers(
        market,
        {"brand": "Unbekannt", "attributes": {}},
        {"brand": "Acme", "attributes": {"responsible_person_id": "acme_eu"}},
        {"brand": "Unbekannt", "attributes": {}},
    )
    assert [o["external"]["id"] for o in written] == ["GZ-1"]
    assert [
        [f.message.split()[0] for f in found if f.severity == "error"] for found in findings
    ] == [
        ["GZ-0"],
        [],
        ["GZ-2"],
    ]


def test_safety_text_in_another_language_is_not_sent() -> None:
    market = _market(OPERATORS)
    [offer], [found] = _offers(
        market,
        {
            "brand": "Acme",
            "attributes": {"responsible_person_id": "acme_eu", "safety_warning-de_DE": "Achtung"},
        },
    )
    assert "safetyInformation" not in offer["productSet"][0]
    [warning] = [f for f in found if f.rule == "allegro_safety_information_missing"]
    assert warning.severity == "warning" and "safety_warning-pl_PL" in warning.message


def test_the_sample_operators_match_the_contract_golden() -> None:
    """The sample configuration's operators (placeholder ids) for a brand in the EU and one
    outside it with its EU responsible person, as the golden file shows them."""
    market = market_for("allegro")
    written, findings = _offers(
        market,
        {"brand": "Nordquell", "attributes": {f"safety_warning-{market.locale}": WARNING}},
        {
            "brand": "Klangwerk",
            "title": "Klangwerk Kopfhörer",
            "attributes": {"responsible_person_id": "klangwerk_eu"},
        },
    )
    assert [_errors(found) for found in findings] == [[], []]
    data = "".join(json.dumps(offer, ensure_ascii=False) + "\n" for offer in written)
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(data, encoding="utf-8")
    assert data == GOLDEN.read_text(encoding="utf-8")
    validator = _validator("SaleProductOfferRequestV1")
    for offer in written:
        assert [e.message for e in validator.iter_errors(offer)] == [
            "'stock' is a required property"
        ]


def test_markets_outside_the_eu_get_no_gpsr_fields() -> None:
    market = Market.model_validate(
        {**market_for("allegro").model_dump(), "code": "XX", "country": "CH"}
    )
    market._operators = Operators.model_validate(OPERATORS)
    [offer], [found] = _offers(market, {"brand": "Unbekannt", "attributes": {}})
    assert offer["productSet"] == [{"product": {"id": "4260990000015", "idType": "GTIN"}}]
    assert found == []


def test_a_remembered_operator_check_still_checks_each_energy_label() -> None:
    """Two lamps of the same brand: the first passes the operators check, which the writer
    then remembers; the second, without its EPREL number, is still set aside."""
    market = market_for("allegro")
    lamp = {"brand": "Nordquell", "categories": ("lighting",)}
    written, findings = _offers(
        market,
        {**lamp, "attributes": {"energy_class": "B", "eprel_registration_number": "123456"}},
        {**lamp, "attributes": {"energy_class": "B"}},
    )
    assert "GZ-1" not in [offer["external"]["id"] for offer in written]
    assert "eprel_number_missing" in {f.rule for f in findings[1] if f.severity == "error"}
    assert not {f.rule for f in findings[1]} & {"gpsr_manufacturer_missing"}
