"""One market (a country, or a country-language pair): its locale, currency, channels,
prices, shipping and the DeepL target of its translations.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, field_validator, model_validator

from schemas.compliance import EU_MEMBER_STATES
from schemas.config.base import COUNTRY_CODE, CURRENCY_CODE, Percent, StrictModel, check_locale
from schemas.config.channel import (
    Requirement,  # noqa: TC001 - pydantic reads it at run time
    check_channel_name,
)
from schemas.config.compliance import Compliance, EprRegistrations
from schemas.config.operators import Operators
from schemas.config.time_zones import COUNTRY_TIME_ZONES, check_time_zone

PriceEnding = Literal["exact", "99", "95", "whole"]
"""``99``/``95``: raise to the next price ending in .99/.95; ``whole``: round to whole units."""

Formality = Literal["default", "more", "less", "prefer_more", "prefer_less"]
"""DeepL's ``formality`` values."""

WhenPending = Literal["set_aside", "source_text"]
"""What a market does with a text that has no translation yet: leave the product out
with a finding, or publish the catalog's source text (with a warning finding)."""


FORMALITY_TARGETS = frozenset(
    {"DE", "ES", "ES-419", "FR", "IT", "JA", "NL", "PL", "PT-BR", "PT-PT", "RU"}
)
"""DeepL target languages that take ``formality`` (../shared/DOMAIN.md); others get none."""

_DEEPL_TARGET = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{2,4})?$")
_VARIANT_TARGETS = {
    "en": {"GB": "EN-GB", "US": "EN-US", None: "EN-US"},
    "pt": {"BR": "PT-BR", "PT": "PT-PT", None: "PT-PT"},
    "zh": {"TW": "ZH-HANT", "HK": "ZH-HANT", "MO": "ZH-HANT", None: "ZH-HANS"},
}


def deepl_target_for(locale: str) -> str:
    """The DeepL target language for a locale: English, Portuguese and Chinese need a variant.

    >>> [deepl_target_for(x) for x in ("de_AT", "en_GB", "pt_BR", "zh_CN", "zh_TW", "pl_PL")]
    ['DE', 'EN-GB', 'PT-BR', 'ZH-HANS', 'ZH-HANT', 'PL']
    """
    language, _, region = locale.partition("_")
    variants = _VARIANT_TARGETS.get(language)
    if variants is None:
        return language.upper()
    return variants.get(region) or variants[None]


class WeightBand(StrictModel):
    """One band of a shipping table by weight: parcels up to ``up_to_kg`` cost ``price``."""

    up_to_kg: Annotated[Decimal, Field(gt=0)]
    price: Annotated[Decimal, Field(ge=0)]


class Shipping(StrictModel):
    """What a market's buyers pay for delivery, for the channels that carry it per item
    (Google ``shipping``, idealo ``deliveryCosts_<carrier>``, Kaufland
    ``shipping_rate``): a flat rate, free above an amount, or by weight band."""

    service: Annotated[str, Field(min_length=1, max_length=100)] = "Standard"
    """The delivery service as buyers see it (``DHL Paket``)."""
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """The destination country; default: the market's country."""
    price: Annotated[Decimal, Field(ge=0)] | None = None
    """A flat rate in the market's currency."""
    free_above: Annotated[Decimal, Field(ge=0)] | None = None
    """Orders of at least this item price ship free."""
    weight_bands: list[WeightBand] = Field(default_factory=list)
    """By weight instead of a flat rate: the first band the item's weight fits."""
    account: bool = False
    """The merchant's account at the channel holds the shipping settings (Merchant
    Center's shipping services): nothing is written per item."""

    @model_validator(mode="after")
    def _one_way(self) -> Shipping:
        if self.account:
            return self
        if (self.price is None) == (not self.weight_bands):
            raise ValueError("give either price (a flat rate) or weight_bands, not both")
        bands = [band.up_to_kg for band in self.weight_bands]
        if bands != sorted(set(bands)):
            raise ValueError("weight_bands must go up in weight, each weight once")
        return self

    def cost(self, item_price: Decimal, weight_kg: Decimal | None) -> Decimal | None:
        """The delivery cost of one item, None when nothing is written (the account
        holds it) or it cannot be told (no weight for a weight table, or heavier than
        its last band).

        >>> flat = Shipping(price=Decimal("4.90"), free_above=Decimal("50"))
        >>> flat.cost(Decimal("19.99"), None), flat.cost(Decimal("50.00"), None)
        (Decimal('4.90'), Decimal('0'))
        >>> bands = Shipping(weight_bands=[WeightBand(up_to_kg=Decimal("2"), price=Decimal("5.90")),
        ...     WeightBand(up_to_kg=Decimal("10"), price=Decimal("9.90"))])
        >>> bands.cost(Decimal("30"), Decimal("0.43")), bands.cost(Decimal("30"), Decimal("12"))
        (Decimal('5.90'), None)
        """
        if self.account:
            return None
        if self.free_above is not None and item_price >= self.free_above:
            return Decimal(0)
        if not self.weight_bands:
            return self.price
        if weight_kg is None:
            return None
        return next((b.price for b in self.weight_bands if weight_kg <= b.up_to_kg), None)


PriorPricePolicy = Literal["prior_price", "no_reference"]
"""What a market does when a sale's catalog "was" price is above the lowest price of the
prior days: announce the reduction against that prior price, or send the sale without a
strike price."""


class PriorPrice(StrictModel):
    """The prior-price rule of a market (Directive 98/6/EC Art. 6a, added by the Omnibus
    Directive (EU) 2019/2161, applicable since 28 May 2022; CJEU C-330/23, 26 September
    2024): a price reduction is announced against the lowest price of the prior days.
    See `transforms.pricing.prior_price`."""

    applies: bool | None = None
    """Apply the rule; unset: in EU member states (`schemas.compliance.EU_MEMBER_STATES`)
    and nowhere else (GB, US, CH, CN have no such rule)."""
    days: Annotated[int, Field(ge=1, le=365)] = 30
    """The period before a reduction whose lowest price it is announced against: 30 days
    by the Directive; a member state may set more for progressive reductions (Art. 6a(5))."""
    policy: PriorPricePolicy = "prior_price"
    """When the catalog's regular price is above that lowest price: ``prior_price``
    announces the reduction against it, ``no_reference`` sends the sale with no strike
    price."""


class Market(StrictModel):
    """One country (or country-language pair) the merchant sells in."""

    code: str
    """Market code, the key of the ``[markets.<code>]`` table (``DE``)."""
    name: str | None = None
    """What people call the market (``Germany``, ``Belgium (French)``): the trigger
    form's label for it."""
    country: Annotated[str, Field(pattern=COUNTRY_CODE.pattern)]
    """ISO 3166-1 alpha-2 country the feeds are for."""
    locale: str
    """Locale the buyers read (``de_AT``): language of feed texts and number formats."""
    currency: Annotated[str, Field(pattern=CURRENCY_CODE.pattern)]
    """ISO 4217 currency of feed prices."""
    text_locales: list[str] = Field(default_factory=list)
    """Catalog locales whose texts are acceptable here, in order of preference;
    defaults to ``[locale]``. Austria can read ``de_DE`` texts, for instance."""
    channels: list[str] = Field(min_length=1)
    """Feed channels this market publishes to, each a registered channel
    (`schemas.config.channel.register_channel`)."""
    product_url: str
    """Template of the product page link; ``{sku}`` and ``{locale}`` are filled in."""
    shop_name: str = "grenzenlos demo shop"
    """Shown as the feed's title."""
    required: dict[str, list[Requirement]] = Field(default_factory=dict)
    """Per channel, attributes this market requires instead of the channel's defaults."""
    prices_include_vat: bool = True
    """Feed prices include the destination's VAT (EU, UK, CH); False for net prices (US)."""
    markup_percent: Percent = Decimal(0)
    """Added to prices converted from another currency (exchange risk, fees)."""
    price_ending: PriceEnding = "exact"
    """Price ending applied after rounding to minor units."""
    cash_rounding: bool = False
    """Round to the currency's cash increment from CLDR (CHF: 0.05) as the last step."""
    units: Literal["metric", "us"] = "metric"
    """Unit system of weights and dimensions: kg/g and cm, or lb/oz and in."""
    unit_pricing: bool = True
    """Show the price per 1 kg / 1 l / 1 m / 1 m² where a product has a net content."""
    size_system: Literal["EU", "UK", "US"] = "EU"
    """Size system of clothing and shoe sizes in this market's feeds."""
    translation_target: Annotated[str, Field(pattern=_DEEPL_TARGET.pattern)] | None = None
    """DeepL target language of texts the catalog lacks here; derived from ``locale``
    when absent (``de_AT`` -> DE, ``en_GB`` -> EN-GB, ``zh_CN`` -> ZH-HANS)."""
    formality: Formality = "default"
    """DeepL formality; sent only for target languages that support it."""
    when_pending: WhenPending = "set_aside"
    """A text without a translation yet (no key, quota, budget, DeepL down):
    ``set_aside`` leaves the product out, ``source_text`` publishes the source text."""
    when_held_back: WhenPending | None = None
    """What to do with a text whose machine translation the QA gate held back (a number or
    a tag lost): ``set_aside`` or ``source_text``, as for ``when_pending``; absent, the
    market's ``when_pending`` applies."""
    allow_empty_feeds: bool = False
    """The market may publish a feed with no listings (a market being opened or wound
    down). Otherwise an empty feed is withheld: marketplaces read an empty full feed as
    "delete everything". Even when allowed, an empty feed never replaces a live one
    that had listings."""
    translation_variant: bool = False
    """Keep this market's translations apart from other markets with the same target
    language (a Swiss German variant reviewed by a translator, say)."""
    shipping: dict[str, Shipping] = Field(default_factory=dict)
    """Delivery costs by channel name, ``default`` for every other channel
    (``shipping = { default = { service = "DHL Paket", price = 4.90, free_above = 50 },
    google = { account = true } }``); none: channels write none (idealo falls back to
    ``[channels.idealo] delivery_cost``)."""
    epr: EprRegistrations = Field(default_factory=EprRegistrations)
    """The merchant's extended producer responsibility registrations for this market's
    country (``[markets.DE.epr] packaging = "DE..."``, ``weee = "DE 12345678"``; FR
    ``unique_identifier``): without one its country requires, the feeds of channels that
    enforce it are not published (`schemas.epr`)."""
    time_zone: str | None = None
    """IANA time zone a sale's start and end are published in (``Europe/Zurich``);
    unset: the country's (`schemas.config.time_zones.COUNTRY_TIME_ZONES`; US:
    America/New_York)."""
    prior_price: PriorPrice = Field(default_factory=PriorPrice)
    """The prior-price rule for sales (`PriorPrice`)."""

    @model_validator(mode="after")
    def _ending_fits_cash_rounding(self) -> Market:
        if self.cash_rounding and self.price_ending == "99":
            raise ValueError("price_ending '99' cannot survive cash_rounding; use '95' or 'whole'")
        return self

    @model_validator(mode="after")
    def _zone_known(self) -> Market:
        if self.time_zone is not None:
            check_time_zone(self.time_zone)
        elif self.country not in COUNTRY_TIME_ZONES:
            raise ValueError(f"no default time zone for {self.country}: set time_zone")
        return self

    @property
    def zone(self) -> str:
        """The market's IANA time zone: ``time_zone``, or its country's."""
        return self.time_zone or COUNTRY_TIME_ZONES[self.country]

    @property
    def prior_price_applies(self) -> bool:
        """Whether sales here are checked against the prior price (`PriorPrice.applies`)."""
        applies = self.prior_price.applies
        return self.country in EU_MEMBER_STATES if applies is None else applies

    @field_validator("channels")
    @classmethod
    def _channels_registered(cls, value: list[str]) -> list[str]:
        return [check_channel_name(name) for name in value]

    @field_validator("required")
    @classmethod
    def _required_channels_registered(
        cls, value: dict[str, list[Requirement]]
    ) -> dict[str, list[Requirement]]:
        for name in value:
            check_channel_name(name)
        return value

    @field_validator("locale")
    @classmethod
    def _locale_known(cls, value: str) -> str:
        return check_locale(value)

    @field_validator("text_locales")
    @classmethod
    def _text_locales_known(cls, value: list[str]) -> list[str]:
        return [check_locale(v) for v in value]

    @field_validator("currency")
    @classmethod
    def _currency_known(cls, value: str) -> str:
        from babel.numbers import get_currency_name

        # Babel returns the code itself for a currency CLDR does not know.
        if get_currency_name(value, locale="en") == value:
            raise ValueError(f"{value!r} is not an ISO 4217 currency")
        return value

    @field_validator("product_url")
    @classmethod
    def _url_has_sku(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or "{sku}" not in value:
            raise ValueError("must be an absolute http(s) URL containing {sku}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_text_locales(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("text_locales") and "locale" in data:
            data = {**data, "text_locales": [data["locale"]]}
        return data

    _operators: Operators = PrivateAttr(default_factory=Operators)
    _compliance: Compliance = PrivateAttr(default_factory=Compliance)

    @property
    def operators(self) -> Operators:
        """The configuration's ``[operators]`` (set by `schemas.config.pipeline.PipelineConfig`
        for every market; not a market setting): what the feed writers check EU product law
        against."""
        return self._operators

    @property
    def compliance(self) -> Compliance:
        """The configuration's ``[compliance]`` (set by `schemas.config.pipeline.PipelineConfig`
        for every market; not a market setting): the energy-label and EPR scopes."""
        return self._compliance

    @property
    def deepl_target(self) -> str:
        """DeepL target language code of this market's translations."""
        return self.translation_target or deepl_target_for(self.locale)

    @property
    def effective_formality(self) -> str:
        """The formality sent to DeepL ('' when the target takes none, or for default)."""
        if self.formality == "default" or self.deepl_target not in FORMALITY_TARGETS:
            return ""
        return self.formality

    @property
    def translation_unit(self) -> tuple[str, str, str]:
        """Markets with the same unit share one translation: (target, formality, variant)."""
        return (
            self.deepl_target,
            self.effective_formality,
            self.locale if self.translation_variant else "",
        )

    @property
    def shop_url(self) -> str:
        """The shop's home page: scheme and host of `product_url`."""
        parts = urlsplit(self.product_url)
        return f"{parts.scheme}://{parts.netloc}/"

    def shipping_for(self, channel: str) -> Shipping | None:
        """The shipping of ``channel`` in this market, None when the config gives none.

        >>> m = Market(code="DE", country="DE", locale="de_DE", currency="EUR",
        ...     channels=["google"], product_url="https://x/{sku}",
        ...     shipping={"default": {"price": 4.9}, "google": {"account": True}})
        >>> m.shipping_for("google").account, m.shipping_for("idealo").price
        (True, Decimal('4.9'))
        """
        return self.shipping.get(channel) or self.shipping.get("default")

    def link_for(self, sku: str) -> str:
        """Product page URL of ``sku`` in this market."""
        return self.product_url.format(sku=sku, locale=self.locale)
