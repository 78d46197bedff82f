"""The prior-price rule over many nights, through the DAG's steps (`tests.steps.run_steps`)
with one output folder kept from night to night, as production keeps it.

The issue's scenario (#27): a product at 100 for 40 nights, 95 for 5, 120 for 10; then
a sale of 90 announced from 120 is announced against 95, the lowest price of the 30 days
before it, with a finding (only the last 15 of the 40 nights at 100 fall in those 30 days,
so nights 2 to 25 are not run; night 1 publishes 80, lower than 95 but 55 days before the
sale, which the rule must ignore); a sale of 100 from 120 is no reduction and goes out as a
regular price of 100. A delta run and a sharded run leave the same history as a full run;
a night whose feeds are held back leaves the history as it was, and a rerun of a night
records it once.

The 31 nights before the sale run once; each case then runs its night on a copy of that
output folder.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta
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
FIRST_NIGHT = date(2026, 10, 1)
SALE_NIGHT = 56
"""Night 56 (2026-11-25): 100 on nights 26-40, 95 on 41-45, 120 on 46-55."""
NIGHTS_RUN = (1, *range(26, SALE_NIGHT))
"""Night 1 at 80, then the 30 nights before the sale."""
CHANNELS = ("google", "ebay")
COLUMNS = [
    "sku",
    "brand",
    "title",
    "description_en_US",
    "price_EUR",
    "sale_price_EUR",
    "sale_price_start",
    "sale_price_end",
    "image_links",
    "attr_manufacturer_id",
    "categories",
]


def night(number: int) -> date:
    return FIRST_NIGHT + timedelta(days=number - 1)


def regular_price(number: int) -> str:
    if number == 1:
        return "80.00"
    return "100.00" if number <= 40 else "95.00" if number <= 45 else "120.00"


def write_catalog(folder: Path, price: str, sale: str = "", *, others: int = 3) -> None:
    """S-1 at ``price`` (with ``sale`` as its sale price), and ``others`` products at 30."""
    rows = [_row("S-1", price, sale)] + [_row(f"O-{n}", "30.00") for n in range(1, others + 1)]
    with (folder / "catalog.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _row(sku: str, price: str, sale: str = "") -> dict[str, str]:
    return {
        "sku": sku,
        "brand": "Nordquell",
        "title": f"Trail Bottle {sku}",
        "description_en_US": "<p>Double-walled stainless steel bottle, keeps drinks cold.</p>",
        "price_EUR": price,
        "sale_price_EUR": sale,
        "sale_price_start": "",
        "sale_price_end": "",
        "image_links": f"https://cdn.example/{sku}.jpg",
        "attr_manufacturer_id": "nordquell",
        "categories": "drinkware",  # eBay's offer names its category
    }


def write_config(folder: Path, *, shard_products: int | None = None) -> None:
    scale = f"[scale]\nshard_products = {shard_products}\n" if shard_products else ""
    (folder / "categories.toml").write_text('[drinkware]\nebay = "177005"\n', encoding="utf-8")
    (folder / "markets.toml").write_text(
        f"""categories_path = "categories.toml"

[catalog]
format = "csv"
path = "catalog.csv"

[storage]
staging_url = "staging"
output_url = "output"

{scale}
[channels.google]
required = ["title", "price"]

[channels.ebay]
required = ["title", "description", "image_link", "brand"]
fulfillment_policy_id = "6196932000"
payment_policy_id = "6196933000"
return_policy_id = "6196934000"
merchant_location_key = "lager-1"
{PRICING_TOML}
[validation]
source_locale = "en_US"
max_shrink_share = 0.5

[operators.nordquell]
name = "Nordquell Outdoor GmbH"
address = {{ street = "Hafenstraße 12", postal_code = "20457", city = "Hamburg", country = "DE" }}
email = "produktsicherheit@nordquell.example"

[markets.DE]
country = "DE"
locale = "de_DE"
currency = "EUR"
text_locales = ["de_DE", "en_US"]
channels = ["google", "ebay"]
product_url = "https://shop.example/de/p/{{sku}}"

# eBay stops a German market without its packaging registration (schemas/epr.py)
[markets.DE.epr]
packaging = "DE4839201756432"
""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def before_the_sale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder after night 1 and nights 26 to 55, every one published."""
    folder = tmp_path_factory.mktemp("prior_price")
    write_config(folder)
    for number in NIGHTS_RUN:
        write_catalog(folder, regular_price(number))
        assert run_steps(folder / "markets.toml", night(number)).state == "success"
    return folder


@pytest.fixture
def setup(before_the_sale: Path, tmp_path: Path) -> Path:
    """A copy of the folder after night 55, for one case's nights."""
    folder = tmp_path / "run"
    shutil.copytree(before_the_sale, folder)
    shutil.rmtree(folder / "staging", ignore_errors=True)
    return folder


def history(folder: Path, channel: str) -> dict[str, str]:
    path = folder / "output" / "price_history" / "DE" / f"{channel}.jsonl"
    return dict(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def findings(folder: Path, number: int, rule: str) -> list[dict[str, str]]:
    path = run_folder(folder / "output", night(number).isoformat()) / "findings.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f for f in map(json.loads, lines) if f["rule"] == rule]


def google_price(folder: Path, sku: str, field: str = "price") -> str | None:
    root = etree.parse(str(folder / "output" / "DE" / "google.xml")).getroot()
    (item,) = [i for i in root.findall("channel/item") if i.findtext(f"{G}id") == sku]
    return item.findtext(f"{G}{field}")


def sale_night(folder: Path, sale: str, **options: object) -> str:
    write_catalog(folder, "120.00", sale)
    return run_steps(folder / "markets.toml", night(SALE_NIGHT), **options).state  # type: ignore[arg-type]


def test_the_history_keeps_one_interval_per_price(before_the_sale: Path) -> None:
    for channel in CHANNELS:
        assert history(before_the_sale, channel)["S-1"] == (
            "2026-10-01/2026-10-01 80.00 EUR;"
            "2026-10-26/2026-11-09 100.00 EUR;"
            "2026-11-10/2026-11-14 95.00 EUR;"
            "2026-11-15/2026-11-24 120.00 EUR"
        )
        assert history(before_the_sale, channel)["O-1"] == (
            "2026-10-01/2026-10-01 30.00 EUR;2026-10-26/2026-11-24 30.00 EUR"
        )


def test_a_sale_from_120_is_announced_against_95_the_lowest_of_the_prior_30_days(
    setup: Path,
) -> None:
    assert sale_night(setup, "90.00") == "success"
    lowered = findings(setup, SALE_NIGHT, "omnibus_reference_lowered")
    assert sorted(f["channel"] for f in lowered) == sorted(CHANNELS)
    for finding in lowered:
        assert finding["sku"] == "S-1"
        assert "95.00 EUR" in finding["message"]
        assert "120.00 EUR" in finding["message"]
        assert "90.00 EUR" in finding["message"]
        assert "98/6/EC" in finding["message"]
    for channel in CHANNELS:  # the night is recorded at the price buyers paid: the sale's
        assert history(setup, channel)["S-1"].endswith(";2026-11-25/2026-11-25 90.00 EUR")
    # Google strikes through its price: during the sale that is the prior price, not 120
    assert google_price(setup, "S-1") == "95.00 EUR"
    assert google_price(setup, "S-1", "sale_price") == "90.00 EUR"
    report = run_folder(setup / "output", night(SALE_NIGHT).isoformat())
    with (report / "prices.csv").open(encoding="utf-8", newline="") as stream:
        rows = {row["sku"]: row for row in csv.DictReader(stream)}
    assert (rows["S-1"]["price"], rows["S-1"]["sale_price"]) == ("120.00", "90.00")
    assert rows["S-1"]["sale_how"].startswith("EUR 90.00; less 19% DE VAT")
    assert rows["O-1"]["sale_price"] == ""
    summary = (report / "summary.txt").read_text(encoding="utf-8")
    assert "sales live: DE google 1, DE ebay 1" in summary
    assert "prior-price corrections: 2" in summary
    page = etree.HTML((report / "report.html").read_text(encoding="utf-8"))
    live = page.xpath('//table[@id="sales-live"]//tr[@data-channel="google"]/td/text()')
    assert live == ["DE", "google", "1", "1"]
    corrected = page.xpath('//table[@id="prior-price-corrections"]//tr/@data-sku')
    assert corrected == ["S-1", "S-1"]


def test_a_sale_from_120_to_100_is_no_reduction_and_goes_out_as_the_regular_price(
    setup: Path,
) -> None:
    assert sale_night(setup, "100.00") == "success"
    (ebay, google) = sorted(
        findings(setup, SALE_NIGHT, "omnibus_sale_not_below_prior"), key=lambda f: f["channel"]
    )
    assert (ebay["channel"], google["channel"], google["sku"]) == ("ebay", "google", "S-1")
    assert "95.00 EUR" in google["message"]
    assert findings(setup, SALE_NIGHT, "omnibus_reference_lowered") == []
    assert google_price(setup, "S-1") == "100.00 EUR"
    assert google_price(setup, "S-1", "sale_price") is None
    assert history(setup, "google")["S-1"].endswith(";2026-11-25/2026-11-25 100.00 EUR")


def test_a_delta_run_and_a_sharded_run_leave_the_history_a_full_run_leaves(
    setup: Path, tmp_path: Path
) -> None:
    copies = {}
    for name in ("delta", "sharded"):
        copies[name] = tmp_path / name
        shutil.copytree(setup, copies[name])
    assert sale_night(setup, "90.00") == "success"
    assert sale_night(copies["delta"], "90.00", mode="delta") == "success"
    write_config(copies["sharded"], shard_products=1)
    assert sale_night(copies["sharded"], "90.00") == "success"
    for name, folder in copies.items():
        for channel in CHANNELS:
            assert history(folder, channel) == history(setup, channel), (name, channel)
        assert len(findings(folder, SALE_NIGHT, "omnibus_reference_lowered")) == 2, name


def test_a_night_held_back_leaves_the_history_and_a_rerun_records_the_night_once(
    setup: Path,
) -> None:
    before = {channel: history(setup, channel) for channel in CHANNELS}
    write_catalog(setup, "120.00", "90.00", others=0)  # three of four products gone: held
    run = run_steps(setup / "markets.toml", night(SALE_NIGHT))
    assert run.state == "failed"
    assert {channel: history(setup, channel) for channel in CHANNELS} == before
    assert sale_night(setup, "90.00") == "success"
    once = {channel: history(setup, channel) for channel in CHANNELS}
    assert sale_night(setup, "90.00") == "success"  # the same night again
    assert {channel: history(setup, channel) for channel in CHANNELS} == once
    assert len(findings(setup, SALE_NIGHT, "omnibus_reference_lowered")) == 2
