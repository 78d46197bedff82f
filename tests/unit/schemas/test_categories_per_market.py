"""Which channels name their categories per storefront is said by the channel's
registration (`schemas.config.channel.register_channel`), and the category map follows
it: a channel registered so refuses one value for every market."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.categories import CategoryError, load_category_map
from schemas.config import channel as settings_registry
from schemas.config.channel import Channel, per_market_category_channels, register_channel

if TYPE_CHECKING:
    from pathlib import Path


def test_idealo_and_kaufland_are_registered_per_market() -> None:
    assert per_market_category_channels() == {"idealo", "kaufland"}


def test_a_channel_registered_per_market_refuses_one_value_for_every_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_registry, "_MODELS", dict(settings_registry._registry()))
    mapping = tmp_path / "categories.toml"
    mapping.write_text('[tea]\notto = "Tee"\n', encoding="utf-8")
    assert load_category_map(mapping).for_channel("otto", "DE") == {"tea": "Tee"}
    register_channel("otto", categories_per_market=True)(Channel)
    with pytest.raises(CategoryError, match=r"\[tea\] otto: otto names its categories per"):
        load_category_map(mapping)


def test_the_category_rule_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_registry, "_MODELS", dict(settings_registry._registry()))
    with pytest.raises(ValueError, match="'kaufland' is registered already, with categories"):
        register_channel("kaufland", categories_per_market=False)(Channel)
