"""``default_quantity``: one setting (`schemas.config.channel.OfferQuantity`) shared by the
channels whose offers state a quantity, written in the TOML as before."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.config.base import ConfigError
from schemas.config.channel import OfferQuantity
from schemas.config.channels.amazon import AmazonChannel
from schemas.config.channels.bol import BolChannel
from schemas.config.loader import load_config
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path


def test_the_checked_in_config_sets_it_on_amazon_and_bol_as_before() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    amazon, bol = config.channels["amazon"], config.channels["bol"]
    assert isinstance(amazon, AmazonChannel) and isinstance(bol, BolChannel)
    assert isinstance(amazon, OfferQuantity) and isinstance(bol, OfferQuantity)
    assert (amazon.default_quantity, bol.default_quantity) == (10, 10)
    assert AmazonChannel(required=["title"]).default_quantity == 0


def test_a_negative_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="default_quantity"):
        BolChannel(required=["title"], default_quantity=-1)


def test_a_channel_without_quantities_names_those_that_have_it(tmp_path: Path) -> None:
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace("[channels.google]\n", "[channels.google]\ndefault_quantity = 3\n", 1)
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert (
        "default_quantity is not a setting of the google channel "
        "(it is a setting of amazon, bol, ebay)" in str(error.value)
    )
