"""The sample catalog's lamp without an EPREL number (GZ-LAM-0046,
examples/sample_catalog/generate.py) as the sample run builds it: set aside in an EU
market's Google feed with ``eprel_number_missing``, listed in GB (whose own energy labels
are not checked) without a ``certification``; its siblings with a number are listed in
both with one."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree

from pipeline.build import build_market_feeds
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.pricing.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
LAMPS = [
    p
    for p in read_catalog(CONFIG.catalog)
    if isinstance(p, Product) and p.sku in {"GZ-LAM-0045", "GZ-LAM-0046"}
]
G = "{http://base.google.com/ns/1.0}"


def google(tmp: Path, code: str) -> tuple[dict[str | None, str | None], list[dict[str, Any]]]:
    """``code``'s Google items for the two lamps, and its findings."""
    market = CONFIG.market(code).model_copy(update={"channels": ["google"]})
    stage_catalog(LAMPS, tmp)
    built = build_market_feeds(
        tmp / SNAPSHOT,
        market,
        tmp / code,
        pricing=CONFIG.pricing,
        rates=RATES,
        channel_settings=CONFIG.channels,
        category_map=load_category_map(ROOT / "config" / "categories.toml"),
    )
    root = etree.parse(str(tmp / code / "google.xml")).getroot()
    items = {
        item.findtext(f"{G}id"): item.findtext(f"{G}certification/{G}certification_code")
        for item in root.iter("item")
    }
    with open(built["findings"], encoding="utf-8") as stream:
        return items, [json.loads(line) for line in stream]


def test_the_sample_has_the_lamp_without_eprel_number() -> None:
    attributes = {p.sku: p.attributes for p in LAMPS}
    assert attributes["GZ-LAM-0046"].get("eprel_registration_number", "") == ""
    assert attributes["GZ-LAM-0045"]["eprel_registration_number"] == "1500045"
    assert attributes["GZ-LAM-0046"]["energy_class"] == "F"


@pytest.mark.parametrize("code", ["DE", "AT", "FR"])
def test_it_is_set_aside_in_eu_markets(tmp_path: Path, code: str) -> None:
    items, findings = google(tmp_path, code)
    assert items == {"GZ-LAM-0045": "1500045"}
    [finding] = [f for f in findings if f["sku"] == "GZ-LAM-0046" and f["severity"] == "error"]
    assert (finding["rule"], finding["field"], finding["channel"]) == (
        "eprel_number_missing",
        "eprel_registration_number",
        "google",
    )


def test_it_is_listed_in_gb(tmp_path: Path) -> None:
    items, findings = google(tmp_path, "GB")
    assert items == {"GZ-LAM-0045": "1500045", "GZ-LAM-0046": None}
    assert not [f for f in findings if f["rule"].startswith(("energy_", "eprel_"))]
