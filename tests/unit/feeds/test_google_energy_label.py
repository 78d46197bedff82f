"""Google's ``certification`` for an EU energy label (support.google.com/merchants
13528839): authority EC, name EPREL, code the EPREL registration number, for a product with
an energy class and that number, in markets of the EU, EFTA and the UK; the file passes the
project's RelaxNG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feeds.google import GoogleMerchantFeed
from tests.unit.feeds.test_channels import CONFIG, check, listing, write
from tests.unit.feeds.test_google import G

if TYPE_CHECKING:
    from pathlib import Path

LABELLED = {"color": "schwarz", "energy_class": "B", "eprel_registration_number": "123456"}


def _certifications(data: bytes) -> list[list[tuple[str, str | None]]]:
    from lxml import etree

    root = etree.fromstring(data)
    return [
        [(part.tag.removeprefix(G), part.text) for part in element]
        for element in root.iter(f"{G}certification")
    ]


def test_an_appliance_with_an_eprel_number_gets_its_certification(tmp_path: Path) -> None:
    market = CONFIG.market("DE")
    data, [found, _] = write(
        "google",
        market,
        [listing(market, sku="GZ-LAMP", attributes=LABELLED), listing(market, sku="GZ-BOTTLE")],
    )
    assert _certifications(data) == [
        [
            ("certification_authority", "EC"),
            ("certification_name", "EPREL"),
            ("certification_code", "123456"),
        ]
    ]
    assert not found
    assert check("google", data, tmp_path) == []
    assert GoogleMerchantFeed.spec.name == "google"


def test_no_label_without_class_or_number_or_outside_europe(tmp_path: Path) -> None:
    de, us = CONFIG.market("DE"), CONFIG.market("US")
    no_number = {"energy_class": "B"}
    data, _ = write("google", de, [listing(de, attributes=no_number)])
    assert _certifications(data) == []
    data, _ = write("google", us, [listing(us, attributes=LABELLED)])
    assert _certifications(data) == []
    gb = CONFIG.market("GB")
    data, _ = write("google", gb, [listing(gb, attributes=LABELLED)])
    assert len(_certifications(data)) == 1


def test_an_eprel_number_that_is_none_is_reported_and_left_out(tmp_path: Path) -> None:
    market = CONFIG.market("DE")
    data, [found] = write(
        "google",
        market,
        [listing(market, attributes={**LABELLED, "eprel_registration_number": "12A"})],
    )
    assert _certifications(data) == []
    assert [f.rule for f in found] == ["invalid_eprel_number"]
    assert check("google", data, tmp_path) == []
