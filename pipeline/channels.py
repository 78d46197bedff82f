"""The feed channels, each registered once: its writer, its settings model and the
delivery methods it can be sent by.

A channel is a `ChannelRegistration`; the built-in ones are `BUILT_IN`. Adding one is
its writer (a `feeds.contract.FeedWriter`), its settings model when it has settings of
its own (``schemas/config/channels/<name>.py``), its sender when a delivery method of its
own sends it (`pipeline.delivery.senders`), one `register` call (or a line in
`BUILT_IN`), and a ``[channels.<name>]`` table in the configuration. Markets name
channels by their registered name; the build asks here for the writer
(`writer_class`), the ``deliver_feeds`` DAG for the sender
(`pipeline.delivery.senders.choose_sender`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

from pipeline.delivery.google_merchant.flow import google_api_sender, google_sftp_sender
from pipeline.delivery.senders import ebay_inventory_sender, sp_api_sender
from schemas.config.channel import Channel, register_channel
from schemas.config.channels.amazon import AmazonChannel
from schemas.config.channels.bol import BolChannel
from schemas.config.channels.ebay import EbayChannel
from schemas.config.channels.google import GoogleChannel
from schemas.config.channels.idealo import IdealoChannel
from schemas.config.channels.mobile_cn import MobileStorefrontChannel

if TYPE_CHECKING:
    from collections.abc import Mapping

    from feeds.contract import FeedWriter
    from pipeline.delivery.senders import SenderFactory


@dataclass(frozen=True)
class ChannelRegistration:
    """One channel.

    Attributes:
        name: The name markets and ``[channels.<name>]`` use (``google``).
        writer: The writer class, or ``module:Class`` imported when a run needs it (the
            writers import lxml, jsonschema_rs and the money modules).
        settings: The model of its ``[channels.<name>]`` table: `Channel` or a model
            of the channel's own (`schemas.config.channel.register_channel`).
        senders: Delivery method (``[channels.<name>] delivery.method``) -> the factory
            of its sender (`pipeline.delivery.senders`); empty for a channel that
            fetches its file (``public_url``) or is not delivered.
    """

    name: str
    writer: str | type[FeedWriter]
    settings: type[Channel] = Channel
    senders: Mapping[str, SenderFactory] = field(default_factory=dict)

    def writer_class(self) -> type[FeedWriter]:
        """The writer class, imported on first use."""
        if not isinstance(self.writer, str):
            return self.writer
        module_name, class_name = self.writer.split(":")
        cls: type[FeedWriter] = getattr(import_module(module_name), class_name)
        return cls


BUILT_IN: Mapping[str, ChannelRegistration] = {
    registration.name: registration
    for registration in (
        ChannelRegistration(
            "google",
            "feeds.google:GoogleMerchantFeed",
            GoogleChannel,
            senders={"sftp": google_sftp_sender, "merchant_api": google_api_sender},
        ),
        ChannelRegistration(
            "amazon",
            "feeds.amazon.writer:AmazonListingsFeed",
            AmazonChannel,
            senders={"sp_api": sp_api_sender},
        ),
        ChannelRegistration(
            "ebay",
            "feeds.ebay:EbayInventoryFeed",
            EbayChannel,
            senders={"ebay_inventory": ebay_inventory_sender},
        ),
        ChannelRegistration("idealo", "feeds.idealo:IdealoFeed", IdealoChannel),
        ChannelRegistration("kaufland", "feeds.kaufland:KauflandFeed"),
        ChannelRegistration("allegro", "feeds.allegro:AllegroOffers"),
        ChannelRegistration(
            "mobile_cn", "feeds.mobile_cn:MobileStorefrontFeed", MobileStorefrontChannel
        ),
        ChannelRegistration("bol", "feeds.bol:BolOffers", BolChannel),
    )
}
"""The channels this package ships."""

_REGISTERED: dict[str, ChannelRegistration] = dict(BUILT_IN)


def register(registration: ChannelRegistration) -> ChannelRegistration:
    """Add a channel: its settings model and its senders' delivery methods are registered
    for its name too, so that the configuration's ``[channels.<name>]`` and markets may
    name it, and a delivery it has no sender for is refused when the configuration is read
    (`schemas.config.channel.check_delivery_method`).

    Raises:
        ValueError: when the name is registered with another writer, settings model or
            delivery methods.
    """
    known = _REGISTERED.get(registration.name)
    if known is not None and known != registration:
        raise ValueError(f"channel {registration.name!r} is registered already")
    register_channel(registration.name, delivery_methods=registration.senders)(
        registration.settings
    )
    _REGISTERED[registration.name] = registration
    return registration


def channel_names() -> list[str]:
    """Names of all registered channels."""
    return sorted(_REGISTERED)


def registration(name: str) -> ChannelRegistration:
    """The channel registered under ``name``.

    >>> registration("amazon").settings.__name__
    'AmazonChannel'

    Raises:
        KeyError: naming the registered channels.
    """
    try:
        return _REGISTERED[name]
    except KeyError:
        raise KeyError(
            f"no channel named {name!r}; registered: {', '.join(channel_names())}"
        ) from None


def writer_class(name: str) -> type[FeedWriter]:
    """The writer class of channel ``name``.

    Raises:
        KeyError: naming the registered channels.
    """
    return registration(name).writer_class()
