"""Amazon's settings: the offer (condition, fulfilment, quantity, shipping template) and
the declarations its PRODUCT definition requires of products the catalog says nothing of."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from schemas.config.channel import Channel, OfferQuantity, register_channel

AmazonCondition = Literal[
    "new_new",
    "new_oem",
    "new_open_box",
    "refurbished_refurbished",
    "used_like_new",
    "used_very_good",
    "used_good",
    "used_acceptable",
    "collectible_like_new",
    "collectible_very_good",
    "collectible_good",
    "collectible_acceptable",
    "club_club",
]
"""Amazon's ``condition_type`` values (PRODUCT definition)."""


@register_channel("amazon", delivery_methods=["sp_api"])
class AmazonChannel(Channel, OfferQuantity):
    """``[channels.amazon]``: Selling Partner API listings (`feeds.amazon`).

    ``default_quantity`` (`OfferQuantity`) counts for merchant-fulfilled offers only:
    Amazon counts the stock it fulfils itself."""

    seller_id: str | None = None
    """The merchant's id at Amazon (``sellerId``)."""
    condition_type: AmazonCondition = "new_new"
    """Amazon ``condition_type`` of every offer (the catalog sells new goods)."""
    fulfillment_channel_code: Literal["DEFAULT", "AMAZON_NA", "AMAZON_EU"] = "DEFAULT"
    """Amazon ``fulfillment_channel_code``: ``DEFAULT`` ships from the merchant (with a
    quantity); ``AMAZON_NA``/``AMAZON_EU`` is fulfilled by Amazon, which counts the stock
    and needs package weight, dimensions and a ``batteries_required`` catalog attribute."""
    merchant_shipping_group: Annotated[str, Field(min_length=1, max_length=100)] = (
        "legacy-template-id"
    )
    """Amazon shipping template of merchant-fulfilled offers: the template's enum value
    that the Product Type Definitions API lists for the seller; ``legacy-template-id``
    is the seller's default (migrated) template."""
    color_when_none: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """Amazon ``color`` of products whose catalog gives none (``color`` attribute): the
    PRODUCT definition requires a colour even of tea. Absent, such products are left out
    of Amazon with a finding."""
    country_of_origin: Annotated[str, Field(pattern=r"^([A-Z]{2}|unknown)$")] | None = None
    """Amazon ``country_of_origin`` of products whose catalog has no ``country_of_origin``
    attribute (ISO 3166 code, or Amazon's ``unknown``); absent, such products are left
    out of Amazon with a finding. A declaration: set it only if it is true of them all."""
    supplier_declared_dg_hz_regulation: Literal["not_applicable", "unknown"] | None = None
    """Amazon dangerous-goods declaration of products whose catalog has no
    ``supplier_declared_dg_hz_regulation`` attribute; absent, such products are left out
    of Amazon with a finding. ``not_applicable`` declares that none is a dangerous good
    (a product that is one says so in the catalog)."""
