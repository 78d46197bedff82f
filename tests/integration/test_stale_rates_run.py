"""Runs whose ECB rates are a week old: ``[pricing] stale_rates = "fail"`` stops a real DAG
run at extract, once and with the reason; ``"warn"`` publishes with a finding (through the
DAG's steps, `tests.steps.run_steps`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest

from tests.conftest import PRICING_TOML, run_folder
from tests.integration.conftest import run_with_tries
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration
CATALOG = "sku,brand,title,description_en_US,price_EUR,image_links\r\n" + "".join(
    f'T-{n:03d},Nordquell,Trail Bottle {n},"<p>Double-walled stainless steel bottle, keeps '
    f'drinks cold for a whole day.</p>",24.90,https://cdn.example/{n}.jpg\r\n'
    for n in range(1, 4)
)
# The sample rates file is of Thursday 2026-11-26; a week later is Thursday 2026-12-03,
# five TARGET business days on (27 and 30 Nov, 1, 2 and 3 Dec).
RATES_DAY = "2026-11-26"


def write_setup(folder: Path, *, stale_rates: str | None = None) -> None:
    (folder / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    pricing = PRICING_TOML
    if stale_rates is not None:
        pricing = pricing.replace("[pricing]\n", f'[pricing]\nstale_rates = "{stale_rates}"\n', 1)
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
{pricing}
[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
text_locales = ["de_DE", "en_US"]
channels = ["google"]
product_url = "https://shop.example/de/p/{{sku}}"

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
    """Run the DAG for 2026-12-<day>; return its state and each task's (state, tries)."""
    return run_with_tries(datetime(2026, 12, day, tzinfo=UTC))


def report(folder: Path, day: int, name: str) -> str:
    return (run_folder(folder / "output", f"2026-12-{day:02d}") / name).read_text(encoding="utf-8")


def test_week_old_rates_fail_extract_once_with_the_reason(airflow_db: Path, setup: Path) -> None:
    write_setup(setup)  # no stale_rates: the default is "fail"
    state, tasks = run(3)
    assert state == "failed"
    assert tasks["extract"] == ("failed", 1)  # old rates do not heal by waiting: no retry
    assert not (setup / "output" / "DE").exists() and not (setup / "output" / "US").exists()
    assert not list((setup / "staging").glob("*/eurofxref-daily.xml"))
    summary = report(setup, 3, "summary.txt")
    assert (
        f"RUN STOPPED, nothing published: the ECB rates are of {RATES_DAY}, 5 TARGET business "
        "days before the run's date 2026-12-03 ([pricing] max_rate_age_business_days = 2): "
        "the rates source has not updated." in summary
    )
    findings = [json.loads(line) for line in report(setup, 3, "findings.jsonl").splitlines()]
    assert [(f["rule"], f["severity"], f["value"]) for f in findings] == [
        ("stale_rates", "error", RATES_DAY)
    ]


def test_warn_mode_publishes_with_a_stale_rates_finding(setup: Path) -> None:
    write_setup(setup, stale_rates="warn")
    assert run_steps(setup / "markets.toml", date(2026, 12, 4)).state == "success"
    us_feed = (setup / "output" / "US" / "google.xml").read_text(encoding="utf-8")
    assert us_feed.count("</item>") == 3
    findings = [json.loads(line) for line in report(setup, 4, "findings.jsonl").splitlines()]
    stale = [f for f in findings if f["rule"] == "stale_rates"]
    assert [(f["severity"], f["value"]) for f in stale] == [("warning", RATES_DAY)]
    assert "6 TARGET business days before the run's date 2026-12-04" in stale[0]["message"]
    assert 'prices are converted with them ([pricing] stale_rates = "warn")' in stale[0]["message"]
    assert "RUN STOPPED" not in report(setup, 4, "summary.txt")
