"""Delta runs for the API channels: only changed products, deletions for the gone ones."""

from __future__ import annotations

import io
import json
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

from feeds.scratch import ScratchStore
from pipeline.build import build_market_feeds
from pipeline.channel_files import read_state_pairs, write_state
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from pipeline.publish import publish_market
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT
from transforms.pricing.ecb_rates import parse_ecb_rates

if TYPE_CHECKING:
    from collections.abc import Callable
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


def amazon_messages(output: Path, parents: bool = False) -> list[dict[str, Any]]:
    """The Amazon file's messages: the listings', and with ``parents`` also those of
    the product groups' parents (sku = the group)."""
    return [
        message
        for path in sorted((output / "DE").glob("amazon-*.json"))
        for message in json.loads(path.read_text(encoding="utf-8"))["messages"]
        if parents or not _is_parent(message)
    ]


def _is_parent(message: dict[str, Any]) -> bool:
    levels = message.get("attributes", {}).get("parentage_level", [])
    return any(level["value"] == "parent" for level in levels)


GROUPS = {
    "bergfink-daypack",
    *(f"olivera-{oil}" for oil in ("koroneiki", "arbequina", "picual", "frantoio")),
}
"""The sample's product groups (examples/sample_catalog/product_models.csv)."""


def test_delta_sends_exactly_the_changed_products_and_deletes_the_gone(tmp_path: Path) -> None:
    catalog = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)]
    output = tmp_path / "output"
    first = build(catalog, tmp_path / "staging", output, "full", "2026-11-24")
    listed = first["channels"]["amazon"]["listed"]
    # Lichtform's 12 lamps are not among them: the sample config has no operator data for
    # the brand, and EU product law (schemas/compliance.py) keeps them out of Amazon DE.
    assert len(amazon_messages(output)) == listed > 50

    changed = {"GZ-BOT-0001", "GZ-HEA-0028", "GZ-OIL-0061"}
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
    # The changed oil goes out with its group's parent.
    parents = [m["sku"] for m in amazon_messages(output, parents=True) if _is_parent(m)]
    assert parents == ["olivera-koroneiki"]
    assert [m["sku"] for m in messages if m["operationType"] == "DELETE"] == [gone]
    amazon = second["channels"]["amazon"]
    assert {k: amazon[k] for k in ("listed", "sent", "unchanged", "deleted", "valid", "state")} == {
        "listed": listed - 1,
        "sent": 4,  # 3 changed, 1 deletion (the oil's group parent goes too, not counted)
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
    assert google.count("<item") == first["channels"]["google"]["listed"] - 1
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


def _compact(state: dict[str, str]) -> str:
    return json.dumps(state)


def _indented(state: dict[str, str]) -> str:
    return json.dumps(state, indent=2)


def _split(state: dict[str, str]) -> str:
    """Each sku and its hash on lines of their own: read as a whole, not a line at a time."""
    return "{" + ",".join(f"\n{json.dumps(k)}:\n{json.dumps(v)}" for k, v in state.items()) + "}"


@pytest.mark.parametrize("layout", [_compact, _indented, _split])
def test_a_delta_run_reads_a_state_file_laid_out_otherwise(
    tmp_path: Path, layout: Callable[[dict[str, str]], str]
) -> None:
    """The state files a build writes are ``json.dump(..., indent=0, sort_keys=True)``,
    read back a line at a time; any other layout of the same JSON object still reads."""
    catalog = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)]
    output = tmp_path / "output"
    first = build(catalog, tmp_path / "staging", output, "full", "2026-11-24")
    for channel in ("amazon", "ebay"):
        path = output / "DE" / f"{channel}.state.json"
        path.write_text(layout(json.loads(path.read_text())), encoding="utf-8")
    second = build(catalog[1:], tmp_path / "staging", output, "delta", "2026-11-25")
    for channel in ("amazon", "ebay"):
        listed = first["channels"][channel]["listed"]
        info = second["channels"][channel]
        assert (info["unchanged"], info["deleted"]) == (listed - 1, 1)  # nothing else sent
    assert second["channels"]["amazon"]["sent"] == 1  # the deletion
    # What this run wrote reads as the JSON object it always was.
    state = json.loads((output / "DE" / "amazon.state.json").read_text())
    parents = set(state) & GROUPS  # a group's parent is tracked like an item
    assert len(state) - len(parents) == first["channels"]["amazon"]["listed"] - 1
    assert catalog[0].sku not in state


def test_the_state_file_is_the_json_dump_of_the_hashes_in_sku_order(tmp_path: Path) -> None:
    skus = ["b", "A", "a", "Z-9", "ä", "\u00ff", "\uffff", "😀", "10", "9", '"q"', "a\\b", "\u2028"]
    hashes = {sku: f"{n:032x}" for n, sku in enumerate(skus)}
    with ScratchStore(tmp_path, buffer=4) as store:
        table = store.mapping("hashes")
        for sku, digest in hashes.items():
            table[sku] = digest
        text = io.StringIO()
        write_state(text, table.items())
    assert text.getvalue() == json.dumps(hashes, indent=0, sort_keys=True)
    assert dict(read_state_pairs(io.StringIO(text.getvalue()), chunk=3)) == hashes
    empty = io.StringIO()
    write_state(empty, iter(()))
    assert empty.getvalue() == json.dumps({}, indent=0, sort_keys=True) == "{}"


def test_the_scratch_file_is_gone_after_the_build_also_when_a_writer_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    catalog = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)][:20]
    output = tmp_path / "output"
    build(catalog, tmp_path / "staging", output, "full", "2026-11-24")
    assert list(scratch.iterdir()) == []
    # Amazon refuses a German market with net prices when it opens its file, after
    # the build made its store and read the live state into it.
    market = CONFIG.market("DE").model_copy(
        update={"channels": ["amazon"], "prices_include_vat": False}
    )
    with pytest.raises(ValueError, match="prices with VAT"):
        build_market_feeds(
            tmp_path / "staging" / "2026-11-24" / SNAPSHOT,
            market,
            tmp_path / "staging" / "2026-11-25" / "DE",
            pricing=CONFIG.pricing,
            rates=RATES,
            channel_settings=CONFIG.channels,
            category_map=load_category_map(ROOT / "config" / "categories.toml"),
            mode="delta",
            live_dir=output / "DE",
        )
    assert list(scratch.iterdir()) == []


def test_a_delta_run_that_only_deletes_still_sends_the_ebay_deletion(tmp_path: Path) -> None:
    """eBay's deletions are calls of their own, not items: a night whose only change is a
    gone product must still publish them, or the state forgets a listing eBay still has."""
    catalog = [p for p in read_catalog(CONFIG.catalog) if isinstance(p, Product)]
    output = tmp_path / "output"
    build(catalog, tmp_path / "staging", output, "full", "2026-11-24")
    gone = catalog[0].sku
    second = build(catalog[1:], tmp_path / "staging", output, "delta", "2026-11-25")
    assert second["channels"]["ebay"]["deleted"] == 1
    calls = [json.loads(line) for line in (output / "DE" / "ebay.jsonl").read_text().splitlines()]
    assert [c["deleteInventoryItems"] for c in calls if "deleteInventoryItems" in c] == [[gone]]
    manifest = json.loads((output / "DE" / "manifest.json").read_text())
    assert "ebay" in {f["channel"] for f in manifest["feeds"]}
