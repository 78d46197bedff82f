"""The sample catalog's run of every configured market: one real Airflow run (dag.test on
SQLite) shared by the tests that only read what it wrote (feeds, findings, report, Asset
events). A test that must run the DAG itself is in test_localize_catalog_run.py."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from pipeline.channels import writer_class
from pipeline.layout import SNAPSHOT, read_snapshot
from schemas.text import html_to_text
from tests.conftest import SAMPLE_CATALOG, run_folder
from tests.integration.conftest import asset_events, run_localize, summary_problems

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
G = f"{{{G_NS}}}"
LOGICAL_DATE = datetime(2026, 11, 20, tzinfo=UTC)


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


@dataclass(frozen=True)
class SampleRun:
    """The sample catalog's run of every configured market, read by several tests."""

    storage: Path
    """Its staging (``staging/``) and output (``output/``) folders."""
    run_id: str
    report: Path
    """``output/runs/<run_key>/``."""

    @property
    def output(self) -> Path:
        return self.storage / "output"


@pytest.fixture(scope="module")
def sample_run(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """One dag.test() run of the sample catalog for every configured market, shared by the
    tests that only read what it wrote (they must not change its files)."""
    storage = tmp_path_factory.mktemp("sample-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRENZENLOS_STAGING_URL", (storage / "staging").as_uri())
        patch.setenv("GRENZENLOS_OUTPUT_URL", (storage / "output").as_uri())
        state, run_id = run_localize(LOGICAL_DATE)
    assert state == "success"
    return SampleRun(storage, run_id, run_folder(storage / "output", "2026-11-20"))


def test_the_sample_runs_summary_adds_up(sample_run: SampleRun) -> None:
    summary = (sample_run.report / "summary.txt").read_text(encoding="utf-8")
    assert summary_problems(summary) == []


def test_each_market_lists_what_is_not_set_aside_at_its_price_in_its_language(
    sample_run: SampleRun,
) -> None:
    output, report = sample_run.output, sample_run.report
    rows = catalog_rows()
    staged = sum(1 for _ in read_snapshot(sample_run.storage / "staging" / report.name / SNAPSHOT))
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


def test_the_translators_files_give_polish_and_chinese_offline(sample_run: SampleRun) -> None:
    output, report = sample_run.output, sample_run.report
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


def test_the_findings_name_the_catalogs_problems(sample_run: SampleRun) -> None:
    with (sample_run.report / "findings.csv").open(newline="", encoding="utf-8") as stream:
        findings = list(csv.DictReader(stream))
    assert {
        ("GZ-BOT-0002", "gtin_check_digit"),
        ("GZ-HEA-0026", "missing_price"),
        ("", "missing_sku"),
    } <= {(f["sku"], f["rule"]) for f in findings}


def test_the_samples_sales_reach_google_with_their_periods(sample_run: SampleRun) -> None:
    """The sample's running sale (GZ-HEA-0028, 2026-11-01 to 2027-01-31, Europe/Berlin)
    goes out beside the regular price with its period in UTC; the March 2027 one
    (GZ-BOT-0004) is announced ahead with its dates. A first night has no price history, so
    the EU market warns that the prior lowest price is unknown (Omnibus, PAngV section 11)."""
    items = etree.parse(str(sample_run.output / "DE" / "google.xml")).getroot()
    by_sku = {item.findtext(f"{G}id"): item for item in items.findall("channel/item")}
    running = by_sku["GZ-HEA-0028"]
    assert running.findtext(f"{G}price") == "129.00 EUR"
    assert running.findtext(f"{G}sale_price") == "99.00 EUR"
    assert running.findtext(f"{G}sale_price_effective_date") == (
        "2026-10-31T23:00+0000/2027-01-31T22:59+0000"
    )
    coming = by_sku["GZ-BOT-0004"].findtext(f"{G}sale_price_effective_date", "")
    assert coming.startswith("2027-02-28T23:00+0000/")
    findings = [
        json.loads(line)
        for line in (sample_run.report / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    unknown = {
        (f["market"], f["channel"])
        for f in findings
        if f["sku"] == "GZ-HEA-0028" and f["rule"] == "omnibus_prior_price_unknown"
    }
    assert ("DE", "google") in unknown
    assert ("DE", "ebay") in unknown  # eBay's offer states the price: the same rules apply
    assert not {market for market, _ in unknown} & {"GB", "US", "CH", "CN"}


def test_every_published_feed_is_an_asset_event_with_a_manifest_beside_it(
    sample_run: SampleRun,
) -> None:
    output = sample_run.output
    # Each published feed is an Airflow Asset event, so an upload DAG can follow it.
    events = asset_events(sample_run.run_id)
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
    assert manifest["run"] == sample_run.report.name
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


def test_variants_go_out_as_groups(sample_run: SampleRun) -> None:
    """Google's item_group_id with what differs, one Amazon parent per group with its
    children, one eBay inventory item group."""
    output = sample_run.output
    items = etree.parse(str(output / "DE" / "google.xml")).getroot().findall("channel/item")
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
