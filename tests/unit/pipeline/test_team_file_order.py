"""Rules and an overrides file that set the same field of one listing, as the
``write_channel`` task applies them (`pipeline.overrides.ChannelOverrides`), and what the
report's preview (`pipeline.run_report.changes.changes_view`) reads back from the findings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from pipeline.overrides import ChannelChanges, ChannelOverrides
from pipeline.run_report.changes import changes_view
from schemas.findings import write_findings_jsonl
from schemas.product import Money
from tests.unit.transforms.test_overrides import CONFIG, listing
from transforms.feed_rules import load_rules
from transforms.overrides import read_overrides

if TYPE_CHECKING:
    from pathlib import Path

RULES = """[[rules]]
name = "Summer"
when = "price > 10"
set = { custom_label_0 = "summer", title = "Summer {title}" }

[[rules]]
name = "Winter"
when = "price > 50"
set = { custom_label_0 = "winter" }

[[rules]]
name = "Never"
when = "price > 100000"
exclude = true
"""


def overrides(csv_text: str) -> ChannelOverrides:
    return ChannelOverrides(
        ChannelChanges(
            read_overrides(csv_text, "/team/PL-google.csv", "PL", "google"),
            load_rules(RULES, "/team/feed-rules.toml"),
            "/team/feed-rules.toml",
        ),
        CONFIG.market("PL"),
        "google",
    )


def test_the_later_setter_wins_and_every_finding_says_so(tmp_path: Path) -> None:
    changes = overrides("sku;title\nA-1;Butelka Lato\n")
    applied = changes.apply(listing())
    assert applied.listing is not None
    assert applied.listing.title == "Butelka Lato"
    assert applied.listing.attributes["custom_label_0"] == "winter"
    messages = {
        (f.field, f.message.split(": ", 1)[0]): f.message
        for f in applied.findings
        if f.rule == "override_applied"
    }
    summer = "feed-rules.toml rule 'Summer' (line 1)"
    assert messages[("title", f"title set by {summer}")].endswith(
        "(overridden by PL-google.csv row 2: the overrides file wins over the rules)"
    )
    assert messages[("title", "title set by PL-google.csv row 2")].endswith(
        f"(wins over {summer}: the overrides file wins over the rules)"
    )
    assert messages[("custom_label_0", f"custom_label_0 set by {summer}")].endswith(
        "(overridden by feed-rules.toml rule 'Winter' (line 6): a later rule wins over an "
        "earlier one)"
    )
    unmatched = [f for f in changes.finish() if f.rule == "feed_rule_unmatched"]
    assert [f.message for f in unmatched] == [
        "feed-rules.toml rule 'Never' (line 11) matched no google listing in PL"
    ]

    findings = tmp_path / "findings.jsonl"
    with findings.open("w", encoding="utf-8") as stream:
        write_findings_jsonl([*applied.findings, *unmatched], stream)
    view = changes_view(findings)
    assert {
        (c["field"], c["winner"], c["overridden"], c["listings"]) for c in view["conflicts"]
    } == {
        ("title", "PL-google.csv", summer, 1),
        ("custom_label_0", "feed-rules.toml rule 'Winter' (line 6)", summer, 1),
    }
    by_rule = {(g["source"], g["rule"]): (g["listings"], g["overridden"]) for g in view["files"]}
    assert by_rule == {
        ("feed-rules.toml", "Summer"): (1, 1),
        ("feed-rules.toml", "Winter"): (1, 0),
        ("PL-google.csv", ""): (1, 0),
    }
    assert [(u["rule"], u["line"], u["where"]) for u in view["unmatched"]] == [
        ("Never", 11, ["PL google"])
    ]


def test_a_listing_one_setter_changes_has_nothing_to_explain() -> None:
    cheap = replace(listing(), price=Money(Decimal("5.99"), "PLN"))  # no rule holds
    applied = overrides("sku;promotion_id\nA-1;P1\n").apply(cheap)
    assert [(f.rule, f.field) for f in applied.findings] == [("override_applied", "promotion_id")]
    assert all("wins" not in f.message and "overridden" not in f.message for f in applied.findings)
