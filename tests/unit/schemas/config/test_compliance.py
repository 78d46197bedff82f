"""`schemas.config.compliance`: ``[compliance]`` (energy-label and EPR scopes) handed to
every market, and ``[markets.<code>.epr]``; a mistake in either stops the configuration
with an error naming the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.config.base import ConfigError
from schemas.config.loader import load_config
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

TEXT = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    for name in ("categories.toml", "vat.toml", "glossary.toml"):
        (tmp_path / name).write_text((ROOT / "config" / name).read_text(encoding="utf-8"))
    return load_config(path, env={})


def test_every_market_gets_the_compliance_section() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    assert all(m.compliance is config.compliance for m in config.markets.values())
    assert "compliance" not in config.market("DE").model_dump()
    assert config.compliance.epr.required == {
        "DE": ["packaging", "weee"],
        "FR": ["unique_identifier"],
    }
    assert config.market("GB").epr.number("packaging") is None


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            'channels = ["amazon", "ebay"]',
            'channels = ["amazon", "ebayy"]',
            "field compliance.epr.channels: Value error, 'ebayy' is not a registered channel",
        ),
        (
            'weee = "DE 73920158"',
            'weee = ""',
            "market DE, field epr.weee",
        ),
        (
            'weee = "DE 73920158"',
            'weee = "DE 73920158"\nlucid = "DE1"',
            "market DE, field epr.lucid",
        ),
        (
            'categories = ["lighting"]',
            'categories = ["lighting"]\nrequired = true',
            "field compliance.energy_label.required",
        ),
    ],
    ids=["unknown channel", "empty number", "unknown scheme", "unknown key"],
)
def test_a_mistake_is_named(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in TEXT
    with pytest.raises(ConfigError, match=says.replace(".", r"\.")):
        _load(tmp_path, TEXT.replace(old, new))
