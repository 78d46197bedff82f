"""A real Airflow run of localize_catalog (dag.test on SQLite) over the bundled sample catalog."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from pipeline.channels import writer_class
from pipeline.layout import SNAPSHOT, read_snapshot
from schemas.text import html_to_text
from tests.conftest import SAMPLE_CATALOG, run_folder

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
G = f"{{{G_NS}}}"
LOGICAL_DATE = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRENZENLOS_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("GRENZENLOS_OUTPUT_URL", (tmp_path / "output").as_uri())
    return tmp_path


LAST_RUN_ID: list[str] = []


def run_dag(logical_date: datetime, conf: dict[str, object] | None = None) -> str:
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags" / "localize_catalog.py")).dags["localize_catalog"]
    run = dag.test(logical_date=logical_date, run_conf=conf or {})
    LAST_RUN_ID[:] = [run.run_id]
    return str(run.state)


def asset_events(run_id: str) -> dict[str, dict[str, object]]:
    """Asset events the run emitted, by asset name, read from Airflow's metadata database."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return {name: {"uri": uri, **(extra or {})} for name, uri, extra in rows}


def catalog_rows() -> dict[str, dict[str, str]]:
    with (SAMPLE_CATALOG / "products.csv").open(newline="", encoding="utf-8") as stream:
        return {row["sku"]: row for row in csv.DictReader(stream, delimiter=";") if row["sku"]}


def expected_price(market: str, row: dict[str, str]) -> Decimal:
    """The feed price by config/markets.toml's rules, recomputed from the raw catalog row.

    Catalog EUR prices include German VAT (19 %, 7 % for food), USD prices are net;
    the sample rates file has 1 EUR = 1.0835 USD.
    """
    food = row["tax_class"] in ("food", "basic_food")
    home = Decimal("1.07") if food else Decimal("1.19")
    if market == "DE":
        value = Decimal(row["price-EUR"])
    elif market == "FR":
        french = Decimal("1.055") if food else Decimal("1.20")
        value = Decimal(row["price-EUR"]) * french / home
    elif row["price-USD"]:
        value = Decimal(row["price-USD"])
    else:
        value = Decimal(row["price-EUR"]) * Decimal("1.0835") / home
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def set_aside(findings: Path, market: str, channel: str = "google") -> set[str]:
    """Products an error keeps out of ``channel`` in ``market``: the market's own errors
    (quarantine, localization) and the channel's (completeness, the writer's checks)."""
    skus = set()
    for line in findings.read_text(encoding="utf-8").splitlines():
        finding = json.loads(line)
        if (
            finding["market"] == market
            and finding["severity"] == "error"
            and finding["channel"] in (None, channel)
        ):
            skus.add(finding["sku"])
    return skus


def test_run_publishes_a_google_feed_per_market(airflow_db: Path, storage: Path) -> None:
    assert run_dag(LOGICAL_DATE) == "success"
    output = storage / "output"
    report = run_folder(output, "2026-11-20")
    rows = catalog_rows()
    staged = sum(1 for _ in read_snapshot(storage / "staging" / report.name / SNAPSHOT))
    first_bytes = {}
    # A product without its own German or French text (GZ-BOT-0003) gets the text another
    # product has for the same English one: the catalog's translations count as human.
    by_source = {
        (row["description-en_US-ecommerce"], locale): row[f"description-{locale}-ecommerce"]
        for row in rows.values()
        for locale in ("de_DE", "fr_FR")
        if row[f"description-{locale}-ecommerce"]
    }
    for market, currency, locale in (
        ("DE", "EUR", "de_DE"),
        ("FR", "EUR", "fr_FR"),
        ("US", "USD", "en_US"),
    ):
        feed = output / market / "google.xml"
        first_bytes[market] = feed.read_bytes()
        items = etree.parse(str(feed)).getroot().findall("channel/item")
        listed = {item.findtext(f"{G}id") for item in items}
        assert len(items) == staged - len(set_aside(report / "findings.jsonl", market))
        assert not listed & set_aside(report / "findings.jsonl", market)
        for item in items:
            row = rows[item.findtext(f"{G}id")]  # type: ignore[index]
            assert item.findtext(f"{G}price") == f"{expected_price(market, row)} {currency}"
            english = row["description-en_US-ecommerce"]
            own = row[f"description-{locale}-ecommerce"] or by_source.get((english, locale))
            assert item.findtext(f"{G}description") == html_to_text(own or english)
    assert rows["GZ-BOT-0003"]["description-de_DE-ecommerce"] == ""
    de_items = etree.parse(str(output / "DE" / "google.xml")).getroot().findall("channel/item")
    de_titles = {item.findtext(f"{G}id"): item.findtext(f"{G}title") for item in de_items}
    assert de_titles["GZ-BOT-0001"] == "Nordquell Trail Bottle 500 ml schwarz"  # the TMX
    # The catalog has no Polish at all: the translator's TMX supplies it, offline. Two
    # titles the translator has not delivered are pending, and PL leaves those products out.
    pl_items = etree.parse(str(output / "PL" / "google.xml")).getroot().findall("channel/item")
    pl = {item.findtext(f"{G}id"): item for item in pl_items}
    assert pl["GZ-TEA-0049"].findtext(f"{G}title") == "Teegarten Sieben Zielona herbata 100 g"
    assert pl["GZ-TEA-0049"].findtext(f"{G}description", "").startswith("Zielona herbata")
    pl_findings = [
        json.loads(line)
        for line in (report / "findings.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["market"] == "PL"
    ]
    pending = {f["sku"] for f in pl_findings if f["rule"] == "translation_pending"}
    assert {"GZ-LAM-0037", "GZ-LAM-0038"} <= pending
    assert not pending & set(pl)
    # The CN storefront is Chinese, from the shipped TMX; what has no Chinese is set aside.
    storefront = json.loads((output / "CN" / "mobile_cn.json").read_text(encoding="utf-8"))
    cn_titles = {item["id"]: item["title"] for item in storefront["items"]}
    assert cn_titles["GZ-TEA-0049"] == "Teegarten Sieben 绿茶 100\u00a0g"
    assert all(re.search("[\u4e00-\u9fff]", title) for title in cn_titles.values())
    assert len(cn_titles) == len(set(cn_titles.values()))  # unique within the feed
    summary = (report / "summary.txt").read_text(encoding="utf-8")
    assert "translation PL" in summary and "translation_pending" in summary
    assert "no DeepL key" in summary
    assert (report / "review-PL.xlf").exists()
    with (report / "findings.csv").open(newline="", encoding="utf-8") as stream:
        findings = list(csv.DictReader(stream))
    assert {
        ("GZ-BOT-0002", "gtin_check_digit"),
        ("GZ-HEA-0026", "missing_price"),
        ("", "missing_sku"),
    } <= {(f["sku"], f["rule"]) for f in findings}

    # Each published feed is an Airflow Asset event, so an upload DAG can follow it.
    events = asset_events(LAST_RUN_ID[0])
    feed_files = [
        p
        for p in output.glob("*/*.*")
        if p.parent.name != "runs"
        and p.name != "manifest.json"
        and not p.name.endswith(".state.json")
    ]
    expected = {f"grenzenlos_feed_{p.parent.name}_{p.stem}" for p in feed_files}
    # Every published file passes its channel's format check (JSON Schema, RelaxNG, columns).
    for path in feed_files:
        assert writer_class(path.stem.split("-")[0]).check_file(path) == [], path
    assert {f"grenzenlos_feed_{m}_google" for m in ("AT", "DE", "PL", "US")} <= expected
    assert "grenzenlos_feed_DE_amazon-0001" in expected
    assert set(events) == expected
    de_feed = output / "DE" / "google.xml"
    assert events["grenzenlos_feed_DE_google"]["uri"] == de_feed.as_uri()
    items = etree.parse(str(de_feed)).getroot().findall("channel/item")
    assert events["grenzenlos_feed_DE_google"]["items"] == len(items)

    # Beside the feeds, a manifest an uploader can check them against.
    manifest = json.loads((output / "DE" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"] == run_folder(output, "2026-11-20").name
    assert manifest["rate_day"] == "2026-11-26" and manifest["mode"] == "full"
    assert [f["file"] for f in manifest["feeds"]] == [
        "google.xml", "amazon-0001.json", "ebay.jsonl", "idealo.csv", "kaufland.csv"
    ]  # fmt: skip
    assert manifest["feeds"][0] == {
        "file": "google.xml",
        "channel": "google",
        "items": len(items),
        "sha256": hashlib.sha256(de_feed.read_bytes()).hexdigest(),
    }
    for entry in manifest["feeds"]:
        data = (output / "DE" / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()

    # Variants go out as groups: Google's item_group_id with what differs, one Amazon
    # parent per group with its children, one eBay inventory item group.
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for item in items:
        if item.findtext(f"{G}item_group_id"):
            groups.setdefault(item.findtext(f"{G}item_group_id") or "", []).append(
                (
                    item.findtext(f"{G}id") or "",
                    item.findtext(f"{G}size") or "",
                    item.findtext(f"{G}color") or "",
                )
            )
    assert {sku for sku, _, _ in groups["bergfink-daypack"]} == {
        f"GZ-BAC-{n:04d}" for n in range(13, 25)
    }
    for members in groups.values():
        assert len({(size, color) for _, size, color in members}) == len(members)
    assert {len(members) for g, members in groups.items() if g.startswith("olivera-")} <= {2, 3}
    assert all(item.findtext(f"{G}condition") == "new" for item in items)
    assert len({item.findtext(f"{G}title") for item in items}) == len(items)
    messages = json.loads((output / "DE" / "amazon-0001.json").read_text(encoding="utf-8"))
    by_sku = {m["sku"]: m["attributes"] for m in messages["messages"]}
    assert by_sku["bergfink-daypack"]["parentage_level"][0]["value"] == "parent"
    child = by_sku["GZ-BAC-0013"]["child_parent_sku_relationship"][0]
    assert child["parent_sku"] == "bergfink-daypack"
    ebay_lines = [
        json.loads(line)
        for line in (output / "DE" / "ebay.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ebay_groups = {
        g["inventoryItemGroupKey"]: g for g in ebay_lines if "inventoryItemGroupKey" in g
    }
    assert set(ebay_groups) == set(groups)
    assert sorted(ebay_groups["bergfink-daypack"]["inventoryItemGroup"]["variantSKUs"]) == sorted(
        sku for sku, _, _ in groups["bergfink-daypack"]
    )

    # A rerun of the same logical date overwrites with byte-identical feeds.
    assert run_dag(LOGICAL_DATE) == "success"
    for market, data in first_bytes.items():
        assert (output / market / "google.xml").read_bytes() == data


def test_dry_run_for_chosen_markets_publishes_nothing(airflow_db: Path, storage: Path) -> None:
    date = datetime(2026, 11, 21, tzinfo=UTC)
    assert run_dag(date, {"markets": ["DE", "AT"], "dry_run": True}) == "success"
    assert not (storage / "output" / "DE").exists()
    staged_markets = sorted(
        p.name
        for p in (storage / "staging" / run_folder(storage / "output", "2026-11-21").name).iterdir()
        if p.is_dir()
    )
    assert staged_markets == ["AT", "DE", "steps", "translations"]
    summary = (run_folder(storage / "output", "2026-11-21") / "summary.txt").read_text(
        encoding="utf-8"
    )
    assert "not published (dry run)" in summary
    assert asset_events(LAST_RUN_ID[0]) == {}


def test_a_failed_task_fails_the_run_and_keeps_the_live_feeds(
    airflow_db: Path, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import ROOT

    assert run_dag(datetime(2026, 11, 22, tzinfo=UTC), {"markets": ["DE"]}) == "success"
    live = storage / "output" / "DE" / "google.xml"
    before = live.read_bytes()
    # The next night the category mapping is gone: every localize_market attempt fails.
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = storage / "broken.toml"
    config.write_text(
        text.replace('"categories.toml"', '"missing-categories.toml"'), encoding="utf-8"
    )
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))
    assert run_dag(datetime(2026, 11, 23, tzinfo=UTC), {"markets": ["DE"]}) == "failed"
    assert live.read_bytes() == before
    summary = (run_folder(storage / "output", "2026-11-23") / "summary.txt").read_text(
        encoding="utf-8"
    )
    # The summary names the task that failed and why, not only that one did.
    incomplete = next(line for line in summary.splitlines() if "RUN INCOMPLETE" in line)
    assert "the task write_channel (DE google) failed:" in incomplete
    assert "missing-categories.toml" in incomplete
    record = json.loads((run_folder(storage / "output", "2026-11-23") / "run.json").read_text())
    assert record["status"] == "incomplete"
    assert record["still_live"][0]["path"].endswith("DE/google.xml")  # the last good feed


def test_delta_run_sends_amazon_and_ebay_only_the_changed_products(
    airflow_db: Path, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import ROOT

    catalog = storage / "products.csv"
    with (SAMPLE_CATALOG / "products.csv").open(newline="", encoding="utf-8") as stream:
        lines = list(csv.reader(stream, delimiter=";"))
    header = lines[0]
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../examples/sample_catalog/products.csv"', f'"{catalog}"')
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = storage / "markets.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRENZENLOS_CONFIG", str(config))

    def write(rows: list[list[str]]) -> None:
        with catalog.open("w", newline="", encoding="utf-8") as stream:
            csv.writer(stream, delimiter=";", lineterminator="\n").writerows(rows)

    write(lines)
    assert run_dag(datetime(2026, 11, 24, tzinfo=UTC), {"markets": ["DE"]}) == "success"
    # Three products whose German text no other product borrows (GZ-BOT-0003 has no German
    # of its own and takes GZ-BOT-0001's: editing that one would change two listings).
    # (Not a Lichtform lamp: without operator data, EU product law keeps those out of
    # Amazon and eBay in DE.)
    changed = {"GZ-HEA-0028", "GZ-HEA-0025", "GZ-OIL-0061"}
    gone = "GZ-TEA-0049"
    description = header.index("description-de_DE-ecommerce")
    next_rows = [header]
    for row in lines[1:]:
        if row and row[0] == gone:
            continue
        if row and row[0] in changed:
            row = list(row)
            row[description] = row[description].replace("</p>", " Jetzt neu.</p>", 1)
        next_rows.append(row)
    write(next_rows)
    assert run_dag(datetime(2026, 11, 25, tzinfo=UTC), {"markets": ["DE"], "mode": "delta"}) == (
        "success"
    )
    output = storage / "output" / "DE"
    messages = json.loads((output / "amazon-0001.json").read_text(encoding="utf-8"))["messages"]
    # The changed oil goes out with its product group's parent message.
    assert {m["sku"] for m in messages if m["operationType"] == "UPDATE"} == changed | {
        "olivera-koroneiki"
    }
    assert [m["sku"] for m in messages if m["operationType"] == "DELETE"] == [gone]
    calls = [json.loads(line) for line in (output / "ebay.jsonl").read_text().splitlines()]
    assert {i["sku"] for c in calls for i in c.get("body", {}).get("requests", [])} == changed
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["mode"] == "delta"
    # 3 changed, the changed oil's group parent, 1 deletion
    assert {f["file"]: f["items"] for f in manifest["feeds"]}["amazon-0001.json"] == 5
    google = etree.parse(str(output / "google.xml")).getroot().findall("channel/item")
    assert len(google) == 67  # full file: 68 listed before, one product gone


def test_two_runs_on_one_day_keep_two_reports_and_the_index_lists_both(
    airflow_db: Path, storage: Path
) -> None:
    first = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert run_dag(first, {"markets": ["US"]}) == "success"
    assert run_dag(first + timedelta(hours=9), {"markets": ["US"], "dry_run": True}) == "success"
    runs = storage / "output" / "runs"
    records = [json.loads(p.read_text(encoding="utf-8")) for p in runs.glob("*/run.json")]
    assert [r["run_day"] for r in records] == ["2026-11-26", "2026-11-26"]
    for record in records:  # each run's own files, none overwritten by the other
        folder = runs / record["run_key"]
        assert (folder / "report.html").exists() and (folder / "summary.txt").exists()
        assert f"grenzenlos run {record['run_key']}" in (folder / "summary.txt").read_text()
    assert {r["dry_run"] for r in records} == {True, False}
    index = json.loads((runs / "index.json").read_text(encoding="utf-8"))
    newest = next(r for r in records if r["dry_run"])  # the later run
    assert [e["run_key"] for e in index][0] == newest["run_key"]
    assert sorted(e["run_key"] for e in index) == sorted(r["run_key"] for r in records)
    assert (runs / "LATEST").read_text(encoding="utf-8").strip() == newest["run_key"]
    assert all(record["run_key"] in (runs / "index.html").read_text() for record in records)
    # Mapped tasks carry what they work on in the UI, not 0, 1, 2.
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        labels = dict(
            session.execute(
                select(TaskInstance.task_id, TaskInstance.rendered_map_index).where(
                    TaskInstance.run_id == LAST_RUN_ID[0], TaskInstance.map_index >= 0
                )
            ).all()
        )
    assert labels["assemble_market"] == "US"
    assert labels["write_channel"] in {"US google", "US amazon", "US ebay"}
    assert labels["localize_shard"] == "US shard 1 of 1"
