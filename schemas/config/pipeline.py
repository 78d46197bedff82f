"""The whole pipeline's configuration and the sections that are not a market, channel,
catalog or pricing: validation, translation, storage and scale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, SerializeAsAny, field_validator, model_validator

from schemas.config.base import CURRENCY_CODE, ConfigError, StrictModel, check_locale

# The sections' models: pydantic reads these annotations at run time.
from schemas.config.catalog import CatalogSource  # noqa: TC001
from schemas.config.channel import (  # noqa: TC001
    Channel,
    Requirement,
    check_delivery_method,
    parse_channels,
)
from schemas.config.channels.google import GoogleChannel
from schemas.config.compliance import Compliance
from schemas.config.market import Market  # noqa: TC001
from schemas.config.operators import Operators
from schemas.config.pricing import Pricing  # noqa: TC001

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


TranslatedField = Literal["title", "description", "bullet_points"]
_DEFAULT_TRANSLATED: tuple[TranslatedField, ...] = ("description", "bullet_points")


class RuleSetting(StrictModel):
    """How one catalog rule (`schemas.catalog_rules`) acts in this pipeline."""

    severity: Literal["error", "warning", "off"] | None = None
    """``error`` sets the product aside, ``warning`` only reports, ``off`` skips the rule;
    unset: the rule's own severity."""
    markets: list[str] | None = None
    """Market codes where an ``error`` of this rule sets the product aside; unset: every
    market. Elsewhere the finding is reported and the product goes on."""


class Validation(StrictModel):
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
        return check_locale(value)


class Translation(StrictModel):
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
    price_currency: Annotated[str, Field(pattern=CURRENCY_CODE.pattern)] = "EUR"
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
        return check_locale(value)

    @property
    def source_lang(self) -> str:
        """DeepL source language code (no variants for sources: EN, DE, ...)."""
        return self.source_locale.partition("_")[0].upper()


class Storage(StrictModel):
    """Where runs stage their work and publish feeds, as URLs (``file://``, ``s3://``)."""

    staging_url: str
    """Root of the per-run staging area (snapshots, unpublished feeds, findings)."""
    output_url: str
    """Root of the published feeds, one folder per market."""


class Scale(StrictModel):
    """How one catalog is split across tasks (and machines)."""

    shard_products: Annotated[int, Field(ge=1)] = 200_000
    """Products per shard of the staged snapshot. Each market localizes its shards in
    separate tasks (``localize_shard``), so a catalog of N products gives each market
    ceil(N / shard_products) of them; a catalog no larger than this is one shard."""


class PipelineConfig(StrictModel):
    """The whole checked-in configuration."""

    catalog: CatalogSource
    """The master catalog."""
    storage: Storage
    """Staging and output locations."""
    markets: dict[str, Market]
    """Markets by code."""
    channels: dict[str, SerializeAsAny[Channel]]
    """Channel defaults by name, each validated by the model registered for its name
    (`schemas.config.channel.parse_channels`); every channel a market uses needs one."""
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
    operators: Operators = Field(default_factory=Operators)
    """Economic operators (``[operators.<id>]``) and the brand -> manufacturer map
    (``[operators.brands]``) that EU product law asks listings to name; every market
    gets them (`schemas.config.market.Market.operators`)."""
    compliance: Compliance = Field(default_factory=Compliance)
    """EU product law's scopes: the energy-label categories (``[compliance.energy_label]``)
    and the EPR schemes (``[compliance.epr]``); every market gets them
    (`schemas.config.market.Market.compliance`)."""

    @field_validator("channels", mode="before")
    @classmethod
    def _channels_by_name(cls, raw: Any) -> Any:
        return parse_channels(raw)

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
    def _operators_to_markets(self) -> PipelineConfig:
        # The feed writers see a market, not the whole configuration.
        for market in self.markets.values():
            market._operators = self.operators
            market._compliance = self.compliance
        return self

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
                check_delivery_method(code, channel, self.channels[channel])
        return self

    @model_validator(mode="after")
    def _google_feed_targets(self) -> PipelineConfig:
        google = self.channels.get("google")
        if isinstance(google, GoogleChannel):
            google.check_feed_targets(self.markets)
        return self

    def requirements(self, market: Market, channel: str) -> list[Requirement]:
        """What ``market`` requires of a listing in ``channel``."""
        return market.required.get(channel) or self.channels[channel].required

    def market(self, code: str) -> Market:
        """Return market ``code`` or raise `ConfigError` naming the known ones."""
        try:
            return self.markets[code]
        except KeyError:
            known = ", ".join(sorted(self.markets))
            raise ConfigError(f"unknown market {code!r}; configured markets: {known}") from None
