"""The team's rules file and overrides file over two nights of the sample catalog's CH
market, through the DAG's steps (`tests.steps.run_steps`): rules that set the same field
as each other and as the overrides file, a rule that matches nothing, and an overrides file
edited between the nights (a price added). What the report, the findings and the summary
say about them."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from lxml import html

from tests.integration.test_overrides_run import G, items, sample_config
from tests.steps import run_steps

if TYPE_CHECKING:
    from tests.s3_server import S3Bucket

pytestmark = pytest.mark.integration

RULES = """[[rules]]
name = "Bottles get the summer label"
when = "sku == 'GZ-BOT-0001' or sku == 'GZ-BOT-0002' or sku == 'GZ-BOT-0003'"
channels = ["google"]
set = { custom_label_0 = "sommer", title = "Sommer: {title}" }

[[rules]]
name = "The first bottle says Sale"
when = "sku == 'GZ-BOT-0001'"
set = { title = "Sale: {title}" }

[[rules]]
name = "Nothing costs this much"
when = "price > 100000"
exclude = true
"""
"""Lines 1, 7 and 12: the second rule's title wins over the first's for GZ-BOT-0001; the
third holds for no listing."""
FIRST_NIGHT = "sku;title\r\nGZ-BOT-0002;Trinkflasche Sonderedition\r\n"
"""The overrides file's title wins over the first rule's for GZ-BOT-0002."""
SECOND_NIGHT = "sku;title;price\r\nGZ-BOT-0002;Trinkflasche Sonderedition;\r\nGZ-BOT-0003;;9,99\r\n"


class Night(NamedTuple):
    report: Path
    output: Path


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Night, Night]:
    """The two nights' report folders (the overrides file edited in between)."""
    folder = tmp_path_factory.mktemp("team-files")
    (folder / "feed-rules.toml").write_text(RULES, encoding="utf-8")
    config = sample_config(folder, '\n[overrides.CH]\ngoogle = "CH-google.csv"\n')
    text = config.read_text(encoding="utf-8")
    config.write_text('rules_path = "feed-rules.toml"\n' + text, encoding="utf-8")
    reports = []
    for day, overrides in ((date(2026, 11, 24), FIRST_NIGHT), (date(2026, 11, 25), SECOND_NIGHT)):
        (folder / "CH-google.csv").write_text(overrides, encoding="utf-8", newline="")
        run = run_steps(config, day, markets=["CH"])
        assert run.state == "success"
        reports.append(Night(run.report_dir, folder / "output"))
    return reports[0], reports[1]


def findings(night: Night) -> list[dict[str, str]]:
    lines = (night.report / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def applied(night: Night, sku: str, field: str) -> list[str]:
    """The ``override_applied`` messages of one listing's field in CH google, in order."""
    return [
        f["message"]
        for f in findings(night)
        if f["rule"] == "override_applied" and f["sku"] == sku and f["field"] == field
        and f["channel"] == "google"
    ]  # fmt: skip


_TEAM_RULES = ("override_applied", "excluded_by_override", "feed_rule_unmatched")
_VERDICT = re.compile(r" \((?:wins over|overridden by) .*\)$")


def team_changes(lines: list[dict[str, str]]) -> set[tuple[str | None, ...]]:
    """What the team's files did, per finding: rule, listing, field, who set it and which
    won; the price set. A title's before and after are left out: a run that translates
    and one that does not start from different titles."""
    return {
        (
            f["rule"],
            f["channel"],
            f["sku"],
            f["field"],
            f["message"].split(": ", 1)[0],
            verdict[0] if (verdict := _VERDICT.search(f["message"])) else None,
            f["value"] if f["field"] == "price" else None,
        )
        for f in lines
        if f["rule"] in _TEAM_RULES
    }


def test_the_findings_say_which_rule_or_file_won_a_field(nights: tuple[Night, Night]) -> None:
    first, _ = nights
    feed = items(first.output)  # the second night's feed: its titles are the first's
    sale_title = feed["GZ-BOT-0001"].findtext(f"{G}title", "")
    assert sale_title.startswith("Sale: ") and "Sommer" not in sale_title
    rule_a = "feed-rules.toml rule 'Bottles get the summer label' (line 1)"
    rule_b = "feed-rules.toml rule 'The first bottle says Sale' (line 7)"
    earlier, later = applied(first, "GZ-BOT-0001", "title")
    assert earlier.startswith(f"title set by {rule_a}: ")
    assert earlier.endswith(f" (overridden by {rule_b}: a later rule wins over an earlier one)")
    assert later.endswith(f" (wins over {rule_a}: a later rule wins over an earlier one)")
    # The overrides file comes after every rule.
    file_title = feed["GZ-BOT-0002"].findtext(f"{G}title", "")
    assert file_title.endswith("Trinkflasche Sonderedition") and "Sommer" not in file_title
    by_rule, by_file = applied(first, "GZ-BOT-0002", "title")
    assert by_rule.endswith(
        " (overridden by CH-google.csv row 2: the overrides file wins over the rules)"
    )
    assert by_file.startswith("title set by CH-google.csv row 2: ")
    assert by_file.endswith(f" (wins over {rule_a}: the overrides file wins over the rules)")
    # One setter: nothing to explain.
    (only,) = applied(first, "GZ-BOT-0003", "title")
    assert only.endswith("'") and "wins" not in only and "overridden" not in only


def test_a_rule_that_matched_nothing_is_named(nights: tuple[Night, Night]) -> None:
    first, _ = nights
    unmatched = [f for f in findings(first) if f["rule"] == "feed_rule_unmatched"]
    assert [(f["market"], f["channel"], f["message"]) for f in unmatched] == [
        (
            "CH",
            "google",
            "feed-rules.toml rule 'Nothing costs this much' (line 12) matched no google "
            "listing in CH",
        )
    ]


def test_the_report_shows_who_won_each_field_and_the_unmatched_rule(
    nights: tuple[Night, Night],
) -> None:
    page = html.parse(str(nights[0].report / "report.html")).getroot()
    (section,) = page.xpath('//section[@id="team-changes"]')
    assert "the overrides file over every rule" in section.text_content()
    rows = {
        tuple(cell.text_content() for cell in row.xpath("td")[2:7])
        for row in section.xpath('.//table[@id="team-conflict-table"]/tbody/tr')
    }
    assert rows == {
        (
            "title",
            "feed-rules.toml rule 'The first bottle says Sale' (line 7)",
            "feed-rules.toml rule 'Bottles get the summer label' (line 1)",
            "a later rule wins over an earlier one",
            "1",
        ),
        (
            "title",
            "CH-google.csv",
            "feed-rules.toml rule 'Bottles get the summer label' (line 1)",
            "the overrides file wins over the rules",
            "1",
        ),
    }
    per_file = {
        row.xpath("td")[3].text_content(): (
            row.xpath("td")[4].text_content(),
            row.xpath("td")[5].text_content(),
        )
        for row in section.xpath('.//table[@id="team-change-table"]/tbody/tr')
    }
    # The summer rule changed three listings; on two another one's title won.
    assert per_file["Bottles get the summer label"] == ("3", "2")
    assert per_file["The first bottle says Sale"] == ("1", "0")
    (unmatched,) = section.xpath('.//ul[@id="team-unmatched-rules"]/li')
    assert unmatched.text_content().split() == (
        "feed-rules.toml rule Nothing costs this much (line 12): no listing in CH google".split()
    )


def test_a_set_price_counts_once_among_the_price_changes(nights: tuple[Night, Night]) -> None:
    """The second night's overrides file sets GZ-BOT-0003's price: prices.csv has two rows
    for it (the market's, then google's), the report's price changes one product."""
    second = nights[1].report
    with (second / "prices.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["price"] for r in rows if r["sku"] == "GZ-BOT-0003"][1:] == ["10.00"]
    products = {(r["market"], r["sku"]) for r in rows}
    page = html.parse(str(second / "report.html")).getroot()
    (counts,) = page.xpath('//p[@id="price-counts"]')
    compared = sum(int(counts.get(f"data-{k}")) for k in ("up", "down", "unchanged"))
    assert compared == len(products) and len(rows) == len(products) + 1
    moves = page.xpath('//table[@id="price-moves"]/tbody/tr')
    assert [m.get("data-sku") for m in moves] == ["GZ-BOT-0003"]
    before, now = (cell.text_content() for cell in moves[0].xpath("td")[2:4])
    assert now == "10.00" and before != now


def test_onboarding_changes_what_the_dag_changes(
    nights: tuple[Night, Night], tmp_path: Path
) -> None:
    """The one-process build (`pipeline.build.build_market_feeds`, as onboarding runs it)
    applies the rules and the overrides file as the DAG's write_channel tasks do."""
    from pipeline.onboarding import onboard
    from schemas.config.loader import load_config

    second = nights[1]
    config = load_config(second.output.parent / "markets.toml")
    onboarded = onboard(config, tmp_path, markets=["CH"], run_day=date(2026, 11, 25))
    lines = Path(onboarded["findings"]["CH"]).read_text(encoding="utf-8").splitlines()
    one_process = team_changes([json.loads(line) for line in lines])
    dag = team_changes(findings(second))
    assert ("override_applied", "google", "GZ-BOT-0003", "price") in {c[:4] for c in dag}
    assert one_process == dag


def test_team_files_in_a_bucket_change_what_local_ones_do(
    nights: tuple[Night, Night], airflow_db: Path, s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    """The rules and overrides files as object-storage URLs (moto's S3, through the
    Airflow connection the URL names): the run reads them there and changes what the
    first night changed with the same files on the local disk."""
    s3_bucket.client.put_object(
        Bucket=s3_bucket.name, Key="team/feed-rules.toml", Body=RULES.encode("utf-8")
    )
    s3_bucket.client.put_object(
        Bucket=s3_bucket.name, Key="team/CH-google.csv", Body=FIRST_NIGHT.encode("utf-8")
    )
    rules, overrides = s3_bucket.url("team/feed-rules.toml"), s3_bucket.url("team/CH-google.csv")
    assert rules.startswith("s3://grenzenlos_s3@")
    config = sample_config(tmp_path, f'\n[overrides.CH]\ngoogle = "{overrides}"\n')
    text = config.read_text(encoding="utf-8")
    config.write_text(f'rules_path = "{rules}"\n' + text, encoding="utf-8")
    run = run_steps(config, date(2026, 11, 24), markets=["CH"])
    assert run.state == "success"
    from_bucket = Night(run.report_dir, tmp_path / "output")
    assert not [f for f in findings(from_bucket) if f["rule"] == "override_file_unreadable"]
    assert team_changes(findings(from_bucket)) == team_changes(findings(nights[0]))
    feed = items(from_bucket.output)
    assert feed["GZ-BOT-0002"].findtext(f"{G}title", "").endswith("Trinkflasche Sonderedition")


def test_the_summary_says_which_team_file_changed_since_the_last_run(
    nights: tuple[Night, Night],
) -> None:
    first, second = nights
    before = first.report.name
    assert (
        "team files: CH-google.csv new (no earlier run read it), "
        "feed-rules.toml new (no earlier run read it)\n"
    ) in (first.report / "summary.txt").read_text(encoding="utf-8")
    assert (
        f"team files: CH-google.csv changed since {before}, "
        f"feed-rules.toml unchanged since {before}\n"
    ) in (second.report / "summary.txt").read_text(encoding="utf-8")
    record = json.loads((second.report / "run.json").read_text(encoding="utf-8"))
    assert [
        (f["location"].rsplit("/", 1)[-1], f["since"], f["changed"]) for f in record["team_files"]
    ] == [("CH-google.csv", before, True), ("feed-rules.toml", before, False)]
    page = html.parse(str(second.report / "report.html")).getroot()
    read = [li.text_content() for li in page.xpath('//ul[@id="team-files-read"]/li')]
    assert read == [
        f"CH-google.csv: changed since {before}",
        f"feed-rules.toml: unchanged since {before}",
    ]
