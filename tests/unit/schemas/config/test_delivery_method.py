"""A delivery method the channel cannot be sent by is refused when the configuration is
read, naming the market, the channel, the method and the channel's own methods
(`schemas.config.channel.check_delivery_method`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.config.base import ConfigError
from schemas.config.channel import delivery_methods_of
from schemas.config.loader import load_config
from tests.conftest import CASES, ROOT

if TYPE_CHECKING:
    from pathlib import Path

CASE = CASES / "config" / "delivery_method_not_the_channels.toml"


def test_a_channel_that_fetches_its_file_refuses_any_method() -> None:
    with pytest.raises(ConfigError) as error:
        load_config(CASE, env={})
    message = str(error.value)
    assert CASE.name in message
    assert (
        "market DE publishes to idealo, whose [channels.idealo] delivery method 'sp_api' is "
        "not one the idealo channel can be sent by (none: give it a public_url instead)"
    ) in message


def test_another_channel_s_method_is_refused_naming_the_channel_s_own(tmp_path: Path) -> None:
    text = CASE.read_text(encoding="utf-8")
    text = text.replace('channels = ["google", "idealo"]', 'channels = ["google"]')
    text = text.replace('delivery = { method = "sftp" }', 'delivery = { method = "sp_api" }')
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert (
        "market DE publishes to google, whose [channels.google] delivery method 'sp_api' is "
        "not one the google channel can be sent by (merchant_api, sftp)"
    ) in str(error.value)


def test_a_channel_no_market_publishes_to_is_not_judged(tmp_path: Path) -> None:
    text = CASE.read_text(encoding="utf-8")
    text = text.replace('channels = ["google", "idealo"]', 'channels = ["google"]')
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path, env={}).channels["google"].delivery is not None


def test_the_checked_in_configuration_uses_its_channels_own_methods() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    methods = {
        name: channel.delivery.method
        for name, channel in config.channels.items()
        if channel.delivery is not None
    }
    assert methods == {"google": "sftp", "amazon": "sp_api", "ebay": "ebay_inventory"}
    for name, method in methods.items():
        assert method in delivery_methods_of(name)
