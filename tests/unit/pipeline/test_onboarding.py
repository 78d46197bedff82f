"""What each market and channel would list, and why not the rest (`pipeline.onboarding`):
read from the typed build results and from the run record's feeds, an older record's too."""

from __future__ import annotations

from pipeline.onboarding import TOP_REASONS, feed_overview, listing_overview
from pipeline.records import ChannelFigures, MarketBuild
from pipeline.run_report.record import decode_record

FIGURES = ChannelFigures(
    listed=5,
    set_aside=6,
    reasons={"incomplete": 4, "invalid_gtin": 1, "quarantined": 1},
    sent=5,
    unchanged=0,
    deleted=0,
    valid=True,
    withheld=None,
    state=None,
    missing={"brand": 3, "gtin": 2, "image_link": 1},
)
BUILD = MarketBuild(
    market="DE",
    products=11,
    set_aside=1,
    reasons={"quarantined": 1},
    feeds=[],
    channels={"google": FIGURES},
    mode="full",
    rate_day=None,
    findings="/s/r/DE/findings.jsonl",
    completeness="/s/r/DE/completeness.csv",
    prices="/s/r/DE/prices.csv",
)


def test_a_build_gives_its_channels_top_reasons_with_their_fixes() -> None:
    (row,) = listing_overview([BUILD])
    assert (row["market"], row["channel"], row["products"], row["listed"]) == (
        "DE",
        "google",
        11,
        5,
    )
    # The attributes the listings lack stand for "incomplete"; most products first.
    assert [(r["reason"], r["products"]) for r in row["reasons"]] == [
        ("brand missing", 3),
        ("gtin missing", 2),
        ("image_link missing", 1),
    ]
    assert len(row["reasons"]) == TOP_REASONS  # the rules' single products left out
    assert "[catalog.defaults] brand" in row["reasons"][0]["fix"]


def test_incomplete_is_named_when_no_attribute_is() -> None:
    build = MarketBuild(**{**BUILD, "channels": {"google": {**FIGURES, "missing": {}}}})
    (row,) = listing_overview([build])
    assert row["reasons"][0]["reason"] == "incomplete for the channel"


def test_a_run_record_written_before_products_and_missing_still_gives_the_overview() -> None:
    record = decode_record(
        {
            "feeds": [
                {
                    "market": "US",
                    "channel": "google",
                    "listed": 4,
                    "set_aside": 3,
                    "reasons": {"missing_brand": 3},
                }
            ]
        }
    )
    assert record is not None
    (row,) = feed_overview(record.feeds)
    assert (row["products"], row["listed"], row["set_aside"]) == (7, 4, 3)
    assert [r["reason"] for r in row["reasons"]] == ["brand missing"]
