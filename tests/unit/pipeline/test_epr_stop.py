"""A market without the EPR registration its country requires does not publish the feeds
of the channels that block such sellers (Amazon, eBay: ``[compliance.epr] channels``), with
the reason in the channel's result, the findings, the run summary and report.html; its
other channels publish (`schemas.epr`, issue #26).

The configuration case is the checked-in ``config/markets.toml`` with one market's
``[markets.<code>.epr]`` table taken away (or cut down), as a merchant who has not
registered yet would have it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pipeline.build import build_market_feeds
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from pipeline.publish import publish_market
from pipeline.run_report.summary import RunParams, RunResults, write_run_report
from schemas.categories import load_category_map
from schemas.config.compliance import EprRegistrations
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.pricing.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.market import Market

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
CATEGORIES = load_category_map(ROOT / "config" / "categories.toml")
_CATALOG = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)]
BOTTLES = [p for p in _CATALOG if p.sku.startswith("GZ-BOT-")][3:6]
HEADPHONES = [p for p in _CATALOG if p.sku in {"GZ-HEA-0025", "GZ-HEA-0028"}]
FR_REASON = (
    "market FR has no EPR registration for the identifiant unique (Code de l'environnement "
    "L541-10-13, ADEME) ({n} of {n} listings in scope: add unique_identifier to "
    "[markets.FR.epr]); {channel} blocks such listings, so its feed is not published and "
    "the live feed stays"
)


def build(tmp: Path, market: Market, products: list[Product]) -> dict[str, Any]:
    """``market``'s Google, Amazon and eBay feeds for ``products``, built and published."""
    market = market.model_copy(update={"channels": ["google", "amazon", "ebay"]})
    output, run_dir = tmp / "output", tmp / "staging" / "2026-12-07"
    stage_catalog(products, run_dir)
    built = build_market_feeds(
        run_dir / SNAPSHOT,
        market,
        run_dir / market.code,
        pricing=CONFIG.pricing,
        rates=RATES,
        channel_settings=CONFIG.channels,
        category_map=CATEGORIES,
        live_dir=output / market.code,
    )
    published = publish_market(built, output)
    return {"built": built, "published": published, "output": output, "run_dir": run_dir}


def test_the_sample_configuration_registers_de_and_fr() -> None:
    assert CONFIG.market("DE").epr.packaging and CONFIG.market("DE").epr.weee
    assert CONFIG.market("FR").epr.unique_identifier
    assert CONFIG.compliance.epr.channels == ["amazon", "ebay"]


def test_a_market_without_its_registration_stops_amazon_and_ebay(tmp_path: Path) -> None:
    unregistered = CONFIG.market("FR").model_copy(update={"epr": EprRegistrations()})
    run = build(tmp_path, unregistered, BOTTLES)
    channels = run["built"]["channels"]
    listed = channels["amazon"]["listed"]
    assert listed == channels["ebay"]["listed"] == len(BOTTLES)
    for channel in ("amazon", "ebay"):
        assert channels[channel]["valid"] is False
        assert channels[channel]["withheld"] == FR_REASON.format(n=listed, channel=channel)
    assert channels["google"]["valid"] is True and channels["google"]["withheld"] is None
    assert {p["channel"] for p in run["published"]} == {"google"}
    live = {p.name for p in (run["output"] / "FR").iterdir()}
    assert "google.xml" in live
    assert not {name for name in live if name.startswith(("amazon", "ebay"))}


def test_the_summary_and_the_report_give_the_reason(tmp_path: Path) -> None:
    unregistered = CONFIG.market("FR").model_copy(update={"epr": EprRegistrations()})
    run = build(tmp_path, unregistered, BOTTLES)
    report_dir = run["output"] / "runs" / "2026-12-07"
    text, _ = write_run_report(
        RunParams(run_key="2026-12-07"),
        RunResults(staged=None, validated=None, built=[run["built"]], published=run["published"]),
        run["run_dir"],
        report_dir,
    )
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("FR ")}
    for channel in ("amazon", "ebay"):
        reason = FR_REASON.format(n=len(BOTTLES), channel=channel)
        assert lines[channel].endswith(f"-> NOT PUBLISHED: {reason}")
    assert "NOT PUBLISHED" not in lines["google"]
    findings = (report_dir / "findings.csv").read_text(encoding="utf-8")
    assert findings.count("epr_registration_missing") == 2
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "market FR has no EPR registration for the identifiant unique" in page


@pytest.mark.parametrize(
    ("products", "stopped"),
    [(BOTTLES, set()), (BOTTLES + HEADPHONES, {"amazon", "ebay"})],
    ids=["no electrical goods", "headphones"],
)
def test_weee_stops_only_a_feed_with_electrical_goods(
    tmp_path: Path, products: list[Product], stopped: set[str]
) -> None:
    """DE registered for packaging but not for WEEE: only goods of ``[compliance.epr]
    weee_categories`` (the headphones' ``electronics``) are in scope."""
    packaging_only = CONFIG.market("DE").model_copy(
        update={"epr": CONFIG.market("DE").epr.model_copy(update={"weee": None})}
    )
    channels = build(tmp_path, packaging_only, products)["built"]["channels"]
    assert {name for name, info in channels.items() if info["withheld"]} == stopped
    for name in stopped:
        assert channels[name]["withheld"].startswith(
            "market DE has no EPR registration for electrical equipment (ElektroG § 6, "
            f"stiftung ear WEEE-Reg.-Nr.) ({len(HEADPHONES)} of "
        )
