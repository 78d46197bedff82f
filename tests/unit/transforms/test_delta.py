"""Delta runs for the API channels: only changed products, deletions for the gone ones."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipeline.build import build_market_feeds
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from pipeline.publish import publish_market
from schemas.categories import load_category_map
from schemas.market import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as _stream:
    RATES = parse_ecb_rates(_stream)


def build(products: list[Product], work: Path, output: Path, mode: str, run: str) -> dict[str, Any]:
    staged = stage_catalog(products, work / run)
    market = CONFIG.market("DE")
    built = build_market_feeds(
        work / run / SNAPSHOT,
        market,
        work / run / "DE",
        pricing=CONFIG.pricing,
        rates=RATES,
        requirements={c: CONFIG.requirements(market, c) for c in market.channels},
        channel_settings=CONFIG.channels,
        category_map=load_category_map(ROOT / "config" / "categories.toml"),
        mode=mode,  # type: ignore[arg-type]
        live_dir=output / "DE",
    )
    assert staged["products"] == len(products)
    publish_market(built, output, run_id=run)
    return built


def amazon_messages(output: Path) -> list[dict[str, Any]]:
    return [
        message
        for path in sorted((output / "DE").glob("amazon-*.json"))
        for message in json.loads(path.read_text(encoding="utf-8"))["messages"]
    ]


def test_delta_sends_exactly_the_changed_products_and_deletes_the_gone(tmp_path: Path) -> None:
    catalog = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)]
    output = tmp_path / "output"
    first = build(catalog, tmp_path / "staging", output, "full", "2026-11-24")
    listed = first["channels"]["amazon"]["listed"]
    assert len(amazon_messages(output)) == listed > 60

    changed = {"GZ-BOT-0001", "GZ-LAM-0037", "GZ-OIL-0061"}
    gone = "GZ-TEA-0049"
    next_catalog = []
    for product in catalog:
        if product.sku == gone:
            continue
        if product.sku in changed:
            product.description = {
                loc: text.replace("</p>", " Neu.</p>", 1)
                for loc, text in product.description.items()
            }
        next_catalog.append(product)
    second = build(next_catalog, tmp_path / "staging", output, "delta", "2026-11-25")

    messages = amazon_messages(output)
    assert {m["sku"] for m in messages if m["operationType"] == "UPDATE"} == changed
    assert [m["sku"] for m in messages if m["operationType"] == "DELETE"] == [gone]
    amazon = second["channels"]["amazon"]
    assert {k: amazon[k] for k in ("listed", "sent", "unchanged", "deleted", "valid", "state")} == {
        "listed": listed - 1,
        "sent": 4,
        "unchanged": listed - 4,
        "deleted": 1,
        "valid": True,
        "state": str(tmp_path / "staging" / "2026-11-25" / "DE" / "amazon.state.json"),
    }
    # Every product the delta run does not list is explained once.
    assert amazon["listed"] + sum(amazon["reasons"].values()) == second["products"]
    calls = [json.loads(line) for line in (output / "DE" / "ebay.jsonl").read_text().splitlines()]
    sent = [item["sku"] for call in calls for item in call.get("body", {}).get("requests", [])]
    assert set(sent) == changed
    assert [c["deleteInventoryItems"] for c in calls if "deleteInventoryItems" in c] == [[gone]]
    # Google and the CSV channels always get the full file.
    google = (output / "DE" / "google.xml").read_text(encoding="utf-8")
    assert google.count("<item") == listed - 1
    manifest = json.loads((output / "DE" / "manifest.json").read_text())
    assert manifest["mode"] == "delta"

    # Nothing changed the night after: no Amazon or eBay file goes out at all.
    third = build(next_catalog, tmp_path / "staging", output, "delta", "2026-11-26")
    assert third["channels"]["amazon"]["sent"] == 0
    assert third["channels"]["ebay"]["sent"] == 0
    manifest = json.loads((output / "DE" / "manifest.json").read_text())
    assert {f["channel"] for f in manifest["feeds"]} == {"google", "idealo", "kaufland"}
    # ... and yesterday's delta files are gone from the folder: it holds this run's files.
    assert not list((output / "DE").glob("amazon-*.json"))
    assert not (output / "DE" / "ebay.jsonl").exists()
    assert (output / "DE" / "amazon.state.json").exists()
