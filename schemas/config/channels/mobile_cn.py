"""The mobile storefront's settings: how many selling points an item shows."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from schemas.config.channel import Channel, register_channel


@register_channel("mobile_cn")
class MobileStorefrontChannel(Channel):
    """``[channels.mobile_cn]``: the mobile storefront's JSON feed (`feeds.mobile_cn`)."""

    max_selling_points: Annotated[int, Field(ge=0, le=10)] = 5
    """Most bullet points (selling points) an item carries."""
