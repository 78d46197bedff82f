"""bol.com's settings: the delivery promise of the retailer's own offers, the countries
one offer is for sale in, the economic operator and the quantity of uncounted stock."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.config.base import COUNTRY_CODE, StrictModel
from schemas.config.channel import Channel, OfferQuantity, register_channel

BolSchedule = Literal["BOL_DELIVERY_PROMISE", "MY_DELIVERY_PROMISE", "SHIPPING_VIA_BOL"]
"""bol.com ``fulfilment.schedule`` of an offer the retailer ships (Offers API v11)."""


class DeliveryPromise(StrictModel):
    """How fast the retailer delivers its own (FBR) bol.com offers: ``fulfilment.schedule``
    and ``fulfilment.deliveryPromise`` of bol's Offers API v11 (offers-v11.yaml, 11.3-11.5).
    Both day counts or neither; bol's example of a next-day promise until 22:00 is
    ``{ schedule = "BOL_DELIVERY_PROMISE", minimum_days = 0, maximum_days = 1,
    ultimate_order_time = "22:00" }``."""

    schedule: BolSchedule
    """bol's schedule: a promise bol defines, the retailer's own (set up in the seller
    dashboard), or shipping via bol."""
    minimum_days: Annotated[int, Field(ge=0, le=30)] | None = None
    """Fewest days from order to the buyer (``minimumDaysToCustomer``)."""
    maximum_days: Annotated[int, Field(ge=0, le=30)] | None = None
    """Most days from order to the buyer (``maximumDaysToCustomer``)."""
    ultimate_order_time: (
        Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] | None
    ) = None
    """Latest order time (``HH:MM``) for the promise; later orders take a day more."""

    @model_validator(mode="after")
    def _days_make_a_range(self) -> DeliveryPromise:
        low, high = self.minimum_days, self.maximum_days
        if (low is None) != (high is None):
            raise ValueError("give both minimum_days and maximum_days, or neither")
        if low is not None and high is not None and low > high:
            raise ValueError("minimum_days is more than maximum_days")
        if self.ultimate_order_time is not None and low is None:
            raise ValueError("ultimate_order_time needs minimum_days and maximum_days")
        return self


@register_channel("bol")
class BolChannel(Channel, OfferQuantity):
    """``[channels.bol]``: bol.com's Offers API bodies (`feeds.bol`); ``default_quantity``
    from `OfferQuantity`."""

    delivery_promise: DeliveryPromise | None = None
    """The delivery promise of every offer (fulfilled by the retailer); the bol channel
    needs one."""
    economic_operator_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """bol.com ``economicOperatorId`` of every offer whose own operators have none: the id
    bol gave the economic operator (EU product safety rules) responsible for the merchant's
    products. An offer takes the ``bol_economic_operator_id`` of the operator answering
    for its product in the EU (``[operators.<id>]``) first; with neither it is set aside,
    since bol keeps offers without a valid one off sale (from 1 February 2025)."""
    countries: list[Annotated[str, Field(pattern=COUNTRY_CODE.pattern)]] = Field(
        default_factory=list
    )
    """Countries each offer is for sale in, where one offer covers several (bol.com keeps
    one offer per EAN and condition for NL and BE: publish the bol channel from one market
    with ``countries = ["NL", "BE"]``); empty, the market's own country."""
