"""The catalog gate in runs through the DAG's steps (`tests.steps.run_steps`): quarantine per
market, and the guards that stop publishing. That a stopped run fails in Airflow is
tested in test_hostile_catalog_run and test_localize_catalog_run."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from feeds.google import G_NS
from tests.conftest import PRICING_TOML, run_folder
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
G = f"{{{G_NS}}}"
COLUMNS = [
    "sku",
    "brand",
    "gtin",
    "title",
    "description_en_US",
    "price_EUR",
    "price_USD",
    "weight",
    "image_links",
]
DESCRIPTION = "<p>Double-walled stainless steel bottle, keeps drinks cold for a whole day.</p>"


def product(n: int, **changes: str) -> dict[str, str]:
    row = {
        "sku": f"T-{n:03d}",
        "brand": "Nordquell",
        "gtin": "",
        "title": f"Trail Bottle {n}",
        "description_en_US": DESCRIPTION,
        "price_EUR": "24.90",
        "price_USD": "27.00",
        "weight": "0.4 kg",
        "image_links": f"https://cdn.example/{n}.jpg",
    }
    row.update(changes)
    return row


def write_setup(
    folder: Path,
    rows: list[dict[str, str]],
    *,
    de_requires_weight: bool = True,
    rules: str = "",
) -> None:
    with (folder / "catalog.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    de_required = (
        '\nrequired = { google = ["title", "price", "brand", "weight"] }'
        if de_requires_weight
        else ""
    )
    (folder / "markets.toml").write_text(
        f"""
[catalog]
format = "csv"
path = "catalog.csv"

[storage]
staging_url = "staging"
output_url = "output"

[channels.google]
required = ["title", "description", "image_link", "price", "brand"]
{PRICING_TOML}
[validation]
source_locale = "en_US"
max_blocked_share = 0.5
max_shrink_share = 0.3
{f"rules = {rules}" if rules else ""}

[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
text_locales = ["de_DE", "en_US"]
channels = ["google"]
product_url = "https://shop.example/de/p/{{sku}}"{de_required}

[markets.US]
country = "US"
locale = "en_US"
currency = "USD"
prices_include_vat = false
channels = ["google"]
product_url = "https://shop.example/us/p/{{sku}}"
""",
        encoding="utf-8",
    )


def run(folder: Path, day: int) -> str:
    """The run's state as the DAG would end it: ``failed`` when a gate stopped it or held
    a feed back."""
    return run_steps(folder / "markets.toml", date(2026, 11, day)).state


def listed(folder: Path, market: str) -> list[str]:
    root = etree.parse(str(folder / "output" / market / "google.xml")).getroot()
    return [str(item.findtext(f"{G}id")) for item in root.findall("channel/item")]


def findings(folder: Path, day: int) -> list[dict[str, str]]:
    path = run_folder(folder / "output", f"2026-11-{day:02d}") / "findings.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dirty_product_is_quarantined_where_it_fails_and_published_where_it_passes(
    setup: Path,
) -> None:
    rows = [product(n) for n in range(1, 9)]
    rows.append(product(9, weight=""))  # DE requires a weight for Google, US does not
    rows.append(product(10, gtin="4006381333932"))  # wrong GS1 check digit: an error in DE only
    rows.append(product(11, description_en_US="<p>Short.</p>"))  # a warning only
    rows.append(product(12, brand=""))  # Google needs a brand: incomplete there, not quarantined
    write_setup(
        setup, rows, rules='{ gtin_check_digit = { severity = "error", markets = ["DE"] } }'
    )
    assert run(setup, 1) == "success"
    assert "T-009" not in listed(setup, "DE")
    assert "T-009" in listed(setup, "US")
    assert "T-010" not in listed(setup, "DE")
    assert "T-010" in listed(setup, "US")  # without the wrong GTIN
    us_feed = etree.parse(str(setup / "output" / "US" / "google.xml")).getroot()
    (t010,) = [i for i in us_feed.findall("channel/item") if i.findtext(f"{G}id") == "T-010"]
    assert t010.find(f"{G}gtin") is None
    assert "T-011" in listed(setup, "DE")
    assert "T-012" not in listed(setup, "DE") + listed(setup, "US")
    found = {
        (f["sku"], f["market"], f["channel"], f["rule"], f["severity"]) for f in findings(setup, 1)
    }
    assert ("T-009", "DE", "google", "required_for_channel", "error") in found
    assert ("T-010", None, None, "gtin_check_digit", "error") in found
    assert ("T-010", "DE", None, "quarantined", "error") in found
    assert ("T-010", "US", None, "quarantined", "error") not in found
    assert ("T-010", "US", "google", "invalid_gtin_left_out", "warning") in found
    assert ("T-012", None, None, "brand_present", "warning") in found
    assert ("T-012", "DE", "google", "required_for_channel", "error") in found
    assert ("T-012", "DE", None, "quarantined", "error") not in found
    assert ("T-011", None, None, "description_short", "warning") in found
    with (run_folder(setup / "output", "2026-11-01") / "completeness.csv").open(
        encoding="utf-8"
    ) as stream:
        completeness = {(r["sku"], r["market"]): r for r in csv.DictReader(stream)}
    assert completeness[("T-009", "DE")]["completeness"] == "75"
    assert completeness[("T-009", "DE")]["missing"] == "weight"
    assert completeness[("T-009", "US")]["completeness"] == "100"
    report = run_folder(setup / "output", "2026-11-01")
    rules = json.loads((report / "validation.json").read_text(encoding="utf-8"))["expectations"]
    assert any(not r["success"] and r["unexpected"] for r in rules)  # GX's verdicts, kept
    assert (report / "report.html").exists()


def test_shrunken_catalog_publishes_nothing_and_keeps_the_last_good_feeds(
    setup: Path,
) -> None:
    write_setup(setup, [product(n) for n in range(1, 11)])
    assert run(setup, 2) == "success"
    before = {m: (setup / "output" / m / "google.xml").read_bytes() for m in ("DE", "US")}
    write_setup(setup, [product(n) for n in range(1, 4)])  # the export came back with 3 of 10
    assert run(setup, 3) == "failed"
    for market, data in before.items():
        assert (setup / "output" / market / "google.xml").read_bytes() == data
    summary = (run_folder(setup / "output", "2026-11-03") / "summary.txt").read_text(
        encoding="utf-8"
    )
    assert "RUN STOPPED, nothing published" in summary
    assert "catalog: 10 -> 3 products" in summary
    state = json.loads((setup / "output" / "last_successful_run.json").read_text(encoding="utf-8"))
    assert state["run"] == run_folder(setup / "output", "2026-11-02").name


def test_mostly_quarantined_catalog_fails_the_run(setup: Path) -> None:
    write_setup(
        setup,
        [product(n, brand="" if n > 3 else "Nordquell") for n in range(1, 11)],
        rules='{ brand_present = { severity = "error" } }',  # this merchant's choice
    )
    assert run(setup, 4) == "failed"
    assert not (setup / "output" / "DE").exists()
    summary = (run_folder(setup / "output", "2026-11-04") / "summary.txt").read_text(
        encoding="utf-8"
    )
    assert "7 of 10 products (70.0%) are quarantined" in summary
    assert "catalog rules, one by one:" in summary  # written before the gate closed


def test_feed_that_lost_most_listings_is_held_back_and_the_others_publish(
    setup: Path,
) -> None:
    write_setup(setup, [product(n) for n in range(1, 11)], de_requires_weight=False)
    assert run(setup, 5) == "success"
    before = (setup / "output" / "DE" / "google.xml").read_bytes()
    # Same catalog, but DE now requires weights that 8 of 10 products lack; US does not.
    write_setup(setup, [product(n, weight="" if n > 2 else "0.4 kg") for n in range(1, 11)])
    assert run(setup, 6) == "failed"
    assert (setup / "output" / "DE" / "google.xml").read_bytes() == before
    assert sorted(listed(setup, "US")) == [f"T-{n:03d}" for n in range(1, 11)]
    manifests = {
        market: json.loads((setup / "output" / market / "manifest.json").read_text("utf-8"))
        for market in ("DE", "US")
    }
    assert manifests["US"]["run"] == run_folder(setup / "output", "2026-11-06").name
    # still the last good file
    assert manifests["DE"]["feeds"][0]["run"] == run_folder(setup / "output", "2026-11-05").name
    summary = (run_folder(setup / "output", "2026-11-06") / "summary.txt").read_text(
        encoding="utf-8"
    )
    assert "DE/google: 10 -> 2 listings (-80%): held back, the last good file stays live" in summary
    assert "RUN STOPPED" not in summary
    lines = {line[:13]: line for line in summary.splitlines()}
    assert lines["DE  google   "].endswith(
        "-> HELD BACK: 10 -> 2 listings (-80%) since the last successful run; "
        "the last good file stays live"
    )
    assert lines["US  google   "].endswith(f"-> {setup / 'output' / 'US' / 'google.xml'}")
    state = json.loads((setup / "output" / "last_successful_run.json").read_text("utf-8"))
    assert state["feeds"] == {"DE/google": 10, "US/google": 10}
