"""A channel's delivery methods are registered once, with its senders
(`pipeline.channels`): the configuration allows exactly the methods a sender handles."""

from __future__ import annotations

import pytest

from pipeline import channels as channel_registry
from pipeline.channels import BUILT_IN, ChannelRegistration, register
from schemas.config import channel as settings_registry
from schemas.config.channel import Channel, delivery_methods_of


def test_every_built_in_channel_allows_the_methods_it_has_senders_for() -> None:
    for name, registration in BUILT_IN.items():
        assert delivery_methods_of(name) == set(registration.senders), name


def test_registering_a_channel_registers_its_senders_methods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channel_registry, "_REGISTERED", dict(channel_registry._REGISTERED))
    monkeypatch.setattr(settings_registry, "_MODELS", dict(settings_registry._registry()))

    def sender(shipment: object, connections: object) -> None:
        raise AssertionError("not sent here")

    register(
        ChannelRegistration("pigeon", "feeds.google:GoogleMerchantFeed", Channel, {"sftp": sender})
    )  # type: ignore[dict-item]
    assert delivery_methods_of("pigeon") == {"sftp"}
    with pytest.raises(ValueError, match="channel 'pigeon' is registered already, sent by sftp"):
        settings_registry.register_channel("pigeon", delivery_methods=["sp_api"])(Channel)
