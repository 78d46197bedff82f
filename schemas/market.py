"""Markets as data: the typed model of ``config/markets.toml`` and its loader.

Adding a country is a change to the TOML file, not to code. A config that does
not fit the model fails at load with `ConfigError`, whose message names the
market and the field.
"""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ChannelName = Literal["google", "amazon", "ebay", "idealo", "kaufland", "allegro", "mobile_cn"]
"""Feed channels a market may publish to; each is a writer in `feeds.registry`."""

CatalogFormat = Literal["akeneo", "csv", "jsonl", "postgres"]

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


class Market(_Strict):
    """One country (or country-language pair) the merchant sells in."""

    code: str
    """Market code, the key of the ``[markets.<code>]`` table (``DE``)."""
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

    def link_for(self, sku: str) -> str:
        """Product page URL of ``sku`` in this market."""
        return self.product_url.format(sku=sku, locale=self.locale)


class CatalogSource(_Strict):
    """Where the master catalog comes from."""

    format: CatalogFormat
    """Reader to use: ``akeneo`` (Akeneo PIM CSV export), ``csv`` and ``jsonl``
    (the project's own formats) or ``postgres`` (a table or query)."""
    path: str | None = None
    """File to read, relative to the config file; for the file formats."""
    product_models_path: str | None = None
    """Akeneo ``product_models.csv`` whose values variants inherit; optional."""
    attribute_options_path: str | None = None
    """Akeneo ``attribute_options.csv``, for the labels of size options; optional."""
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
        if self.format != "postgres" and not self.path:
            raise ValueError(f"format {self.format!r} needs a path")
        return self


class Channel(_Strict):
    """Defaults of one feed channel, whatever the market."""

    required: list[Requirement] = Field(min_length=1)
    """Attributes a listing needs before it may go into this channel's feed."""
    seller_id: str | None = None
    """The merchant's id at the channel (Amazon ``sellerId``)."""
    title_length: Annotated[int, Field(ge=10, le=500)] | None = None
    """Shorter titles than the channel allows (small screens of a mobile storefront)."""
    max_selling_points: Annotated[int, Field(ge=0, le=10)] = 5
    """Most bullet points (selling points) an item carries."""
    carrier: str = "dhl"
    """Carrier of the shipping-cost column (idealo ``deliveryCosts_<carrier>``)."""
    delivery_cost: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    """Shipping cost in the market's currency, for channels that list it per item."""
    delivery_time: str = "1-3 Werktage"
    """Delivery time as the channel shows it."""


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

    @field_validator("source_locale")
    @classmethod
    def _locale_known(cls, value: str) -> str:
        return _check_locale(value)


class TaxBasis(_Strict):
    """How the catalog states its prices in one currency."""

    includes_vat_of: str | None = None
    """Country whose VAT these prices include (gross prices); absent for net prices."""


class Pricing(_Strict):
    """Where feed prices come from: catalog prices, exchange rates and VAT."""

    base_currency: Annotated[str, Field(pattern=_CURRENCY.pattern)] = "EUR"
    """Currency converted from when a product has no price in a market's currency."""
    rates: str
    """ECB ``eurofxref-daily.xml``: a file (relative to the config) or an http(s) URL."""
    catalog_prices: dict[str, TaxBasis]
    """Per catalog currency, whether its prices are net or include a country's VAT."""
    vat: dict[str, dict[str, Percent]]
    """VAT in percent per country and tax class (standard, reduced, ...)."""

    def vat_percent(self, country: str, tax_class: str) -> Decimal | None:
        """The VAT of a tax class in a country, or None when the config has none."""
        return self.vat.get(country, {}).get(tax_class)


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
    categories_path: str | None = None
    """Category mapping (TOML): catalog category -> Google taxonomy id and each channel's
    category per market; relative to the config file."""

    @model_validator(mode="after")
    def _channels_configured(self) -> PipelineConfig:
        for code, market in self.markets.items():
            if market.prices_include_vat and "standard" not in self.pricing.vat.get(
                market.country, {}
            ):
                raise ValueError(
                    f"market {code} shows gross prices but [pricing.vat.{market.country}] "
                    "has no standard rate"
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


def load_config(
    path: str | os.PathLike[str], *, env: dict[str, str] | None = None
) -> PipelineConfig:
    """Load and check the pipeline configuration.

    Storage URLs may be overridden by ``GRENZENLOS_STAGING_URL`` and
    ``GRENZENLOS_OUTPUT_URL`` (in ``env``, default `os.environ`), so a deployment
    points the same checked-in file at object storage; the SQLite translation
    memory by ``GRENZENLOS_TRANSLATION_MEMORY`` (a local file).

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
    if env.get("GRENZENLOS_TRANSLATION_MEMORY"):
        translation = raw.setdefault("translation", {})
        if isinstance(translation, dict):
            translation["memory_path"] = env["GRENZENLOS_TRANSLATION_MEMORY"]
    _resolve_relative(raw, path.parent)
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
