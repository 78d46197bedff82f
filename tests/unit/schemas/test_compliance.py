"""`schemas.compliance`: what a listing lacks under the GPSR (Regulation (EU) 2023/988,
Art. 19), and where the rule applies."""

from __future__ import annotations

import pytest

from schemas.compliance import EU_MEMBER_STATES, gpsr_applies, gpsr_problems
from schemas.config.operators import Operators
from tests.unit.schemas.config.test_operators import ACME, ACME_EU

OPERATORS = Operators.model_validate(
    {"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme", "Acme EU": "acme_eu"}}
)


def test_the_eu_has_27_member_states_and_no_market_outside_it_is_checked() -> None:
    assert len(EU_MEMBER_STATES) == 27
    for country in ("GB", "US", "CH", "CN"):
        assert not gpsr_applies(country, "amazon")
    assert gpsr_applies("PL", "allegro") and gpsr_applies("NL", "bol")
    assert not gpsr_applies("DE", "google") and not gpsr_applies("DE", "idealo")


def test_an_eu_manufacturer_is_enough() -> None:
    assert gpsr_problems("A1", "Acme EU", {}, OPERATORS) == []


@pytest.mark.parametrize(
    ("brand", "attributes", "says", "value"),
    [
        ("Nobrand", {}, 'map the brand in [operators.brands] (Nobrand = "<id>")', "Nobrand"),
        (None, {}, "set the product's manufacturer_id attribute", None),
        ("Acme", {"manufacturer_id": "acne"}, "'acne' has no [operators.acne] table", "acne"),
    ],
)
def test_a_missing_manufacturer_says_where_to_add_it(
    brand: str | None, attributes: dict[str, str], says: str, value: str | None
) -> None:
    [problem] = gpsr_problems("A1", brand, attributes, OPERATORS)
    assert problem.rule == "gpsr_manufacturer_missing"
    assert problem.field == "manufacturer_id"
    assert problem.message.startswith("A1 names no manufacturer")
    assert says in problem.message
    assert problem.value == value


def test_a_manufacturer_outside_the_eu_needs_an_eu_responsible_person() -> None:
    [problem] = gpsr_problems("A1", "Acme", {}, OPERATORS)
    assert problem.rule == "gpsr_responsible_person_missing"
    assert "Acme Tools Inc. ([operators.acme], US) is outside the EU" in problem.message
    assert "responsible_person_id" in problem.message
    assert gpsr_problems("A1", "Acme", {"responsible_person_id": "acme_eu"}, OPERATORS) == []
    # An importer established in the EU answers for it too (Regulation (EU) 2019/1020 Art. 4).
    assert gpsr_problems("A1", "Acme", {"importer_id": "acme_eu"}, OPERATORS) == []
    # A responsible person outside the EU is none.
    [outside] = gpsr_problems("A1", "Acme", {"responsible_person_id": "acme"}, OPERATORS)
    assert "is not established in the EU" in outside.message
