"""`schemas.config.channel`: each ``[channels.<name>]`` table validated by the model
registered for its name, markets naming registered channels only, and the delivery
settings chosen by their ``method`` (`schemas.config.delivery`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.config import channel as channel_registry
from schemas.config.base import ConfigError
from schemas.config.channel import Channel, channel_model, register_channel
from schemas.config.channels.amazon import AmazonChannel
from schemas.config.channels.google import GoogleChannel
from schemas.config.delivery import (
    EbayInventoryDelivery,
    SftpDelivery,
    SpApiDelivery,
    parse_delivery,
)
from schemas.config.loader import load_config
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

_CONFIG = """
[catalog]
format = "csv"
path = "products.csv"

[storage]
staging_url = "staging"
output_url = "output"

[pricing]
rates = "ecb.xml"
vat = {{ DE = {{ standard = 19 }} }}

[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
channels = {channels}
product_url = "https://shop.example/de/p/{{sku}}"

{tables}
"""


def _load(tmp_path: Path, tables: str, channels: str = '["google"]') -> object:
    path = tmp_path / "markets.toml"
    path.write_text(_CONFIG.format(channels=channels, tables=tables), encoding="utf-8")
    return load_config(path, env={})


def test_each_table_is_validated_by_the_model_registered_for_its_name() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    amazon = config.channels["amazon"]
    assert isinstance(amazon, AmazonChannel)
    assert amazon.seller_id == "A2GRENZENLOS0DEMO"
    assert type(config.channels["google"]) is GoogleChannel
    assert channel_model("amazon") is AmazonChannel


def test_an_unknown_channel_name_is_refused_naming_the_market_and_the_registered_ones(
    tmp_path: Path,
) -> None:
    tables = '[channels.google]\nrequired = ["title"]\n'
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, tables, channels='["google", "otto"]')
    message = str(error.value)
    assert "market DE, field channels" in message
    assert "'otto' is not a registered channel" in message
    assert "amazon" in message  # the registered ones are named


def test_a_table_for_an_unknown_channel_is_refused(tmp_path: Path) -> None:
    tables = '[channels.google]\nrequired = ["title"]\n[channels.otto]\nrequired = ["title"]\n'
    with pytest.raises(ConfigError, match=r"field channels\.otto: no channel named 'otto'"):
        _load(tmp_path, tables)


def test_an_amazon_setting_on_google_is_refused_naming_both(tmp_path: Path) -> None:
    tables = '[channels.google]\nrequired = ["title"]\nseller_id = "A2X"\n'
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, tables)
    message = str(error.value)
    assert "field channels.google.seller_id" in message
    assert "seller_id is not a setting of the google channel (it is a setting of amazon)" in (
        message
    )


def test_a_channel_s_own_errors_keep_their_place(tmp_path: Path) -> None:
    tables = '[channels.google]\nrequired = ["title"]\n[channels.bol]\nrequired = ["title"]\n'
    tables += 'delivery_promise = { schedule = "TOMORROW" }\n'
    with pytest.raises(ConfigError, match=r"field channels\.bol\.delivery_promise\.schedule"):
        _load(tmp_path, tables)


def test_delivery_settings_are_chosen_by_method() -> None:
    assert isinstance(parse_delivery({"method": "sftp"}), SftpDelivery)
    sp_api = parse_delivery({"method": "sp_api", "poll_seconds": 5})
    assert isinstance(sp_api, SpApiDelivery)
    assert sp_api.poll_seconds == 5
    assert sp_api.connection_id("DE") == "amazon_sp_api"
    assert isinstance(parse_delivery({"method": "ebay_inventory"}), EbayInventoryDelivery)
    with pytest.raises(ValueError, match="no delivery method 'ftp'; registered: "):
        parse_delivery({"method": "ftp"})


def test_a_setting_of_another_delivery_method_is_refused(tmp_path: Path) -> None:
    tables = '[channels.google]\nrequired = ["title"]\n'
    tables += 'delivery = { method = "sftp", poll_seconds = 60 }\n'
    with pytest.raises(ConfigError, match=r"channels\.google\.delivery\.poll_seconds"):
        _load(tmp_path, tables)
    tables = '[channels.google]\nrequired = ["title"]\ndelivery = { method = "ftp" }\n'
    with pytest.raises(ConfigError, match=r"channels\.google\.delivery: .*no delivery method"):
        _load(tmp_path, tables)


def test_a_name_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_registry, "_MODELS", dict(channel_registry._MODELS))

    class Other(Channel):
        pass

    with pytest.raises(ValueError, match="channel 'amazon' is registered already"):
        register_channel("amazon")(Other)
    assert register_channel("amazon")(AmazonChannel) is AmazonChannel
