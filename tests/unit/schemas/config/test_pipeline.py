"""`schemas.config.pipeline.PipelineConfig`: looking a market up, the translation section."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
from tests.conftest import ROOT

CONFIG = ROOT / "config" / "markets.toml"


def test_unknown_market_lists_the_configured_ones() -> None:
    config = load_config(CONFIG, env={})
    with pytest.raises(ConfigError, match="unknown market 'XX'.*AT, BE_FR, BE_NL, CH, CN, DE"):
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
