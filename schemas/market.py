"""Markets as data: the typed model of ``config/markets.toml`` and its loader.

Adding a country is a change to the TOML file, not to code. A config that does
not fit the model fails at load with `ConfigError`, whose message names the
market and the field.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.product import TaxClass  # noqa: TC001 - pydantic reads it at run time

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ChannelName = Literal[
    "google", "amazon", "ebay", "idealo", "kaufland", "allegro", "mobile_cn", "bol"
]
"""Feed channels a market may publish to; each is a writer in `feeds.registry`."""

CatalogFormat = Literal[
    "akeneo",
    "akeneo_api",
    "bmecat",
    "csv",
    "jsonl",
    "magento",
    "postgres",
    "shopify",
    "shopware",
    "woocommerce",
]
CatalogField = Literal[
    "brand", "gtin", "mpn", "condition", "tax_class", "country_of_origin", "availability"
]
"""Product fields a merchant may fill from a source column (`CatalogSource.columns`)."""

PriceEnding = Literal["exact", "99", "95", "whole"]
"""``99``/``95``: raise to the next price ending in .99/.95; ``whole``: round to whole units."""

Percent = Annotated[Decimal, Field(ge=0, le=100)]

Formality = Literal["default", "more", "less", "prefer_more", "prefer_less"]
"""DeepL's ``formality`` values."""

WhenPending = Literal["set_aside", "source_text"]
"""What a market does with a text that has no translation yet: leave the product out
with a finding, or publish the catalog's source text (with a warning finding)."""

TranslatedField = Literal["title", "description", "bullet_points"]
_DEFAULT_TRANSLATED: tuple[TranslatedField, ...] = ("description", "bullet_points")

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

_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class ConfigError(ValueError):
    """The configuration file does not describe a usable pipeline."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_locale(value: str) -> str:
    if not _LOCALE.match(value):
        raise ValueError(f"{value!r} is not a locale like de_DE")
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a locale CLDR knows") from exc
    return value


class WeightBand(_Strict):
    """One band of a shipping table by weight: parcels up to ``up_to_kg`` cost ``price``."""

    up_to_kg: Annotated[Decimal, Field(gt=0)]
    price: Annotated[Decimal, Field(ge=0)]


class Shipping(_Strict):
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


class Market(_Strict):
    """One country (or country-language pair) the merchant sells in."""

    code: str
    """Market code, the key of the ``[markets.<code>]`` table (``DE``)."""
    name: str | None = None
    """What people call the market (``Germany``, ``Belgium (French)``): the trigger
    form's label for it."""
    country: Annotated[str, Field(pattern=_COUNTRY.pattern)]
    """ISO 3166-1 alpha-2 country the feeds are for."""
    locale: str
    """Locale the buyers read (``de_AT``): language of feed texts and number formats."""
    currency: Annotated[str, Field(pattern=_CURRENCY.pattern)]
    """ISO 4217 currency of feed prices."""
    text_locales: list[str] = Field(default_factory=list)
    """Catalog locales whose texts are acceptable here, in order of preference;
    defaults to ``[locale]``. Austria can read ``de_DE`` texts, for instance."""
    channels: list[ChannelName] = Field(min_length=1)
    """Feed channels this market publishes to."""
    product_url: str
    """Template of the product page link; ``{sku}`` and ``{locale}`` are filled in."""
    shop_name: str = "grenzenlos demo shop"
    """Shown as the feed's title."""
    required: dict[ChannelName, list[Requirement]] = Field(default_factory=dict)
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

    @model_validator(mode="after")
    def _ending_fits_cash_rounding(self) -> Market:
        if self.cash_rounding and self.price_ending == "99":
            raise ValueError("price_ending '99' cannot survive cash_rounding; use '95' or 'whole'")
        return self

    @field_validator("locale")
    @classmethod
    def _locale_known(cls, value: str) -> str:
        return _check_locale(value)

    @field_validator("text_locales")
    @classmethod
    def _text_locales_known(cls, value: list[str]) -> list[str]:
        return [_check_locale(v) for v in value]

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


class CatalogDefaults(_Strict):
    """Values for what the shop system does not hold, applied to every product that has
    none of its own (after `CatalogSource.columns`)."""

    brand: str | None = None
    """Brand of products without one (WooCommerce and Magento have no brand field)."""
    condition: Literal["new", "used", "refurbished"] | None = None
    """Condition of products whose catalog does not say; unset: new."""
    tax_class: str | None = None
    """VAT class of products whose catalog does not say (``standard``, ``food``,
    ``basic_food``, ``books``); unset: standard."""
    country_of_origin: str | None = None
    """ISO 3166 country of origin of products whose catalog does not say (Amazon)."""
    attributes: dict[str, str] = Field(default_factory=dict)
    """Any other catalog attribute by its code (``material = "cotton"``)."""


class CatalogSource(_Strict):
    """Where the master catalog comes from."""

    format: CatalogFormat
    """Reader to use: ``akeneo`` (Akeneo PIM CSV export), ``akeneo_api`` (Akeneo's REST
    API), ``shopify``, ``woocommerce``, ``magento`` (Magento 2 / Adobe Commerce),
    ``shopware`` (Shopware 6) product CSV exports, ``bmecat`` (BMEcat 2005 XML),
    ``csv`` and ``jsonl`` (the project's own formats) or ``postgres`` (a table or query)."""
    path: str | None = None
    """File to read, relative to the config file; for the file formats."""
    currency: str | None = None
    """ISO 4217 currency of the prices of a shop export that does not name one (Shopify,
    WooCommerce, Magento, Shopware without a currency column)."""
    locale: str | None = None
    """Locale the texts of a one-language export are written in; unset: ``[validation]
    source_locale``."""
    locales: dict[str, str] = Field(default_factory=dict)
    """A source's own language codes -> locales: Magento store view codes
    (``german = "de_DE"``), BMEcat ``LANG`` (``deu = "de_DE"``), Shopware language names,
    Akeneo API locales that differ. Codes that already are locales need no entry."""
    weight_unit: str | None = None
    """Unit of weights written as a bare number (``lbs``, ``kgs``, ``g``): Magento's store
    setting; WooCommerce and Shopify name theirs in the header, which wins."""
    dimension_unit: str | None = None
    """Unit of dimensions written as a bare number (``cm``, ``in``)."""
    defaults: CatalogDefaults = Field(default_factory=CatalogDefaults)
    """Values for what the shop system does not hold (`CatalogDefaults`)."""
    columns: dict[CatalogField, str] = Field(default_factory=dict)
    """Product field -> the source column or attribute that holds it, matched whatever its
    case (``brand = "Vendor"``, ``mpn = "manufacturer_part_number"``)."""
    tax_classes: dict[str, str] = Field(default_factory=dict)
    """The shop system's tax class names -> VAT classes (``"reduced-rate" = "food"``);
    names not listed are read as the VAT class of the same name, or ``standard`` with a
    warning."""
    api_conn_id: str = "grenzenlos_akeneo"
    """Airflow connection of the Akeneo REST API, for ``akeneo_api``: host (the PIM's base
    URL), login and password of an API user, and ``client_id`` and ``secret`` of its API
    connection in the extras."""
    api_channel: str | None = None
    """Akeneo channel (scope) whose values and completeness the API reader takes; unset:
    the first of ``description_scopes``."""
    product_models_path: str | None = None
    """Akeneo ``product_models.csv`` whose values variants inherit; optional."""
    attribute_options_path: str | None = None
    """Akeneo ``attribute_options.csv``, for the labels of size options; Shopware's
    "Default properties" export, for the group and name of each variant option id;
    optional."""
    asset_base_url: str | None = None
    """Prefix that turns the PIM's relative image paths into absolute URLs."""
    description_scopes: list[str] = Field(default_factory=lambda: ["ecommerce", "print"])
    """Akeneo channels (scopes) to take descriptions from, first non-empty wins."""
    postgres_conn_id: str = "grenzenlos_catalog"
    """Airflow connection of the catalog database, for ``postgres``."""
    query: str | None = None
    """SQL returning rows in the project's CSV columns, for ``postgres``."""
    encoding: str = "utf-8"
    """Encoding of the catalog files (``cp1252``, ``latin-1`` for legacy exports). A file
    that starts with a UTF-8 byte-order mark is read as UTF-8 whatever this says."""
    decimal_mark: Literal[".", ","] | None = None
    """The catalog's decimal mark, when it uses one consistently. Then the other mark may
    group thousands (``1.250,50``). Unset, a number like ``1,250`` is ambiguous and its
    product is set aside with an ``ambiguous_number`` finding."""
    variant_axes: dict[str, list[str]] = Field(default_factory=dict)
    """Akeneo: family variant code -> the catalog attributes its variants differ in
    (``clothing_color_size = ["color", "size"]``); Akeneo's CSV export does not carry
    them. Channels list a group's variants together, by these attributes."""

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{value!r} is not an encoding Python knows") from None
        return value

    @model_validator(mode="after")
    def _needs_location(self) -> CatalogSource:
        if self.format == "postgres" and not self.query:
            raise ValueError("format 'postgres' needs a query")
        if self.format not in ("postgres", "akeneo_api") and not self.path:
            raise ValueError(f"format {self.format!r} needs a path")
        return self


_TITLE_PART = re.compile(r"^[a-z][a-z0-9_]*$")


class TitleRule(_Strict):
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


class DeliveryPromise(_Strict):
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


class ChannelDelivery(_Strict):
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


class Channel(_Strict):
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
    countries: list[Annotated[str, Field(pattern=_COUNTRY.pattern)]] = Field(default_factory=list)
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


class RuleSetting(_Strict):
    """How one catalog rule (`schemas.catalog_rules`) acts in this pipeline."""

    severity: Literal["error", "warning", "off"] | None = None
    """``error`` sets the product aside, ``warning`` only reports, ``off`` skips the rule;
    unset: the rule's own severity."""
    markets: list[str] | None = None
    """Market codes where an ``error`` of this rule sets the product aside; unset: every
    market. Elsewhere the finding is reported and the product goes on."""


class Validation(_Strict):
    """The catalog gate's settings."""

    source_locale: str = "en_US"
    """Locale the catalog is written in: its title and description must be there."""
    max_blocked_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Fail the run, publishing nothing, when more than this share of products is
    quarantined by the catalog rules."""
    max_shrink_share: Annotated[float, Field(ge=0, le=1)] = 0.3
    """Fail the run, publishing nothing, when the catalog has shrunk by more than this
    share since the last successful run; a feed that shrank by more is held back alone
    (its last good file stays live), the others publish, and the run fails naming it."""
    max_rejected_share: Annotated[float, Field(ge=0, le=1)] = 0.25
    """Fail the run at extract, publishing nothing, when more than this share of the
    catalog's rows could not be read (a wrong encoding or a broken export). A catalog
    that read no product at all always stops the run."""
    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    """Catalog rule code -> its severity and the markets it sets products aside in
    (``brand_present = { severity = "error" }``, ``gtin_check_digit = { severity = "error",
    markets = ["DE"] }``)."""

    @field_validator("rules")
    @classmethod
    def _rules_known(cls, value: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        from schemas.catalog_rules import CATALOG_RULE_CODES

        unknown = sorted(set(value) - set(CATALOG_RULE_CODES))
        if unknown:
            raise ValueError(
                f"unknown catalog rule {', '.join(unknown)}; the rules are "
                f"{', '.join(CATALOG_RULE_CODES)}"
            )
        return value

    @property
    def severities(self) -> dict[str, str | None]:
        """Rule code -> configured severity, for `schemas.catalog_rules.configured_rules`."""
        return {code: setting.severity for code, setting in self.rules.items()}

    def blocks(self, rule: str, market: str) -> bool:
        """Whether a product that broke ``rule`` is set aside in ``market``.

        >>> v = Validation(rules={"gtin_check_digit": RuleSetting(markets=["DE"])})
        >>> v.blocks("gtin_check_digit", "DE"), v.blocks("gtin_check_digit", "FR")
        (True, False)
        """
        setting = self.rules.get(rule)
        return setting is None or setting.markets is None or market in setting.markets

    def quarantine_in(
        self, quarantine: Mapping[str, Sequence[str]], market: str
    ) -> dict[str, list[str]]:
        """The skus set aside in ``market``: ``quarantine`` (sku -> rules) less the rules
        scoped to other markets."""
        if not any(s.markets is not None for s in self.rules.values()):
            return {sku: list(rules) for sku, rules in quarantine.items()}
        kept = {}
        for sku, rules in quarantine.items():
            applying = [rule for rule in rules if self.blocks(rule, market)]
            if applying:
                kept[sku] = applying
        return kept

    def quarantined_everywhere(
        self, quarantine: Mapping[str, Sequence[str]]
    ) -> dict[str, list[str]]:
        """The skus set aside in every market (by a rule not scoped to some markets)."""
        return {
            sku: list(rules)
            for sku, rules in quarantine.items()
            if any(self.rules.get(r) is None or self.rules[r].markets is None for r in rules)
        }

    @field_validator("source_locale")
    @classmethod
    def _locale_known(cls, value: str) -> str:
        return _check_locale(value)


class TaxBasis(_Strict):
    """How the catalog states its prices in one currency."""

    includes_vat_of: str | None = None
    """Country whose VAT these prices include (gross prices); absent for net prices."""


RateName = Literal["standard", "reduced", "second_reduced", "super_reduced", "zero"]
"""A country's VAT rates by name: ``reduced`` is the higher and ``second_reduced`` the lower
of two reduced rates, ``super_reduced`` a rate below 5 % (VAT Directive 2006/112/EC
art. 98(2), 110), ``zero`` 0 % with the right to deduct input VAT."""
_RATE_NAMES: frozenset[str] = frozenset(get_args(RateName))
_GOODS_CLASSES = frozenset({"food", "basic_food", "books"})


class DatedRate(_Strict):
    """The rate a tax class takes for a period (a temporary rate, or one that changes)."""

    rate: RateName
    """The country's rate that applies in the period."""
    since: date | None = None
    """First day of the period; absent: open towards the past."""
    until: date | None = None
    """Last day of the period (inclusive); absent: open towards the future."""

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls in the period."""
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


class CountryVat(_Strict):
    """One country's VAT rates in percent and the tax classes mapped onto them.

    Without ``classes`` (an inline ``[pricing.vat]`` table of the old form) a class
    that names a rate takes that rate, and ``food``, ``basic_food`` and ``books`` take
    ``reduced``. With ``classes`` a class takes the rate it maps to; unmapped,
    ``standard`` takes the standard rate, ``reduced`` (the old name of the food rate)
    takes whatever ``food`` maps to, and ``super_reduced`` or ``zero`` the rate of that
    name; any other class has no rate there (its products get a ``missing_vat_rate``
    finding).
    """

    standard: Percent | None = None
    """The standard rate."""
    reduced: Percent | None = None
    """The (higher) reduced rate."""
    second_reduced: Percent | None = None
    """A second, lower reduced rate."""
    super_reduced: Percent | None = None
    """A rate below 5 % (EU member states that kept one)."""
    zero: Annotated[Decimal, Field(ge=0, le=0)] | None = None
    """0 % with the right to deduct (UK food and books, say); present when the country has it."""
    classes: dict[TaxClass, RateName | list[DatedRate]] | None = None
    """Catalog tax class -> the name of the rate it takes, or dated periods of rates."""

    @model_validator(mode="after")
    def _classes_name_existing_rates(self) -> CountryVat:
        for tax_class, mapped in (self.classes or {}).items():
            periods = [mapped] if isinstance(mapped, str) else [p.rate for p in mapped]
            for name in periods:
                if getattr(self, name) is None:
                    raise ValueError(
                        f"tax class {tax_class!r} maps to the {name} rate, which is not given"
                    )
            if isinstance(mapped, list):
                ordered = sorted(mapped, key=lambda p: p.since or date.min)
                for before, after in zip(ordered, ordered[1:], strict=False):
                    if before.until is None or after.since is None or before.until >= after.since:
                        raise ValueError(f"the periods of tax class {tax_class!r} overlap")
        return self

    def rate_name(self, tax_class: str, on: date | None = None) -> str | None:
        """The name of the rate ``tax_class`` takes on day ``on``, or None.

        A class whose rate changes with the date needs ``on``; without it, None.
        """
        mapped: str | list[DatedRate] | None = None
        if self.classes is None:
            mapped = "reduced" if tax_class in _GOODS_CLASSES else tax_class
        elif tax_class in self.classes:
            mapped = self.classes[tax_class]
        elif tax_class == "reduced" and "food" in self.classes:
            mapped = self.classes["food"]
        elif tax_class in _RATE_NAMES:
            mapped = tax_class
        if isinstance(mapped, list):
            if on is None:
                return None
            mapped = next((p.rate for p in mapped if p.covers(on)), None)
        if mapped is None or mapped not in _RATE_NAMES or getattr(self, mapped) is None:
            return None
        return mapped

    def is_dated(self, tax_class: str) -> bool:
        """Whether the rate of ``tax_class`` depends on the date."""
        mapped = (self.classes or {}).get(tax_class)  # type: ignore[call-overload]
        if mapped is None and tax_class == "reduced":
            mapped = (self.classes or {}).get("food")
        return isinstance(mapped, list)


StaleRatesPolicy = Literal["fail", "warn"]
"""What a run does with exchange rates older than the configured age."""


class Pricing(_Strict):
    """Where feed prices come from: catalog prices, exchange rates and VAT."""

    base_currency: Annotated[str, Field(pattern=_CURRENCY.pattern)] = "EUR"
    """Currency converted from when a product has no price in a market's currency."""
    convert_from: list[Annotated[str, Field(pattern=_CURRENCY.pattern)]] = Field(
        default_factory=list
    )
    """Further currencies to convert from, in order, when a product has a price in neither
    the market's nor the base currency; ``[catalog] currency`` is added to them, so a shop
    that sells in dollars lists in euro markets without more configuration."""
    rates: str
    """ECB ``eurofxref-daily.xml``: a file (relative to the config) or an http(s) URL."""
    stale_rates: StaleRatesPolicy = "fail"
    """Rates older than ``max_rate_age_business_days``: ``fail`` stops the run at extract
    with the reason (nothing published, no retry: old data does not heal by waiting);
    ``warn`` converts with them and writes a ``stale_rates`` warning finding."""
    max_rate_age_business_days: Annotated[int, Field(ge=0, le=30)] = 2
    """Most TARGET business days (weekends, 1 Jan, Good Friday, Easter Monday, 1 May,
    25 and 26 Dec are closed) from the rates' day to the run's logical date, counting the
    run's date and not the rates' own day. The ECB publishes about 16:00 CET, so a run at
    02:00 converts with the previous business day's rates: age 1; 2 lets one publication
    be missed."""
    offline_rates_day: date | None = None
    """The day of an offline rates snapshot that runs may convert with however old it is
    (the demo's checked-in file). Only rates of exactly this day are excused; any other
    day is checked as usual. Leave unset in production."""
    catalog_prices: dict[str, TaxBasis]
    """Per catalog currency, whether its prices are net or include a country's VAT."""
    vat_table: str | None = None
    """The reviewed VAT table (TOML, relative to the config file): per country its rates
    with their legal source, and the catalog tax classes mapped onto them. Replaces
    ``[pricing.vat]``."""
    vat: dict[str, CountryVat] = Field(default_factory=dict)
    """VAT per country (ISO 3166 code): read from ``vat_table``, or given inline in the
    old form ``DE = { standard = 19, reduced = 7 }``."""

    @field_validator("vat")
    @classmethod
    def _countries_known(cls, value: dict[str, CountryVat]) -> dict[str, CountryVat]:
        from babel import Locale

        territories = Locale("en").territories
        unknown = sorted(c for c in value if not _COUNTRY.match(c) or c not in territories)
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not an ISO 3166 country code")
        return value

    def vat_percent(self, country: str, tax_class: str, on: date | None = None) -> Decimal | None:
        """The VAT of a tax class in a country on day ``on``, or None when the config has none.

        >>> pricing = Pricing(rates="ecb.xml", catalog_prices={}, vat={"GB": CountryVat(
        ...     standard=Decimal(20), reduced=Decimal(5), zero=Decimal(0),
        ...     classes={"food": "zero"})})
        >>> pricing.vat_percent("GB", "food"), pricing.vat_percent("GB", "standard")
        (Decimal('0'), Decimal('20'))
        """
        table = self.vat.get(country)
        if table is None:
            return None
        name = table.rate_name(tax_class, on)
        return None if name is None else getattr(table, name)

    def missing_vat(self, country: str, tax_class: str, on: date | None = None) -> str:
        """Why ``vat_percent`` gives no rate, in a sentence."""
        where = f"the VAT table ({self.vat_table or '[pricing.vat]'})"
        table = self.vat.get(country)
        if table is None:
            return f"{where} has no country {country}"
        if table.is_dated(tax_class):
            if on is None:
                return f"{country} VAT for tax class {tax_class!r} changes on dates; no day given"
            return f"{where} gives tax class {tax_class!r} no rate in {country} on {on}"
        return f"{where} has no rate for tax class {tax_class!r} in {country}"


class Translation(_Strict):
    """Machine translation with DeepL, behind a translation memory."""

    source_locale: str = "en_US"
    """Locale texts are translated from (titles without a locale count as this one)."""
    fields: list[TranslatedField] = Field(default_factory=lambda: list(_DEFAULT_TRANSLATED))
    """Texts translated where a market's ``text_locales`` have none. Titles are not by
    default: many catalogs keep product names in one language on purpose."""
    memory_path: str | None = None
    """SQLite file of the translation memory, relative to the config file; absent:
    ``translation_memory.sqlite`` in a local staging folder."""
    memory_conn_id: str | None = None
    """Airflow connection of a PostgreSQL translation memory; replaces ``memory_path``."""
    glossary_path: str | None = None
    """The checked-in glossary (TOML), relative to the config file."""
    human_translations: list[str] = Field(default_factory=list)
    """TMX 1.4 or XLIFF 1.2 files from translators, imported into the memory as
    approved entries (each file once per content)."""
    character_budget: Annotated[int, Field(ge=0)] = 1_000_000
    """Characters a run may send to DeepL; texts beyond it stay pending."""
    price_per_million_characters: Annotated[Decimal, Field(ge=0)] = Decimal(20)
    """Price of a million billed characters, for the run report's cost estimate."""
    price_currency: Annotated[str, Field(pattern=_CURRENCY.pattern)] = "EUR"
    """Currency of ``price_per_million_characters``."""
    max_retries: Annotated[int, Field(ge=0, le=20)] = 5
    """Retries of a request that got 429, 5xx or no answer, backing off 1 s x 1.6 per
    retry; then that language stops for the run (its texts stay pending)."""
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    """Longest wait for one answer before it counts as a failed attempt (the client's
    floor is about 1 s: shorter values act as 1 s)."""
    max_outage_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Longest time one target language spends waiting on a DeepL that does not answer
    (timeouts, 429, 5xx and the waits between retries); then that language stops for the
    run and the others go on."""
    server_url: str | None = None
    """DeepL API base URL; absent: the client picks Pro or Free from the key."""
    max_texts_per_request: Annotated[int, Field(ge=1, le=50)] = 50
    """Texts per request (DeepL allows 50)."""
    max_request_bytes: Annotated[int, Field(ge=1024, le=131072)] = 100 * 1024
    """Request body size limit (DeepL documents 128 KiB, its own mock refuses more than
    100 KiB with 413; a batch refused with 413 is split and sent again)."""

    @field_validator("source_locale")
    @classmethod
    def _locale_known(cls, value: str) -> str:
        return _check_locale(value)

    @property
    def source_lang(self) -> str:
        """DeepL source language code (no variants for sources: EN, DE, ...)."""
        return self.source_locale.partition("_")[0].upper()


class Storage(_Strict):
    """Where runs stage their work and publish feeds, as URLs (``file://``, ``s3://``)."""

    staging_url: str
    """Root of the per-run staging area (snapshots, unpublished feeds, findings)."""
    output_url: str
    """Root of the published feeds, one folder per market."""


class Scale(_Strict):
    """How one catalog is split across tasks (and machines)."""

    shard_products: Annotated[int, Field(ge=1)] = 200_000
    """Products per shard of the staged snapshot. Each market localizes its shards in
    separate tasks (``localize_shard``), so a catalog of N products gives each market
    ceil(N / shard_products) of them; a catalog no larger than this is one shard."""


class PipelineConfig(_Strict):
    """The whole checked-in configuration."""

    catalog: CatalogSource
    """The master catalog."""
    storage: Storage
    """Staging and output locations."""
    markets: dict[str, Market]
    """Markets by code."""
    channels: dict[ChannelName, Channel]
    """Channel defaults by name; every channel a market uses needs one."""
    validation: Validation = Field(default_factory=Validation)
    """The catalog gate."""
    pricing: Pricing
    """Catalog prices, exchange rates and VAT."""
    translation: Translation = Field(default_factory=Translation)
    """Machine translation and the translation memory."""
    scale: Scale = Field(default_factory=Scale)
    """How a catalog is split across tasks."""
    categories_path: str | None = None
    """Category mapping (TOML): catalog category -> Google taxonomy id and each channel's
    category per market; relative to the config file."""

    @model_validator(mode="before")
    @classmethod
    def _catalog_locale(cls, raw: Any) -> Any:
        """A one-language export is written in the catalog's source locale unless the
        catalog section says otherwise."""
        if not isinstance(raw, dict) or not isinstance(raw.get("catalog"), dict):
            return raw
        currency = raw["catalog"].get("currency")
        pricing = raw.get("pricing")
        if isinstance(currency, str) and isinstance(pricing, dict):
            convert_from = list(pricing.get("convert_from") or [])
            if currency.upper() not in convert_from:
                raw = {
                    **raw,
                    "pricing": {**pricing, "convert_from": [*convert_from, currency.upper()]},
                }
        if raw["catalog"].get("locale"):
            return raw
        validation = raw.get("validation")
        if isinstance(validation, Validation):
            locale = validation.source_locale
        elif isinstance(validation, dict):
            locale = validation.get("source_locale", Validation().source_locale)
        else:
            locale = Validation().source_locale
        return {**raw, "catalog": {**raw["catalog"], "locale": locale}}

    @model_validator(mode="after")
    def _channels_configured(self) -> PipelineConfig:
        for code, market in self.markets.items():
            if (
                market.prices_include_vat
                and self.pricing.vat_percent(market.country, "standard") is None
            ):
                raise ValueError(
                    f"market {code} shows gross prices but the VAT table has no standard "
                    f"rate for {market.country}"
                )
            for channel in market.channels:
                if channel not in self.channels:
                    raise ValueError(
                        f"market {code} publishes to {channel!r}, which has no [channels.{channel}]"
                    )
        return self

    def requirements(self, market: Market, channel: ChannelName) -> list[Requirement]:
        """What ``market`` requires of a listing in ``channel``."""
        return market.required.get(channel) or self.channels[channel].required

    def market(self, code: str) -> Market:
        """Return market ``code`` or raise `ConfigError` naming the known ones."""
        try:
            return self.markets[code]
        except KeyError:
            known = ", ".join(sorted(self.markets))
            raise ConfigError(f"unknown market {code!r}; configured markets: {known}") from None


def _describe(error_loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in error_loc]
    if len(parts) >= 2 and parts[0] == "markets":
        rest = ".".join(parts[2:]) or "(whole table)"
        return f"market {parts[1]}, field {rest}"
    return "field " + ".".join(parts)


def _resolve_relative(raw: dict[str, object], base: Path) -> None:
    """Make file paths and ``file://`` URLs relative to the config file absolute."""
    catalog = raw.get("catalog")
    if isinstance(catalog, dict):
        for key in ("path", "product_models_path", "attribute_options_path"):
            value = catalog.get(key)
            if isinstance(value, str) and not os.path.isabs(value):
                catalog[key] = str((base / value).resolve())
    pricing = raw.get("pricing")
    if isinstance(pricing, dict):
        rates = pricing.get("rates")
        if isinstance(rates, str) and "://" not in rates and not os.path.isabs(rates):
            pricing["rates"] = str((base / rates).resolve())
        table = pricing.get("vat_table")
        if isinstance(table, str) and not os.path.isabs(table):
            pricing["vat_table"] = str((base / table).resolve())
    categories = raw.get("categories_path")
    if isinstance(categories, str) and not os.path.isabs(categories):
        raw["categories_path"] = str((base / categories).resolve())
    translation = raw.get("translation")
    if isinstance(translation, dict):
        for key in ("memory_path", "glossary_path"):
            value = translation.get(key)
            if isinstance(value, str) and not os.path.isabs(value):
                translation[key] = str((base / value).resolve())
        files = translation.get("human_translations")
        if isinstance(files, list):
            translation["human_translations"] = [
                v if not isinstance(v, str) or os.path.isabs(v) else str((base / v).resolve())
                for v in files
            ]
    storage = raw.get("storage")
    if isinstance(storage, dict):
        for key, value in list(storage.items()):
            if isinstance(value, str) and "://" not in value:
                storage[key] = (base / value).resolve().as_uri()


def _read_vat_table(raw: dict[str, object], config_path: Path) -> None:
    """Put the countries of ``[pricing] vat_table`` into ``[pricing.vat]``, checked.

    Raises:
        ConfigError: naming the table file, the country and the field at fault.
    """
    from pydantic import TypeAdapter

    pricing = raw.get("pricing")
    if not isinstance(pricing, dict) or not isinstance(pricing.get("vat_table"), str):
        return
    table_path = Path(pricing["vat_table"])
    if "vat" in pricing:
        raise ConfigError(
            f"{config_path}: [pricing] gives both vat_table and [pricing.vat]; keep one"
        )
    try:
        table = tomllib.loads(table_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the VAT table: {exc}") from exc
    try:
        countries = TypeAdapter(dict[str, CountryVat]).validate_python(table)
        Pricing._countries_known(countries)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{table_path}: {problems}") from None
    except ValueError as exc:
        raise ConfigError(f"{table_path}: {exc}") from None
    pricing["vat"] = countries


def load_config(
    path: str | os.PathLike[str], *, env: dict[str, str] | None = None
) -> PipelineConfig:
    """Load and check the pipeline configuration.

    Storage URLs may be overridden by ``GRENZENLOS_STAGING_URL`` and
    ``GRENZENLOS_OUTPUT_URL`` (in ``env``, default `os.environ`), so a deployment
    points the same checked-in file at object storage; the SQLite translation
    memory by ``GRENZENLOS_TRANSLATION_MEMORY`` (a local file) or
    ``GRENZENLOS_TRANSLATION_MEMORY_CONN_ID`` (a PostgreSQL connection); the shard size by
    ``GRENZENLOS_SHARD_PRODUCTS``.

    Raises:
        ConfigError: naming the file, the market and the field at fault.
    """
    env = dict(os.environ) if env is None else env
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    markets = raw.get("markets")
    if isinstance(markets, dict):
        for code, table in markets.items():
            if isinstance(table, dict):
                table.setdefault("code", code)
    storage = raw.setdefault("storage", {})
    if isinstance(storage, dict):
        for key, var in (
            ("staging_url", "GRENZENLOS_STAGING_URL"),
            ("output_url", "GRENZENLOS_OUTPUT_URL"),
        ):
            if env.get(var):
                storage[key] = env[var]
    if env.get("GRENZENLOS_SHARD_PRODUCTS"):
        scale = raw.setdefault("scale", {})
        if isinstance(scale, dict):
            scale["shard_products"] = env["GRENZENLOS_SHARD_PRODUCTS"]
    if env.get("GRENZENLOS_TRANSLATION_MEMORY"):
        translation = raw.setdefault("translation", {})
        if isinstance(translation, dict):
            translation["memory_path"] = env["GRENZENLOS_TRANSLATION_MEMORY"]
    if env.get("GRENZENLOS_TRANSLATION_MEMORY_CONN_ID"):
        translation = raw.setdefault("translation", {})
        if isinstance(translation, dict):
            translation["memory_conn_id"] = env["GRENZENLOS_TRANSLATION_MEMORY_CONN_ID"]
    _resolve_relative(raw, path.parent)
    _read_vat_table(raw, path)
    try:
        config = PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_describe(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    for code, market in config.markets.items():
        if market.code != code:
            raise ConfigError(
                f"{path}: market {code}, field code: must equal the table key {code!r}"
            )
    return config
