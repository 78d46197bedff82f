"""`schemas.config.loader.load_config`: the checked-in file, paths, environment overrides,
errors naming the market and field, and the VAT table."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
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


# --- the VAT table ------------------------------------------------------------------------

_VAT_CONFIG = """
[catalog]
format = "csv"
path = "products.csv"

[storage]
staging_url = "staging"
output_url = "output"

[channels.google]
required = ["title"]

[pricing]
rates = "ecb.xml"
vat_table = "vat.toml"

[pricing.catalog_prices]
EUR = { includes_vat_of = "DE" }

[markets.GB]
country = "GB"
locale = "en_GB"
currency = "GBP"
channels = ["google"]
product_url = "https://shop.example/gb/p/{sku}"
"""


def _with_vat_table(folder: Path, table: str, config: str = _VAT_CONFIG) -> Path:
    (folder / "vat.toml").write_text(table, encoding="utf-8")
    (folder / "markets.toml").write_text(config, encoding="utf-8")
    return folder / "markets.toml"


def test_checked_in_config_reads_the_reviewed_vat_table() -> None:
    config = load_config(CONFIG, env={})
    assert config.pricing.vat_table == str(ROOT / "config" / "vat.toml")
    assert config.pricing.vat_percent("GB", "food") == 0
    assert config.pricing.vat_percent("DE", "food") == 7
    assert config.pricing.stale_rates == "fail"
    assert config.pricing.max_rate_age_business_days == 2
    assert str(config.pricing.offline_rates_day) == "2026-11-26"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[GB]\nstandard = 20\n[GB.classes]\nfoood = "zero"\n',
            "GB.classes.foood",
        ),
        ("[XX]\nstandard = 20\n[GB]\nstandard = 20\n", "XX: not an ISO 3166 country code"),
        (
            '[GB]\nstandard = 20\n[GB.classes]\nfood = "zero"\n',
            "tax class 'food' maps to the zero rate, which is not given",
        ),
        ("[GB]\nstandard = 20\nlower = 5\n", "GB.lower: Extra inputs are not permitted"),
        ("[GB]\nstandard = 20\nzero = 5\n", "GB.zero"),
        (
            "[GB]\nstandard = 20\nreduced = 5\n[GB.classes]\nfood = ["
            '{ rate = "reduced", until = 2026-06-30 },'
            '{ rate = "standard", since = 2026-06-01 }]\n',
            "the periods of tax class 'food' overlap",
        ),
    ],
)
def test_a_bad_vat_table_fails_at_load_naming_the_file_and_entry(
    tmp_path: Path, table: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(_with_vat_table(tmp_path, table), env={})
    assert str(tmp_path / "vat.toml") in str(error.value)
    assert expected in str(error.value)


def test_a_vat_table_and_an_inline_vat_section_are_not_both_allowed(tmp_path: Path) -> None:
    config = _VAT_CONFIG + "\n[pricing.vat]\nGB = { standard = 20 }\n"
    with pytest.raises(ConfigError, match="both vat_table and"):
        load_config(_with_vat_table(tmp_path, "[GB]\nstandard = 20\n", config), env={})


def test_a_gross_market_needs_its_country_in_the_vat_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="market GB shows gross prices but the VAT table"):
        load_config(_with_vat_table(tmp_path, "[DE]\nstandard = 19\n"), env={})


def test_an_inline_vat_section_of_the_old_form_still_works(tmp_path: Path) -> None:
    config = _VAT_CONFIG.replace('vat_table = "vat.toml"\n', "")
    config += "\n[pricing.vat]\nGB = { standard = 20, reduced = 5 }\n"
    loaded = load_config(_with_vat_table(tmp_path, "", config), env={})
    # Without a class table, goods classes take the reduced rate, as they did before.
    assert loaded.pricing.vat_percent("GB", "food") == 5
    assert loaded.pricing.vat_percent("GB", "reduced") == 5
    assert loaded.pricing.vat_percent("GB", "zero") is None
