"""The run report page: its figures are the run record's, its charts draw what the runs
hold, catalog text stays text, and it links nothing outside the output folder.

Each test writes an output folder of two runs (``earlier`` and ``now``: run.json,
findings.jsonl, completeness.csv, prices.csv, index.json) and reads the page back with
lxml's HTML parser.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any, cast

import lxml.html
import pytest

from pipeline.run_report.render import write_html_report, write_run_index
from pipeline.run_report.run_files import MAX_FINDINGS_SHOWN

if TYPE_CHECKING:
    from pathlib import Path

    from lxml.html import HtmlElement

HOSTILE = "<script>alert(1)</script>"

NOW: dict[str, Any] = {
    "run_id": "manual__2026-11-20T00:00:00+00:00",
    "run_key": "now",
    "dag_id": "localize_catalog",
    "run_day": "2026-11-20",
    "status": "success",
    "reason": None,
    "failed_tasks": [],
    "still_live": [],
    "mode": "delta",
    "dry_run": False,
    "rate_date": "2026-11-19",
    "started": "2026-11-20T02:00:00+00:00",
    "finished": "2026-11-20T02:03:30+00:00",
    "steps": [{"task": "extract", "count": 1, "seconds": 2.1, "longest": 2.1, "failed": 0}],
    "catalog": {"products": 70, "rejected_rows": 1, "held": 0},
    "validation": {"quarantined": 2, "warnings": 5, "failed_expectations": 3, "expectations": 20},
    "translation": {
        "currency": "EUR",
        "deepl_key": True,
        "stopped": None,
        "warnings": [],
        "languages": {
            "FR": {
                "segments": 10,
                "human": 1,
                "memory": 5,
                "deepl": 3,
                "pending": 1,
                "flagged": 0,
                "hit_rate": 0.6,
                "characters_sent": 1200,
                "characters_billed": 1200,
                "estimated_cost": "0.02",
            }
        },
        "review_files": {"FR": "OUT/runs/now/review-FR.xlf"},
    },
    "feeds": [
        {
            "market": "DE",
            "channel": "google",
            "listed": 60,
            "set_aside": 10,
            "reasons": {"missing_gtin": 4, "missing_translation": 6},
            "sent": 60,
            "unchanged": 0,
            "deleted": 0,
            "delta": False,
            "outcome": "published",
            "outcome_text": "OUT/DE/google.xml",
            "files": ["OUT/DE/google.xml"],
        },
        {
            "market": "DE",
            "channel": "amazon",
            "listed": 58,
            "set_aside": 12,
            "reasons": {"missing_translation": 6, "missing_color": 6},
            "sent": 7,
            "unchanged": 50,
            "deleted": 1,
            "delta": True,
            "outcome": "published",
            "outcome_text": "OUT/DE/amazon-0001.json",
            "files": ["OUT/DE/amazon-0001.json"],
        },
    ],
    "findings": {"total": 2, "by_severity": {"error": 1, "warning": 1}},
    "files": {
        "summary": "OUT/runs/now/summary.txt",
        "findings_csv": "OUT/runs/now/findings.csv",
        "findings_jsonl": "OUT/runs/now/findings.jsonl",
        "completeness": "OUT/runs/now/completeness.csv",
        "prices": "OUT/runs/now/prices.csv",
        "translation": "OUT/runs/now/translation.json",
        "validation": None,
        "manifests": {"DE": "OUT/DE/manifest.json"},
    },
}


def _earlier() -> dict[str, Any]:
    record = copy.deepcopy(NOW)
    record.update(
        run_id="scheduled__2026-11-19T02:00:00+00:00",
        run_key="earlier",
        started="2026-11-19T02:00:00+00:00",
        finished="2026-11-19T02:04:00+00:00",
        catalog={"products": 66, "rejected_rows": 0, "held": 0},
    )
    record["feeds"][0]["listed"] = 55
    record["feeds"][1]["listed"] = 58
    record["translation"]["languages"]["FR"]["characters_billed"] = 300
    return record


def _finding(**values: Any) -> str:
    finding = {
        "stage": "feed",
        "severity": "error",
        "sku": "A-1",
        "field": "gtin",
        "rule": "missing_gtin",
        "message": "google requires a GTIN",
        "value": None,
        "market": "DE",
        "channel": "google",
        "row": None,
    }
    return json.dumps({**finding, **values}) + "\n"


def _write_run(
    output: Path,
    record: dict[str, Any],
    *,
    prices: str = "",
    findings: str = "",
    completeness: str = "",
) -> Path:
    folder: Path = output / "runs" / str(record["run_key"])
    folder.mkdir(parents=True)
    text = json.dumps(record).replace("OUT/", f"{output}/")
    (folder / "run.json").write_text(text, encoding="utf-8")
    (folder / "findings.jsonl").write_text(findings, encoding="utf-8")
    (folder / "completeness.csv").write_text(
        "sku,market,channel,completeness,missing\n" + completeness, encoding="utf-8"
    )
    (folder / "prices.csv").write_text(
        "sku,market,price,currency,unit_price,how\n" + prices, encoding="utf-8"
    )
    return folder


def _index(output: Path, *keys: str) -> None:
    (output / "runs" / "index.json").write_text(
        json.dumps([{"run_key": k, "run_id": k, "status": "success"} for k in keys]),
        encoding="utf-8",
    )


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """Two runs: ``earlier``, then ``now`` (both in index.json, newest first)."""
    out = tmp_path / "output"
    _write_run(
        out,
        _earlier(),
        prices="A-1,DE,10.00,EUR,,x\nA-1,FR,15.00,EUR,,x\nB-2,DE,20.00,EUR,,x\nC-3,DE,5.00,EUR,,x\n",
    )
    _write_run(
        out,
        NOW,
        prices=(
            "A-1,DE,15.00,EUR,,x\nA-1,FR,15.00,EUR,,x\nB-2,DE,19.00,EUR,,x\n"
            "C-3,DE,5.00,EUR,,x\nD-4,DE,8.00,EUR,,x\n"
        ),
        findings=(
            _finding(message=f"title holds {HOSTILE}", value="https://cdn.example/x.js")
            + _finding(severity="warning", market="FR", channel=None, sku="B-2")
        ),
        completeness="A-1,DE,google,80,\nB-2,DE,google,100,\nA-1,DE,amazon,50,color\n",
    )
    _index(out, "now", "earlier")
    return out


def _page(output: Path, run: str = "now") -> HtmlElement:
    path = write_html_report(output / "runs" / run, output / "runs")
    assert path == output / "runs" / run / "report.html"
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _feed_row(page: HtmlElement, market: str, channel: str) -> HtmlElement:
    (row,) = page.xpath(
        f'//table[@id="feeds-table"]//tr[@data-market="{market}"][@data-channel="{channel}"]'
    )
    return row


def test_every_figure_in_the_feeds_table_is_the_run_records(output: Path) -> None:
    page = _page(output)
    for feed in NOW["feeds"]:
        row = _feed_row(page, feed["market"], feed["channel"])
        shown = {
            cell.get("data-figure"): cell.text_content().strip()
            for cell in row.xpath(".//*[@data-figure]")
        }
        assert {k: shown[k] for k in ("listed", "sent", "unchanged", "deleted")} == {
            k: str(feed[k]) for k in ("listed", "sent", "unchanged", "deleted")
        }
        assert shown["set-aside"] == str(feed["set_aside"])
        assert {
            li.get("data-reason"): int(li.get("data-count")) for li in row.xpath(".//li")
        } == feed["reasons"]
        assert row.get("data-listed") == str(feed["listed"])
    google, amazon = _feed_row(page, "DE", "google"), _feed_row(page, "DE", "amazon")
    # Completeness: the mean of the listings' percentages; listed: against the earlier run.
    assert google.xpath('string(.//*[@data-figure="completeness"])') == "90.0 %"
    assert amazon.xpath('string(.//*[@data-figure="completeness"])') == "50.0 %"
    assert google.xpath('string(.//*[@data-figure="listed-change"])') == "+5"
    assert amazon.xpath('string(.//*[@data-figure="listed-change"])') == "±0"
    assert page.get_element_by_id("catalog-products").get("data-value") == "70"
    assert "+4" in page.get_element_by_id("catalog-change").text_content()


def test_the_set_aside_chart_has_one_bar_per_reason(output: Path) -> None:
    chart = _page(output).get_element_by_id("chart-reasons")
    for feed in NOW["feeds"]:
        bars = chart.xpath(
            f'.//rect[@data-market="{feed["market"]}"][@data-channel="{feed["channel"]}"]'
        )
        assert {b.get("data-reason"): int(b.get("data-count")) for b in bars} == feed["reasons"]
    # One scale for all: amazon's 6 missing_color are as wide as google's 6 missing_translation.
    width = {
        (b.get("data-channel"), b.get("data-reason")): float(b.get("width"))
        for b in chart.xpath(".//rect")
    }
    assert width[("amazon", "missing_color")] == width[("google", "missing_translation")]
    assert width[("google", "missing_gtin")] == pytest.approx(
        width[("amazon", "missing_color")] * 4 / 6
    )


def test_the_history_charts_have_a_point_for_each_run(output: Path) -> None:
    page = _page(output)
    listed = page.get_element_by_id("chart-listed-DE-google").xpath(".//circle")
    assert [(c.get("data-run"), c.get("data-value")) for c in listed] == [
        ("earlier", "55"),
        ("now", "60"),
    ]
    billed = page.get_element_by_id("chart-characters-billed").xpath(".//circle")
    assert [(c.get("data-series"), c.get("data-run"), c.get("data-value")) for c in billed] == [
        ("FR", "earlier", "300"),
        ("FR", "now", "1200"),
    ]
    (line,) = page.get_element_by_id("chart-characters-billed").xpath(".//polyline")
    (_, y_earlier), (_, y_now) = (map(float, p.split(",")) for p in line.get("points").split())
    assert y_now < y_earlier  # more characters, higher up


def test_price_changes_list_the_largest_move_with_its_sku(output: Path) -> None:
    page = _page(output)
    counts = page.get_element_by_id("price-counts")
    # A-1 rose in DE (10 -> 15); its FR price, 15 in both runs, is another listing.
    assert (counts.get("data-up"), counts.get("data-down"), counts.get("data-unchanged")) == (
        "1",
        "1",
        "2",
    )
    rows = page.xpath('//table[@id="price-moves"]/tbody/tr')
    assert [(r.get("data-market"), r.get("data-sku")) for r in rows] == [
        ("DE", "A-1"),
        ("DE", "B-2"),
    ]
    assert [td.text_content() for td in rows[0].xpath("td")] == [
        "DE",
        "A-1",
        "10.00",
        "15.00",
        "EUR",
        "+50.0 %",
    ]
    bars = page.get_element_by_id("chart-price-moves").xpath(".//rect")
    assert [b.get("data-sku") for b in bars] == ["A-1", "B-2"]


def test_catalog_text_in_a_finding_stays_text(output: Path) -> None:
    page = _page(output)
    html = (output / "runs" / "now" / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "title holds &lt;script&gt;alert(1)&lt;/script&gt;" in html
    messages = page.xpath('//table[@id="findings-table"]//td[@class="message"]')
    assert messages[0].text_content() == f"title holds {HOSTILE}"
    scripts = page.xpath("//script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text_content()


def test_the_findings_table_holds_at_most_the_cap_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "output"
    _write_run(out, NOW, findings=_finding() * (MAX_FINDINGS_SHOWN + 1))
    page = _page(out)
    assert len(page.xpath('//table[@id="findings-table"]/tbody/tr')) == MAX_FINDINGS_SHOWN
    note = page.get_element_by_id("findings-note")
    assert f"first {MAX_FINDINGS_SHOWN} of {MAX_FINDINGS_SHOWN + 1}" in note.text_content()
    assert note.xpath("a/@href") == ["findings.csv"]


def test_the_page_fetches_nothing_and_links_only_into_the_output(output: Path) -> None:
    page = _page(output)
    targets = [
        value
        for element in page.iter()
        for value in (element.get("src"), element.get("href"))
        if value
    ]
    assert targets and not [t for t in targets if t.startswith(("http:", "https:", "//", "file:"))]
    assert page.xpath("//link | //img | //iframe | //object | //embed | //*[@src]") == []
    hrefs = set(targets)
    assert {
        "../../DE/google.xml",
        "../../DE/amazon-0001.json",
        "../../DE/manifest.json",
        "findings.csv",
        "prices.csv",
        "review-FR.xlf",
        "../index.html",
    } <= hrefs


def test_a_file_outside_the_output_is_named_not_linked(output: Path) -> None:
    record = json.loads((output / "runs" / "now" / "run.json").read_text("utf-8"))
    record["files"]["manifests"]["DE"] = "s3://another-bucket/DE/manifest.json"
    (output / "runs" / "now" / "run.json").write_text(json.dumps(record), "utf-8")
    page = _page(output)
    (item,) = page.xpath('//section[@id="files"]//li[starts-with(., "DE manifest")]')
    assert (
        item.xpath("a") == [] and item.xpath("string(code)") == record["files"]["manifests"]["DE"]
    )


def test_a_stopped_run_shows_why_and_what_stayed_live(tmp_path: Path) -> None:
    out = tmp_path / "output"
    stopped = copy.deepcopy(NOW) | {
        "status": "stopped",
        "reason": "the catalog shrank by 40 % since the last successful run (70 -> 42 products)",
        "catalog": {"products": 42, "rejected_rows": 0, "held": 0},
        "validation": None,
        "translation": None,
        "feeds": [],
        "still_live": [
            {"market": "DE", "file": "google.xml", "path": "OUT/DE/google.xml", "items": 60}
        ],
    }
    _write_run(out, stopped)
    _index(out, "now")
    page = _page(out)
    banner = page.get_element_by_id("status")
    assert banner.get("data-status") == "stopped"
    assert "Run stopped" in banner.text_content()
    assert page.get_element_by_id("reason").text_content() == stopped["reason"]
    (live,) = page.get_element_by_id("still-live").xpath("li")
    assert live.get("data-market") == "DE" and "60 items" in live.text_content()
    assert live.xpath("a/@href") == ["../../DE/google.xml"]
    assert page.get_element_by_id("no-feeds") is not None


def test_a_failed_task_is_named(tmp_path: Path) -> None:
    out = tmp_path / "output"
    failed = copy.deepcopy(NOW) | {
        "status": "incomplete",
        "reason": "localize_shard failed: DE shard 1 of 1",
        "failed_tasks": [{"task": "localize_shard", "label": "DE shard 1 of 1"}],
    }
    _write_run(out, failed)
    page = _page(out)
    assert page.get_element_by_id("status").get("data-status") == "incomplete"
    tasks = page.get_element_by_id("failed-tasks").text_content()
    assert "localize_shard" in tasks and "DE shard 1 of 1" in tasks


def test_missing_and_corrupt_earlier_runs_are_left_out(output: Path) -> None:
    runs = output / "runs"
    (runs / "corrupt").mkdir()
    (runs / "corrupt" / "run.json").write_text('{"run_key": "corr', encoding="utf-8")
    (runs / "odd").mkdir()
    (runs / "odd" / "run.json").write_text('{"feeds": "none", "catalog": 3}', encoding="utf-8")
    (runs / "corrupt" / "prices.csv").write_text("sku,market,price\n", encoding="utf-8")
    _index(output, "now", "gone", "corrupt", "odd", "earlier")
    page = _page(output)
    assert "gone, corrupt, odd" in page.get_element_by_id("unreadable-runs").text_content()
    listed = page.get_element_by_id("chart-listed-DE-google").xpath(".//circle/@data-run")
    assert listed == ["earlier", "now"]


def test_a_run_without_earlier_runs_renders(output: Path) -> None:
    _index(output, "now")  # this run is not listed, and "now" has no start time to compare
    page = _page(output, "earlier")
    assert page.get_element_by_id("no-price-changes") is not None
    assert page.get_element_by_id("chart-listed-DE-google").xpath(".//circle/@data-run") == [
        "earlier"
    ]
    assert page.xpath('//*[@data-figure="listed-change"]') == []
    (output / "runs" / "index.json").unlink()
    assert _page(output).get_element_by_id("status").get("data-status") == "success"


def test_a_run_without_its_record_is_refused(tmp_path: Path) -> None:
    (tmp_path / "runs" / "now").mkdir(parents=True)
    with pytest.raises(ValueError, match="run.json"):
        write_html_report(tmp_path / "runs" / "now", tmp_path / "runs")


def test_the_index_lists_the_runs_newest_first_with_their_reports(output: Path) -> None:
    (output / "runs" / "index.json").write_text(
        json.dumps(
            [
                {
                    "run_key": "now",
                    "run_id": NOW["run_id"],
                    "status": "held_back",
                    "started": NOW["started"],
                    "finished": NOW["finished"],
                },
                {"run_key": "earlier", "run_id": "scheduled__x", "status": "success"},
                "not an entry",
            ]
        ),
        encoding="utf-8",
    )
    path = write_run_index(output / "runs")
    assert path == output / "runs" / "index.html"
    page = lxml.html.fromstring(path.read_text("utf-8"))
    rows = cast("list[Any]", page.xpath('//table[@id="runs"]/tbody/tr'))
    assert [(r.get("data-run-key"), r.get("data-status")) for r in rows] == [
        ("now", "held_back"),
        ("earlier", "success"),
    ]
    assert rows[0].xpath("td/a/@href") == ["now/report.html"]
    assert "3 min 30 s" in rows[0].text_content()
    assert [p.name for p in (output / "runs").iterdir() if p.name.endswith(".partial")] == []


def test_the_catalog_rules_show_gx_verdicts_from_validation_json(output: Path) -> None:
    assert not _page(output).xpath('//section[@id="catalog-rules"]')  # none written: no table
    rules = [
        {
            "table": "products",
            "rule": "gtin_check_digit",
            "expectation": "expect_column_values_to_match_regex",
            "column": "gtin",
            "severity": "error",
            "success": False,
            "checked": 70,
            "unexpected": 3,
        },
        {
            "table": "products",
            "rule": "sku_unique",
            "expectation": "expect_column_values_to_be_unique",
            "column": "sku",
            "severity": "error",
            "success": True,
            "checked": 70,
            "unexpected": 0,
        },
    ]
    (output / "runs" / "now" / "validation.json").write_text(
        json.dumps({"products": 70, "expectations": rules}), encoding="utf-8"
    )
    rows = _page(output).xpath('//section[@id="catalog-rules"]//tbody/tr')
    cells = {row.get("data-rule"): [c.text_content() for c in row.xpath("td")] for row in rows}
    assert cells["gtin_check_digit"][-3:] == ["70", "3", "FAILED"]
    assert cells["sku_unique"][-1] == "passed"
