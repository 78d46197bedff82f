from __future__ import annotations

from pathlib import Path

import pytest

from schemas.market import ConfigError, Market, load_config
from tests.conftest import CASES, ROOT

CONFIG = ROOT / "config" / "markets.toml"

BAD_CONFIGS = {
    "currency_not_iso4217.toml": ("market DE", "field currency"),
    "locale_with_hyphen.toml": ("market FR", "field locale"),
    "channel_not_registered.toml": ("market US", "field channels"),
    "product_url_without_sku.toml": ("market AT", "field product_url"),
    "channels_missing.toml": ("market PL", "field channels"),
    "unknown_field.toml": ("market CH", "field vat"),
    "catalog_section_missing.toml": ("field catalog",),
    "blocked_share_above_one.toml": ("field validation.max_blocked_share",),
    "requirement_unknown.toml": ("field channels.google.required.1",),
    "when_pending_unknown.toml": ("market FR", "field when_pending"),
    "translation_target_not_deepl.toml": ("market FR", "field translation_target"),
    "deepl_budget_negative.toml": ("field translation.character_budget",),
}


def test_checked_in_config_has_the_required_markets() -> None:
    config = load_config(CONFIG, env={})
    expected = {
        "DE": ("de_DE", "EUR"),
        "AT": ("de_AT", "EUR"),
        "FR": ("fr_FR", "EUR"),
        "CH": ("de_CH", "CHF"),
        "GB": ("en_GB", "GBP"),
        "US": ("en_US", "USD"),
        "PL": ("pl_PL", "PLN"),
    }
    for code, (locale, currency) in expected.items():
        market = config.market(code)
        assert (market.locale, market.currency) == (locale, currency)
        assert market.channels, code
        assert market.text_locales[0] == locale


def test_relative_paths_resolve_against_the_config_file() -> None:
    config = load_config(CONFIG, env={})
    assert config.catalog.path is not None
    assert Path(config.catalog.path).exists()
    assert config.storage.output_url == (ROOT / "var" / "output").as_uri()


def test_environment_overrides_storage_urls() -> None:
    config = load_config(CONFIG, env={"GRENZENLOS_OUTPUT_URL": "s3://feeds-bucket/out"})
    assert config.storage.output_url == "s3://feeds-bucket/out"


@pytest.mark.parametrize(("case", "expected"), sorted(BAD_CONFIGS.items()))
def test_bad_config_names_market_and_field(case: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(CASES / "config" / case, env={})
    for part in expected:
        assert part in str(error.value)
    assert case in str(error.value)


def test_unknown_market_lists_the_configured_ones() -> None:
    config = load_config(CONFIG, env={})
    with pytest.raises(ConfigError, match="unknown market 'XX'.*AT, CH, CN, DE"):
        config.market("XX")


def test_translation_settings_of_the_checked_in_config() -> None:
    config = load_config(CONFIG, env={})
    units = {code: m.translation_unit for code, m in config.markets.items()}
    # DE, AT and CH share one German translation; English markets need none from English.
    assert units["DE"] == units["AT"] == units["CH"] == ("DE", "more", "")
    assert units["GB"][0] == "EN-GB" and units["US"][0] == "EN-US"
    assert config.translation.source_lang == "EN"
    assert config.translation.glossary_path is not None
    assert Path(config.translation.glossary_path).exists()
    assert all(Path(p).exists() for p in config.translation.human_translations)


@pytest.mark.parametrize(
    ("locale", "formality", "unit"),
    [
        ("pt_PT", "less", ("PT-PT", "less", "")),
        ("zh_CN", "more", ("ZH-HANS", "", "")),  # Chinese takes no formality
        ("en_GB", "prefer_more", ("EN-GB", "", "")),
        ("ja_JP", "default", ("JA", "", "")),
    ],
)
def test_translation_unit_per_market(
    locale: str, formality: str, unit: tuple[str, str, str]
) -> None:
    market = Market.model_validate(
        {
            "code": "XX",
            "country": locale[-2:],
            "locale": locale,
            "currency": "EUR",
            "channels": ["google"],
            "product_url": "https://shop.example/{sku}",
            "formality": formality,
        }
    )
    assert market.translation_unit == unit
    variant = market.model_copy(update={"translation_variant": True})
    assert variant.translation_unit == (*unit[:2], locale)
