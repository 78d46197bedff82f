"""Catalog files that went wrong: nothing of the live feeds is lost, every refusal is
named, and what no retry can heal fails once. The runs that fail are real DAG runs
(dag.test: the task's tries and the run's state are Airflow's); the ones that succeed go
through the DAG's steps (`tests.steps.run_steps`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest

from tests.conftest import PRICING_TOML, run_folder
from tests.integration.conftest import run_with_tries, summary_problems
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
HEADER = "sku,brand,title,description_en_US,price_EUR,weight,image_links\r\n"


def row(n: int, *, weight: str = "0.4 kg", title: str = "Trail Bottle") -> str:
    return (
        f'T-{n:03d},Nordquell,{title} {n},"<p>Double-walled stainless steel bottle, keeps '
        f'drinks cold for a whole day.</p>",24.90,{weight},https://cdn.example/{n}.jpg\r\n'
    )


def write_setup(folder: Path, catalog: bytes, *, de_requires: str = "") -> None:
    (folder / "catalog.csv").write_bytes(catalog)
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
[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
text_locales = ["de_DE", "en_US"]
channels = ["google"]
product_url = "https://shop.example/de/p/{{sku}}"
{de_requires}

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


def run(day: int) -> tuple[str, dict[str, tuple[str, int]]]:
    """Run the DAG; return its state and each task's (state, tries)."""
    return run_with_tries(datetime(2026, 10, day, tzinfo=UTC))


def report(folder: Path, day: int, name: str) -> str:
    return (run_folder(folder / "output", f"2026-10-{day:02d}") / name).read_text(encoding="utf-8")


def test_first_run_whose_rows_are_all_rejected_publishes_nothing(
    airflow_db: Path, setup: Path
) -> None:
    """A legacy export read as UTF-8: every row has an accented title in cp1252."""
    rows = "".join(row(n, title="Trinkflasche für Kälte") for n in range(1, 6))
    write_setup(setup, (HEADER + rows).encode("cp1252"))
    state, tasks = run(1)
    assert state == "failed"
    assert tasks["extract"] == ("failed", 1)  # bad data does not heal: no retry
    assert not (setup / "output" / "DE").exists() and not (setup / "output" / "US").exists()
    summary = report(setup, 1, "summary.txt")
    assert "RUN STOPPED, nothing published: the catalog read 0 products (5 rows rejected" in summary
    findings = [json.loads(line) for line in report(setup, 1, "findings.jsonl").splitlines()]
    assert sorted((f["row"], f["rule"]) for f in findings) == [
        (n, "invalid_encoding") for n in range(1, 6)
    ]
    assert all("[catalog] encoding" in f["message"] for f in findings)


def test_undecodable_header_fails_extract_once_with_a_finding(
    airflow_db: Path, setup: Path
) -> None:
    write_setup(setup, (HEADER.replace("title", "Größe") + row(1)).encode("latin-1"))
    state, tasks = run(2)
    assert state == "failed"
    assert tasks["extract"] == ("failed", 1)
    summary = report(setup, 2, "summary.txt")
    assert "RUN STOPPED, nothing published: extract failed: catalog.csv: the header row" in summary
    findings = [json.loads(line) for line in report(setup, 2, "findings.jsonl").splitlines()]
    assert [(f["rule"], f["severity"]) for f in findings] == [("catalog_unreadable", "error")]
    assert "[catalog] encoding" in findings[0]["message"]


def test_empty_feed_is_withheld_and_the_rest_published(setup: Path) -> None:
    """DE requires a weight no product has: its Google feed would list nothing."""
    catalog = HEADER + "".join(row(n, weight="") for n in range(1, 5))
    write_setup(setup, catalog.encode(), de_requires='required = { google = ["title", "weight"] }')
    assert run_steps(setup / "markets.toml", date(2026, 10, 3)).state == "success"
    assert not (setup / "output" / "DE" / "google.xml").exists()
    assert (setup / "output" / "US" / "google.xml").read_text(encoding="utf-8").count(
        "</item>"
    ) == 4
    summary = report(setup, 3, "summary.txt")
    de_line = next(line for line in summary.splitlines() if line.startswith("DE "))
    assert "0 listed,      4 set aside (incomplete 4) -> NOT PUBLISHED" in de_line
    assert summary_problems(summary) == []
    findings = [json.loads(line) for line in report(setup, 3, "findings.jsonl").splitlines()]
    assert ("DE", "empty_feed_withheld") in {(f["market"], f["rule"]) for f in findings}


def test_hostile_text_and_ambiguous_prices_in_a_whole_run(setup: Path) -> None:
    rows = [row(n) for n in range(1, 7)]
    rows[1] = rows[1].replace("Trail Bottle 2", "Trail \u202eBottle\u202c 2")
    rows[2] = rows[2].replace("<p>Double", "<p>&lt;script&gt;alert(1)&lt;/script&gt;Double")
    rows[3] = rows[3].replace(",24.90,", ',"1,250",')
    write_setup(setup, ("\ufeff" + HEADER + "".join(rows)).encode())  # a spreadsheet's BOM
    assert run_steps(setup / "markets.toml", date(2026, 10, 4)).state == "success"
    feed = (setup / "output" / "DE" / "google.xml").read_text(encoding="utf-8")
    assert feed.count("</item>") == 5  # T-004's price is ambiguous: held back
    assert "T-004" not in feed
    assert "\u202e" not in feed and "<script" not in feed
    assert "&lt;script" not in feed
    findings = {
        (f["sku"], f["rule"])
        for f in (json.loads(line) for line in report(setup, 4, "findings.jsonl").splitlines())
    }
    assert ("T-002", "invisible_characters_removed") in findings
    assert ("T-003", "markup_removed") in findings
    assert ("T-004", "ambiguous_number") in findings
    summary = report(setup, 4, "summary.txt")
    assert "catalog: 6 products read, 1 held back, 0 rows rejected" in summary
    assert summary_problems(summary) == []
