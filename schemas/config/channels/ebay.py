"""eBay's settings: what every offer names besides the product (Sell Inventory API
1.18.2, ``EbayOfferDetailsWithKeys``): the seller's business policies, the inventory
location and the quantity of uncounted stock.

The contract says of each that it "is not immediately required" when an offer is
created "but will become required before an offer can be published" (``ListingPolicies``
``fulfillmentPolicyId``, ``paymentPolicyId``, ``returnPolicyId``; ``merchantLocationKey``),
so the eBay writer refuses to start without them (`feeds.ebay`), naming the setting.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from schemas.config.channel import Channel, OfferQuantity, register_channel

PolicyId = Annotated[str, Field(min_length=1, max_length=100)]
"""An id the seller's Account API (or Seller Hub) gave one of its business policies."""


@register_channel("ebay", delivery_methods=["ebay_inventory"])
class EbayChannel(Channel, OfferQuantity):
    """``[channels.ebay]``: inventory items and their offers (`feeds.ebay`);
    ``default_quantity`` (`OfferQuantity`) is the offer's ``availableQuantity`` for an
    in-stock product whose catalog counts none. The category is the offer's
    ``categoryId``, from ``config/categories.toml`` (``ebay = "177005"``)."""

    fulfillment_policy_id: PolicyId | None = None
    """``listingPolicies.fulfillmentPolicyId``: the seller's fulfillment (shipping)
    business policy for every offer."""
    payment_policy_id: PolicyId | None = None
    """``listingPolicies.paymentPolicyId``: the payment business policy."""
    return_policy_id: PolicyId | None = None
    """``listingPolicies.returnPolicyId``: the return business policy."""
    merchant_location_key: Annotated[str, Field(min_length=1, max_length=36)] | None = None
    """``merchantLocationKey``: the inventory location the goods ship from, as created
    with the Inventory API's createInventoryLocation (its key is at most 36 characters)."""

    def missing_offer_settings(self) -> list[str]:
        """The settings every offer needs that are not given, by name.

        >>> EbayChannel(required=["title"], payment_policy_id="6196932000").missing_offer_settings()
        ['fulfillment_policy_id', 'return_policy_id', 'merchant_location_key']
        """
        return [
            name
            for name in (
                "fulfillment_policy_id",
                "payment_policy_id",
                "return_policy_id",
                "merchant_location_key",
            )
            if getattr(self, name) is None
        ]
