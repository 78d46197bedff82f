"""The category map: per-market channels, checked against the configured markets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.categories import CategoryError, load_category_map
from schemas.config.channel import per_market_category_channels
from schemas.config.loader import load_config
from tests.conftest import CASES, ROOT

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
CATEGORIES = ROOT / "config" / "categories.toml"

BAD_MAPS = {
    "per_market_channel_single_value.toml": ("[drinkware] kaufland", "table of market"),
    "market_not_configured.toml": ("[drinkware] kaufland", "CZ is not a configured market"),
    "every_market_key_in_table.toml": ("[food] idealo", "for every market give one value"),
    "category_not_text.toml": ("[bags] allegro", "give a category"),
}


def test_checked_in_map_agrees_with_the_checked_in_markets() -> None:
    load_category_map(CATEGORIES, markets=CONFIG.markets)


def test_every_market_of_a_per_market_channel_has_each_category() -> None:
    """The sample's storefronts are complete: no Kaufland or idealo market lacks a category
    another market of the same channel has."""
    mapping = load_category_map(CATEGORIES, markets=CONFIG.markets)
    for channel in sorted(per_market_category_channels()):
        served = sorted(c for c, m in CONFIG.markets.items() if channel in m.channels)
        mapped = {code: set(mapping.for_channel(channel, code)) for code in served}
        assert served, channel
        assert all(names == mapped[served[0]] for names in mapped.values()), (channel, mapped)


def test_kaufland_takes_each_storefronts_language() -> None:
    mapping = load_category_map(CATEGORIES, markets=CONFIG.markets)
    german = mapping.for_channel("kaufland", "DE")
    polish = mapping.for_channel("kaufland", "PL")
    assert german["food"] == "Lebensmittel"
    assert polish == {
        "drinkware": "Butelki na wodę",
        "bags": "Plecaki",
        "audio": "Słuchawki",
        "home": "Lampki biurkowe",
        "food": "Artykuły spożywcze",
    }
    # A storefront the map does not name gets nothing, never DE's names.
    assert mapping.for_channel("kaufland", "CZ") == {}


def test_one_value_serves_every_market_of_a_language_free_channel() -> None:
    mapping = load_category_map(CATEGORIES, markets=CONFIG.markets)
    assert mapping.for_channel("google", "PL")["food"] == "422"
    assert mapping.for_channel("google", "US") == mapping.for_channel("google", "DE")


@pytest.mark.parametrize(("case", "expected"), sorted(BAD_MAPS.items()))
def test_bad_map_names_file_category_and_channel(case: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(CategoryError) as error:
        load_category_map(CASES / "categories" / case, markets=CONFIG.markets)
    assert case in str(error.value)
    for part in expected:
        assert part in str(error.value)


def test_unknown_market_lists_the_configured_ones(tmp_path: Path) -> None:
    path = tmp_path / "categories.toml"
    path.write_text('[food]\nidealo = { DE = "Tee", XX = "Tea", YY = "Té" }\n', encoding="utf-8")
    with pytest.raises(CategoryError, match=r"XX, YY are not configured markets \(markets: AT, "):
        load_category_map(path, markets=CONFIG.markets)
    # Without the configuration (a writer test), the table is taken as it is.
    assert load_category_map(path).for_channel("idealo", "XX") == {"food": "Tea"}


def test_no_file_gives_an_empty_map() -> None:
    assert load_category_map(None).for_channel("kaufland", "DE") == {}
