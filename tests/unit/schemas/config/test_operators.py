"""`schemas.config.operators`: the ``[operators]`` table of the configuration, loaded with
the rest and handed to every market, and how a product's operators are found."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
from schemas.config.operators import Operators
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

ACME = {
    "name": "Acme Tools Inc.",
    "address": {"street": "1 Main St", "postal_code": "10001", "city": "New York", "country": "US"},
    "url": "https://acme.example/contact",
}
ACME_EU = {
    "name": "Acme Europe GmbH",
    "address": {"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "country": "DE"},
    "email": "eu@acme.example",
    "phone": "+49 30 1234567",
}


def test_operators_by_id_and_brands_side_by_side() -> None:
    operators = Operators.model_validate(
        {"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme"}}
    )
    assert sorted(operators.table) == ["acme", "acme_eu"]
    found = operators.resolve({"responsible_person_id": "acme_eu"}, "Acme")
    assert found.manufacturer is not None and found.manufacturer[0] == "acme"
    assert found.responsible_person is not None
    assert found.responsible_person[1].address.country == "DE"
    assert not found.unknown


def test_an_attribute_wins_over_the_brand() -> None:
    operators = Operators.model_validate(
        {"acme": ACME, "acme_eu": ACME_EU, "brands": {"Acme": "acme"}}
    )
    found = operators.resolve({"manufacturer_id": "acme_eu"}, "Acme")
    assert found.manufacturer is not None and found.manufacturer[0] == "acme_eu"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"acme": {**ACME, "url": None}}, "electronic address"),
        ({"acme": {**ACME, "address": {**ACME["address"], "country": "usa"}}}, "country"),
        ({"acme": ACME, "brands": {"Acme": "acme", "Other": "nobody"}}, "Other -> nobody"),
        ({"acme": {**ACME, "fax": "1"}}, "fax"),
    ],
)
def test_a_bad_operator_is_refused(raw: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Operators.model_validate(raw)


def test_the_loader_gives_every_market_the_operators(tmp_path: Path) -> None:
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    config = load_config(ROOT / "config" / "markets.toml", env={})
    assert config.operators.brands["Nordquell"] == "nordquell"
    assert all(market.operators is config.operators for market in config.markets.values())
    # The market is not where operators are set, and a dump does not carry them.
    assert "operators" not in config.market("DE").model_dump()
    broken = text.replace('Nordquell = "nordquell"', 'Nordquell = "nordqel"')
    path = tmp_path / "markets.toml"
    path.write_text(broken, encoding="utf-8")
    for name in ("categories.toml", "vat.toml", "glossary.toml"):
        (tmp_path / name).write_text((ROOT / "config" / name).read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match="Nordquell -> nordqel"):
        load_config(path, env={})
    path.write_text(text.replace('postal_code = "20457"', 'postal_code = ""'), encoding="utf-8")
    with pytest.raises(ConfigError, match="operator nordquell, field address.postal_code"):
        load_config(path, env={})
