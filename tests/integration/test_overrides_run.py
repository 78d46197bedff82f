"""The data team's overrides file through the DAG's steps (`tests.steps.run_steps`) on the
sample catalog: the same run with and without ``[overrides.CH] google``, compared listing
by listing. The file is what German Excel saves as "CSV (Trennzeichen-getrennt)" in UTF-8:
a byte order mark, ``;`` between cells and a decimal comma."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from tests.conftest import ROOT
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
G = "{http://base.google.com/ns/1.0}"
OVERRIDES = (
    "\ufeffsku;title;price;availability;exclude;custom_label_0;promotion_id;colour\r\n"
    "GZ-BOT-0001;Trinkflasche Sonderedition;24,92;;;sommer;SUMMER24;rot\r\n"
    "GZ-BOT-0002;;;out_of_stock;;;;\r\n"
    "GZ-BOT-0004;;;;ja;;;\r\n"
    "GZ-NOT-9999;Gibt es nicht;;;;;;\r\n"
    ";;;;;;;\r\n"
)
"""Three sample products changed (title, price, label and promotion; availability; left
out), one sku the catalog does not have, one column no override can set, an empty line."""


def sample_config(folder: Path, extra: str = "") -> Path:
    """The checked-in configuration with its paths pointing into the repository, writing
    under ``folder``."""
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    text = text.replace(f'"{ROOT}/var/staging"', '"staging"').replace(
        f'"{ROOT}/var/output"', '"output"'
    )
    config = folder / "markets.toml"
    config.write_text(text + extra, encoding="utf-8")
    return config


def items(output: Path) -> dict[str, etree._Element]:
    root = etree.parse(str(output / "CH" / "google.xml")).getroot()
    return {item.findtext(f"{G}id", ""): item for item in root.iter("item")}


RULES = """
[[rules]]
name = "Lamps over 20 get the campaign label"
when = "'home' in categories and price > 20"
channels = ["google"]
set = { custom_label_2 = "lampen-{currency}", title = "{brand}: {title}" }

[[rules]]
name = "Two bottles stay out"
when = "sku == 'GZ-BOT-0005' or sku == 'GZ-BOT-0006'"
exclude = true
"""


@pytest.fixture(scope="module")
def rules_run(two_runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CH with a rules file (and no overrides file): its output folder."""
    folder = tmp_path_factory.mktemp("rules")
    (folder / "feed-rules.toml").write_text(RULES, encoding="utf-8")
    config = sample_config(folder)
    text = config.read_text(encoding="utf-8")
    config.write_text('rules_path = "feed-rules.toml"\n' + text, encoding="utf-8")
    assert run_steps(config, date(2026, 11, 24), markets=["CH"]).state == "success"
    return folder / "output"


def test_rules_change_exactly_the_listings_their_condition_holds_for(
    two_runs: tuple[Path, Path], rules_run: Path
) -> None:
    before, after = items(two_runs[0]), items(rules_run)
    assert set(before) - set(after) == {"GZ-BOT-0005", "GZ-BOT-0006"}
    changed = {s for s in after if etree.tostring(after[s]) != etree.tostring(before[s])}
    lamps = {
        sku
        for sku, item in before.items()
        if "Lichtform" in (item.findtext(f"{G}brand") or "")
        and float((item.findtext(f"{G}price") or "0 CHF").split()[0]) > 20
    }
    assert lamps and changed == lamps
    lamp = after[sorted(lamps)[0]]
    assert lamp.findtext(f"{G}custom_label_2") == "lampen-CHF"
    assert (lamp.findtext(f"{G}title") or "").startswith("Lichtform: ")
    lines = report_file(rules_run, "findings.jsonl").read_text(encoding="utf-8").splitlines()
    findings = [json.loads(line) for line in lines]
    applied = [f for f in findings if f["rule"] == "override_applied"]
    assert {f["sku"] for f in applied} == lamps | {"GZ-BOT-0005", "GZ-BOT-0006"}
    assert "rule 'Two bottles stay out' (line 8)" in next(
        f["message"] for f in applied if f["sku"] == "GZ-BOT-0005"
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """CH's Google feed without and with the overrides file: the two output folders."""
    plain = tmp_path_factory.mktemp("plain")
    changed = tmp_path_factory.mktemp("overridden")
    (changed / "CH-google.csv").write_bytes(OVERRIDES.encode("utf-8"))
    day = date(2026, 11, 24)
    for folder, extra in (
        (plain, ""),
        (changed, '\n[overrides.CH]\ngoogle = "CH-google.csv"\n'),
    ):
        config = sample_config(folder, extra)
        assert run_steps(config, day, markets=["CH"]).state == "success"
    return plain / "output", changed / "output"


def report_file(output: Path, name: str) -> Path:
    (run,) = (p for p in (output / "runs").iterdir() if p.name.startswith("manual__"))
    return run / name


def test_exactly_the_named_listings_change(two_runs: tuple[Path, Path]) -> None:
    before, after = (items(output) for output in two_runs)
    assert "GZ-BOT-0004" in before and "GZ-BOT-0004" not in after  # exclude = ja
    assert set(before) - set(after) == {"GZ-BOT-0004"}
    changed = {sku for sku in after if etree.tostring(after[sku]) != etree.tostring(before[sku])}
    assert changed == {"GZ-BOT-0001", "GZ-BOT-0002"}
    first = after["GZ-BOT-0001"]
    assert "Trinkflasche Sonderedition" in first.findtext(f"{G}title", "")
    # 24,92 in CHF goes through CH's cash rounding (0.05): 24.90
    assert first.findtext(f"{G}price") == "24.90 CHF"
    assert first.findtext(f"{G}custom_label_0") == "sommer"
    assert first.findtext(f"{G}promotion_id") == "SUMMER24"
    assert after["GZ-BOT-0002"].findtext(f"{G}availability") == "out_of_stock"
    assert before["GZ-BOT-0002"].findtext(f"{G}availability") == "in_stock"


def test_each_change_is_a_finding_and_mistakes_are_named(two_runs: tuple[Path, Path]) -> None:
    lines = report_file(two_runs[1], "findings.jsonl").read_text(encoding="utf-8").splitlines()
    findings = [json.loads(line) for line in lines]
    applied = {(f["sku"], f["field"]) for f in findings if f["rule"] == "override_applied"}
    assert applied == {
        ("GZ-BOT-0001", "title"),
        ("GZ-BOT-0001", "price"),
        ("GZ-BOT-0001", "custom_label_0"),
        ("GZ-BOT-0001", "promotion_id"),
        ("GZ-BOT-0002", "availability"),
        ("GZ-BOT-0004", "exclude"),
    }
    assert all(f["severity"] == "info" for f in findings if f["rule"] == "override_applied")
    price = next(f for f in findings if f["rule"] == "override_applied" and f["field"] == "price")
    assert "-> '24.90 CHF'" in price["message"] and "CH-google.csv row 2" in price["message"]
    unknown = [f for f in findings if f["rule"] == "override_unknown_sku"]
    assert [(f["sku"], f["channel"]) for f in unknown] == [("GZ-NOT-9999", "google")]
    column = [f for f in findings if f["rule"] == "override_unknown_field"]
    assert [f["field"] for f in column] == ["colour"]
    excluded = [f for f in findings if f["rule"] == "excluded_by_override"]
    assert [f["sku"] for f in excluded] == ["GZ-BOT-0004"]


def test_the_price_set_shows_in_prices_csv(two_runs: tuple[Path, Path]) -> None:
    with report_file(two_runs[1], "prices.csv").open(newline="", encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row["sku"] == "GZ-BOT-0001"]
    assert len(rows) == 2  # the market's price, then the one the google override sets
    assert rows[1]["price"] == "24.90" and rows[1]["currency"] == "CHF"
    assert rows[1]["how"].startswith("google: set by CH-google.csv row 2: CHF 24,92")
    assert "cash rounding to 0.05: 24.90" in rows[1]["how"]
    assert None not in rows[1] and rows[1]["sale_price"] == ""  # every column, sale's empty


def test_the_summary_counts_the_excluded_listing(two_runs: tuple[Path, Path]) -> None:
    summary = report_file(two_runs[1], "summary.txt").read_text(encoding="utf-8")
    assert "excluded_by_override 1" in summary
    assert "changed by the team's files: CH google CH-google.csv 3\n" in summary


def test_the_report_shows_each_files_changes_at_the_top(
    two_runs: tuple[Path, Path], rules_run: Path
) -> None:
    page = report_file(two_runs[1], "report.html").read_text(encoding="utf-8")
    assert page.index('id="team-changes"') < page.index('id="overview"')
    assert 'data-market="CH" data-channel="google" data-source="CH-google.csv"' in page
    assert "GZ-BOT-0001</code>: title:" in page
    rules_page = report_file(rules_run, "report.html").read_text(encoding="utf-8")
    assert '<td>Two bottles stay out</td><td class="num">2</td>' in rules_page


def test_a_dry_run_previews_the_changes_and_publishes_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("dry")
    (folder / "CH-google.csv").write_bytes(OVERRIDES.encode("utf-8"))
    config = sample_config(folder, '\n[overrides.CH]\ngoogle = "CH-google.csv"\n')
    run = run_steps(config, date(2026, 11, 24), markets=["CH"], dry_run=True)
    assert run.state == "success" and run.published is None
    assert not (folder / "output" / "CH" / "google.xml").exists()
    page = report_file(folder / "output", "report.html").read_text(encoding="utf-8")
    assert "changed (preview: nothing was published)</h2>" in page
    assert 'data-source="CH-google.csv"' in page and "GZ-BOT-0002</code>: availability:" in page
