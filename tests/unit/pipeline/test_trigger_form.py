"""The trigger forms' pick lists, read from the configuration file when a DAG file is
parsed: what a good file offers, and that a missing or broken one offers nothing instead
of failing the parse."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pipeline.trigger_form import FormChoices, deliver_feeds_form, form_choices
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path


def test_the_checked_in_configuration_offers_its_markets_and_delivering_channels() -> None:
    choices = form_choices(ROOT / "config" / "markets.toml")
    assert choices.markets["DE"] == "DE: Germany (de_DE, EUR)"
    assert choices.delivering_channels == ["amazon", "ebay", "google"]


def test_labels_fall_back_to_the_country_then_the_code(tmp_path: Path) -> None:
    path = tmp_path / "markets.toml"
    path.write_text(
        '[markets.AT]\ncountry = "Austria"\nlocale = "de_AT"\ncurrency = "EUR"\n'
        '[markets.CH]\nlocale = "de_CH"\n',
        encoding="utf-8",
    )
    assert form_choices(path).markets == {
        "AT": "AT: Austria (de_AT, EUR)",
        "CH": "CH: CH (de_CH, )",
    }


def test_a_channel_delivers_by_its_method_or_its_public_url(tmp_path: Path) -> None:
    path = tmp_path / "markets.toml"
    path.write_text(
        '[channels.google]\ndelivery = { method = "sftp" }\n'
        '[channels.idealo]\npublic_url = "https://feeds.example/{market}/{file}"\n'
        '[channels.kaufland]\nrequired = ["gtin"]\n',
        encoding="utf-8",
    )
    assert form_choices(path) == FormChoices({}, ["google", "idealo"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("missing", None),
        ("not_toml", b"[markets.DE\n"),
        ("not_utf8", b'[markets.DE]\nname = "\xff"\n'),
        ("markets_not_a_table", b"markets = 3\nchannels = []\n"),
        ("market_not_a_table", b'[markets]\nDE = "Germany"\n[channels]\ngoogle = 1\n'),
    ],
)
def test_a_file_that_does_not_read_offers_nothing(
    name: str, content: bytes | None, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.toml"
    if content is not None:
        path.write_bytes(content)
    assert form_choices(path) == FormChoices()


def test_the_delivery_form_offers_only_the_given_channels() -> None:
    form = deliver_feeds_form(["DE", "FR"], ["google"])
    assert form["markets"]["items"]["enum"] == ["DE", "FR"]
    assert form["channels"]["examples"] == ["google"]
    assert form["markets"]["default"] is None and form["dry_run"]["default"] is False
