"""One feed channel's settings: its required attributes, title rule, delivery promise and
how its feeds are delivered.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from schemas.config.base import COUNTRY_CODE, StrictModel

ChannelName = Literal[
    "google", "amazon", "ebay", "idealo", "kaufland", "allegro", "mobile_cn", "bol"
]
"""Feed channels a market may publish to; each is a writer in `feeds.registry`."""


Requirement = Literal[
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "availability",
    "brand",
    "gtin",
    "mpn",
    "gtin_or_mpn",
    "weight",
    "dimensions",
    "bullet_points",
    "category",
]
"""Attributes a channel can require of a localized listing (see `transforms.completeness`)."""

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


_TITLE_PART = re.compile(r"^[a-z][a-z0-9_]*$")


class TitleRule(StrictModel):
    """How a channel composes its titles from a listing's parts (`feeds.titles`).

    A part is ``brand``, ``name`` (the catalog title, less what another part shows on
    its own), ``size`` (``42 EU``, ``M``), ``volume``, ``net_content``, ``mpn``, or any
    catalog attribute by its code (``color``, ``material``); a listing that lacks a part
    goes without it, and a part the name already states is not repeated. A catalog
    attribute goes in as the catalog writes it: Akeneo's ``color`` holds an option code
    (``black``) in no buyer's language, so list it as a part only where the names do
    not state the colour already.
    """

    parts: list[str] = Field(
        default_factory=lambda: ["brand", "name", "size", "volume", "net_content"]
    )
    """The parts in the order buyers read them; ``name`` must be one."""
    drop_order: list[str] = Field(default_factory=lambda: ["volume", "net_content", "size"])
    """Parts left out first, in this order, when the title is longer than the channel
    allows; then the name is cut at a word boundary (a number keeps its unit). Parts not
    listed stay unless the name would lose its first word. Default: volume, net_content
    and size, those of them the title has."""
    distinguish_by: list[str] = Field(
        default_factory=lambda: ["color", "size", "volume", "net_content", "material"]
    )
    """When two products of one feed would share a title, the first of these attributes
    whose value differs is added to the later one's title (and kept when shortening);
    when none differs, both keep the title and a ``duplicate_title`` finding names them.
    One the name ends with (``... Headphones black``) is kept when the name is cut."""
    no_break_units: bool = False
    """Join a number and its unit with a no-break space (U+00A0), so that a small screen
    never wraps between them; for channels that show it as a space."""

    @model_validator(mode="before")
    @classmethod
    def _default_drop_order(cls, data: object) -> object:
        # Without a drop_order, the default's parts that the title has go first.
        if isinstance(data, dict) and "parts" in data and "drop_order" not in data:
            parts = data["parts"]
            default = ("volume", "net_content", "size")
            data = {**data, "drop_order": [p for p in default if p in parts]}
        return data

    @field_validator("parts", "drop_order", "distinguish_by")
    @classmethod
    def _part_names(cls, value: list[str]) -> list[str]:
        for part in value:
            if not _TITLE_PART.match(part):
                raise ValueError(f"{part!r} is not a part name like brand or net_content")
        if len(set(value)) != len(value):
            raise ValueError("names a part twice")
        return value

    @model_validator(mode="after")
    def _name_is_kept(self) -> TitleRule:
        if "name" not in self.parts:
            raise ValueError("parts must include name")
        if "name" in self.drop_order or "name" in self.distinguish_by:
            raise ValueError("name is never dropped nor added: leave it out of drop_order")
        unknown = [part for part in self.drop_order if part not in self.parts]
        if unknown:
            raise ValueError(f"drop_order names parts the title does not have: {unknown}")
        return self


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


DeliveryMethod = Literal["sftp", "sp_api", "ebay_inventory"]
"""How a channel's feed reaches the marketplace: ``sftp`` (Google Merchant Center's
upload server), ``sp_api`` (Amazon's Selling Partner API, Feeds), ``ebay_inventory``
(eBay's Inventory API). Channels that fetch the file themselves have a ``public_url``."""

_DEFAULT_CONNECTIONS: dict[str, str] = {
    "sftp": "gmc_sftp_{market}",
    "sp_api": "amazon_sp_api",
    "ebay_inventory": "ebay_api",
}


class ChannelDelivery(StrictModel):
    """How the ``deliver_feeds`` DAG sends a channel's published feeds
    (``[channels.<name>] delivery = { method = "...", ... }``)."""

    method: DeliveryMethod
    """The protocol (see `DeliveryMethod`)."""
    environment: Literal["sandbox", "production"] = "sandbox"
    """The marketplace's sandbox (test calls, nothing goes on sale) or production. Start
    in the sandbox; switch a channel to production when its sandbox runs are clean."""
    connection: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The Airflow connection with the credentials; ``{market}`` is the market code in
    lower case. Default: ``gmc_sftp_{market}`` (SFTP; a market without its own falls
    back to ``gmc_sftp``), ``amazon_sp_api``, ``ebay_api``."""
    upload_name: Annotated[str, Field(min_length=1, max_length=200)] = "{file}"
    """SFTP: the file name the Merchant Center data source is registered with;
    ``{market}`` and ``{file}`` (the published file's name) are filled in."""
    poll_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    """Amazon: first wait between two looks at a feed's processing status (it grows)."""
    max_wait_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 120.0
    """Amazon: how long a delivery waits for a feed to be processed before it fails; the
    next delivery of the same file resumes waiting for that feed."""

    def connection_id(self, market: str) -> str:
        """The connection id for ``market``.

        >>> ChannelDelivery(method="sftp").connection_id("DE")
        'gmc_sftp_de'
        >>> ChannelDelivery(method="sp_api").connection_id("DE")
        'amazon_sp_api'
        """
        template = self.connection or _DEFAULT_CONNECTIONS[self.method]
        return template.format(market=market.lower())


class Channel(StrictModel):
    """Defaults of one feed channel, whatever the market."""

    required: list[Requirement] = Field(min_length=1)
    """Attributes a listing needs before it may go into this channel's feed."""
    seller_id: str | None = None
    """The merchant's id at the channel (Amazon ``sellerId``)."""
    title_length: Annotated[int, Field(ge=10, le=500)] | None = None
    """Shorter titles than the channel allows (small screens of a mobile storefront)."""
    title: TitleRule = Field(default_factory=TitleRule)
    """How titles are composed and shortened (``title = { parts = [...], ... }``)."""
    title_by_market: dict[str, TitleRule] = Field(default_factory=dict)
    """Per market code, a title rule used there instead of ``title``."""
    max_selling_points: Annotated[int, Field(ge=0, le=10)] = 5
    """Most bullet points (selling points) an item carries."""
    carrier: str = "dhl"
    """Carrier of the shipping-cost column (idealo ``deliveryCosts_<carrier>``)."""
    delivery_cost: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    """Shipping cost in the market's currency, for channels that list it per item."""
    delivery_time: str = "1-3 Werktage"
    """Delivery time as the channel shows it."""
    condition_type: AmazonCondition = "new_new"
    """Amazon ``condition_type`` of every offer (the catalog sells new goods)."""
    fulfillment_channel_code: Literal["DEFAULT", "AMAZON_NA", "AMAZON_EU"] = "DEFAULT"
    """Amazon ``fulfillment_channel_code``: ``DEFAULT`` ships from the merchant (with a
    quantity); ``AMAZON_NA``/``AMAZON_EU`` is fulfilled by Amazon, which counts the stock
    and needs package weight, dimensions and a ``batteries_required`` catalog attribute."""
    default_quantity: Annotated[int, Field(ge=0)] = 0
    """Units offered of an in-stock product whose catalog has no ``stock`` attribute
    (merchant-fulfilled only); an out-of-stock product always offers 0."""
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
    delivery_promise: DeliveryPromise | None = None
    """bol.com: the delivery promise of every offer (fulfilled by the retailer); the bol
    channel needs one."""
    economic_operator_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """bol.com ``economicOperatorId``: the id bol gave the economic operator (EU product
    safety rules) responsible for the products; bol keeps offers without a valid one off
    sale. Absent, offers are sent without it."""
    countries: list[Annotated[str, Field(pattern=COUNTRY_CODE.pattern)]] = Field(
        default_factory=list
    )
    """Countries each offer is for sale in, where one offer covers several (bol.com keeps
    one offer per EAN and condition for NL and BE: publish the bol channel from one market
    with ``countries = ["NL", "BE"]``); empty, the market's own country."""
    delivery: ChannelDelivery | None = None
    """How ``deliver_feeds`` sends this channel's feeds; None: it does not send them (a
    channel that fetches them has a ``public_url`` instead)."""
    public_url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    """Where the marketplace fetches a market's file (idealo, Kaufland, Google's scheduled
    fetch); ``{market}`` and ``{file}`` are filled in. ``deliver_feeds`` checks that it
    serves the file just published (its sha256)."""
    public_url_connection: Annotated[str, Field(min_length=1)] | None = None
    """An Airflow connection whose login and password open ``public_url`` (basic auth)."""
