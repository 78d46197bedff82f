"""`schemas.config.channels.google`: each market's feed label and content language at
Google, their defaults from the market, Google's rule for feed labels, and Switzerland
published in French and Italian beside German."""

from __future__ import annotations

import pytest

from schemas.config.base import ConfigError
from schemas.config.channels.google import FeedTarget, GoogleChannel
from schemas.config.loader import load_config
from tests.conftest import CASES, ROOT


def test_markets_default_to_their_country_and_language() -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    google = config.channels["google"]
    assert isinstance(google, GoogleChannel)
    targets = {code: google.feed_target(config.markets[code]) for code in ("DE", "AT", "BE_FR")}
    assert targets == {
        "DE": FeedTarget("DE", "de"),
        "AT": FeedTarget("AT", "de"),
        "BE_FR": FeedTarget("BE", "fr"),
    }


def test_switzerland_publishes_one_google_feed_per_language() -> None:
    config = load_config(CASES / "config" / "switzerland_in_french_and_italian.toml", env={})
    google = config.channels["google"]
    assert isinstance(google, GoogleChannel)
    targets = {code: google.feed_target(market) for code, market in config.markets.items()}
    assert targets == {
        "CH": FeedTarget("CH", "de"),
        "CH_FR": FeedTarget("CH", "fr"),
        "CH_IT": FeedTarget("CH-IT", "it"),
    }
    assert {market.currency for market in config.markets.values()} == {"CHF"}
    assert google.merchant_account == "123456789"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("google_feed_label_lowercase.toml", ("google.markets.CH_FR.feed_label", "A-Z0-9_-")),
        ("google_same_feed_target.toml", ("CH and CH_FR", "'CH' in 'de'")),
        ("google_feed_target_unknown_market.toml", ("CH_IR",)),
    ],
)
def test_bad_google_settings_are_refused_at_load(case: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(CASES / "config" / case, env={})
    for part in expected:
        assert part in str(error.value)


@pytest.mark.parametrize("label", ["CH", "CH-FR", "CH_FR_2026", "A" * 20])
def test_google_takes_feed_labels_of_its_alphabet(label: str) -> None:
    assert (
        GoogleChannel.model_validate(
            {"required": ["title"], "markets": {"CH_FR": {"feed_label": label}}}
        )
        .markets["CH_FR"]
        .feed_label
        == label
    )


@pytest.mark.parametrize("label", ["ch", "CH FR", "A" * 21, "", "CHÄ"])
def test_google_refuses_other_feed_labels(label: str) -> None:
    with pytest.raises(ValueError, match="feed_label"):
        GoogleChannel.model_validate(
            {"required": ["title"], "markets": {"CH_FR": {"feed_label": label}}}
        )
