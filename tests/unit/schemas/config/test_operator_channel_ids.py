"""The ids Allegro and bol.com gave an operator, kept on ``[operators.<id>]``: loaded from
the configuration, refused when they cannot be an id, and which operator answers for a
product in the EU (the one whose bol.com id an offer carries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
from schemas.config.operators import Operators
from tests.conftest import ROOT
from tests.unit.schemas.config.test_operators import ACME, ACME_EU

if TYPE_CHECKING:
    from pathlib import Path

OPERATORS = Operators.model_validate({"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme"}})


def test_the_sample_operators_carry_their_marketplace_ids() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    klangwerk, representative = (
        config.operators.table["klangwerk"],
        config.operators.table["klangwerk_eu"],
    )
    assert klangwerk.allegro_responsible_producer_id is not None
    assert klangwerk.bol_economic_operator_id is None  # outside the EU: bol takes its EU person
    assert representative.allegro_responsible_person_id is not None
    assert representative.bol_economic_operator_id is not None


def test_an_id_with_a_space_is_refused_naming_operator_and_field(tmp_path: Path) -> None:
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    broken = text.replace(
        'bol_economic_operator_id = "00000000-0000-4000-b000-000000000101"',
        'bol_economic_operator_id = "see bol dashboard"',
    )
    assert broken != text
    path = tmp_path / "markets.toml"
    path.write_text(broken, encoding="utf-8")
    for name in ("categories.toml", "vat.toml", "glossary.toml"):
        (tmp_path / name).write_text((ROOT / "config" / name).read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match="operator nordquell, field bol_economic_operator_id"):
        load_config(path, env={})


@pytest.mark.parametrize(
    ("attributes", "brand", "expected"),
    [
        ({"responsible_person_id": "acme_eu"}, "Acme", "acme_eu"),  # maker outside the EU
        ({"importer_id": "acme_eu"}, "Acme", "acme_eu"),  # ... its importer in the EU
        ({"manufacturer_id": "acme_eu"}, None, "acme_eu"),  # a maker in the EU itself
        ({}, "Acme", None),  # a maker outside the EU and nobody in it
        ({"responsible_person_id": "acme"}, "Acme", None),  # a "person" outside the EU
    ],
)
def test_who_answers_for_the_product_in_the_eu(
    attributes: dict[str, str], brand: str | None, expected: str | None
) -> None:
    found = OPERATORS.resolve(attributes, brand).responsible_in_eu()
    assert (found[0] if found else None) == expected
