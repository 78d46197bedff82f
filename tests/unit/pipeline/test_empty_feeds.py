"""A feed that lists nothing is withheld: marketplaces read an empty full feed as "delete
everything" (issue #10). A market may say it is meant to be empty, but never over a live
feed that had listings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.build import build_market_feeds
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from pipeline.publish import publish_market
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.pricing.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)
PRODUCTS = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)][:10]
for _product in PRODUCTS:
    _product.weight = None  # and the market requires one


def build(tmp: Path, *, allow_empty: bool, live_listings: int | None) -> dict[str, Any]:
    """DE's Google feed for ten products that all lack a required attribute."""
    market = CONFIG.market("DE").model_copy(
        update={"channels": ["google"], "allow_empty_feeds": allow_empty}
    )
    output = tmp / "output"
    (output / "DE").mkdir(parents=True, exist_ok=True)
    if live_listings is not None:
        (output / "last_successful_run.json").write_text(
            json.dumps({"run": "x", "products": {}, "feeds": {"DE/google": live_listings}})
        )
    stage_catalog(PRODUCTS, tmp / "run")
    built = build_market_feeds(
        tmp / "run" / SNAPSHOT,
        market,
        tmp / "run" / "DE",
        pricing=CONFIG.pricing,
        rates=RATES,
        requirements={"google": ["title", "weight"]},
        live_dir=output / "DE",
    )
    publish_market(built, output)
    return built


def findings(built: dict[str, Any]) -> list[dict[str, Any]]:
    with open(built["findings"], encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


@pytest.mark.parametrize("live_listings", [None, 0])
def test_first_empty_feed_is_withheld(tmp_path: Path, live_listings: int | None) -> None:
    built = build(tmp_path, allow_empty=False, live_listings=live_listings)
    google = built["channels"]["google"]
    assert (google["listed"], google["valid"]) == (0, False)
    assert "allow_empty_feeds is off" in google["withheld"]
    assert not (tmp_path / "output" / "DE" / "google.xml").exists()
    withheld = [f for f in findings(built) if f["rule"] == "empty_feed_withheld"]
    assert (
        len(withheld) == 1
        and "(set aside: incomplete 9, missing_translation 1)" in withheld[0]["message"]
    )


def test_market_meant_to_be_empty_publishes_its_empty_feed(tmp_path: Path) -> None:
    built = build(tmp_path, allow_empty=True, live_listings=None)
    assert built["channels"]["google"]["valid"] is True
    assert (tmp_path / "output" / "DE" / "google.xml").read_text().count("<item") == 0


def test_empty_feed_never_replaces_a_live_feed_with_listings(tmp_path: Path) -> None:
    live = tmp_path / "output" / "DE" / "google.xml"
    built = build(tmp_path, allow_empty=True, live_listings=42)
    google = built["channels"]["google"]
    assert google["valid"] is False
    assert "the live google feed lists 42 products" in google["withheld"]
    assert not live.exists()  # nothing was published over it (there was no file here)


def test_live_file_without_counts_counts_as_listed(tmp_path: Path) -> None:
    """A live feed from before the run state was kept: never replaced by an empty one."""
    live = tmp_path / "output" / "DE" / "google.xml"
    live.parent.mkdir(parents=True)
    live.write_text("<rss>the live feed</rss>")
    built = build(tmp_path, allow_empty=True, live_listings=None)
    assert built["channels"]["google"]["valid"] is False
    assert live.read_text() == "<rss>the live feed</rss>"


def test_a_rerun_of_the_same_date_starts_without_the_last_attempts_stop(tmp_path: Path) -> None:
    from pipeline.extract import check_catalog_read
    from pipeline.layout import GATE_CLOSED
    from transforms.infra.gates import GateClosed

    with pytest.raises(GateClosed):
        check_catalog_read({"products": 0, "rejected_rows": 3}, CONFIG.validation, tmp_path / "run")
    assert (tmp_path / "run" / GATE_CLOSED).exists()
    stage_catalog(PRODUCTS, tmp_path / "run")  # the export was fixed; extract runs again
    assert not (tmp_path / "run" / GATE_CLOSED).exists()
