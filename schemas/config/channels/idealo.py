"""idealo's settings: the delivery columns every offer carries."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from schemas.config.channel import Channel, register_channel


@register_channel("idealo", categories_per_market=True)
class IdealoChannel(Channel):
    """``[channels.idealo]``: idealo's CSV offers (`feeds.idealo`).

    Its categories are per market: one price-comparison site per country (idealo.de, .at,
    .fr, .it, .es, .co.uk), each with its own category tree that ``categoryPath`` is
    matched against."""

    carrier: str = "dhl"
    """Carrier of the shipping-cost column (``deliveryCosts_<carrier>``)."""
    delivery_cost: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    """Shipping cost in the market's currency, when the market's ``shipping`` gives none
    for idealo."""
    delivery_time: str = "1-3 Werktage"
    """Delivery time as idealo shows it."""
