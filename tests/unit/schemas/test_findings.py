from __future__ import annotations

import csv
import io
from dataclasses import fields

from schemas.findings import Finding, shorten, write_findings_csv, write_findings_jsonl

FINDINGS = [
    Finding(
        stage="validate",
        severity="error",
        sku="GZ-1",
        field="gtin",
        rule="gtin_check_digit",
        message="the GTIN's check digit is 2, GS1 computes 1",
        value="4006381333932",
    ),
    Finding(
        stage="ingest",
        severity="warning",
        sku=None,
        field="weight",
        rule="not_a_number",
        message="'3,5,0' is not a plain number; \"ignored\"",
        value="=1+2",
        market="DE",
        channel="google",
        row=27,
    ),
]


def test_csv_has_every_field_with_the_filter_columns_first() -> None:
    stream = io.StringIO()
    assert write_findings_csv(FINDINGS, stream) == 2
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(rows[0])[:7] == ["sku", "market", "channel", "field", "rule", "value", "severity"]
    assert set(rows[0]) == {f.name for f in fields(Finding)}
    assert rows[1]["message"] == FINDINGS[1].message
    assert (rows[1]["sku"], rows[1]["row"]) == ("", "27")
    assert rows[1]["value"] == "'=1+2"  # a catalog value never runs as a spreadsheet formula


def test_jsonl_round_trips() -> None:
    stream = io.StringIO()
    assert write_findings_jsonl(FINDINGS, stream) == 2
    assert [Finding.from_json(line) for line in stream.getvalue().splitlines()] == FINDINGS


HOSTILE = Finding(
    stage="feed",
    severity="warning",
    sku="GZ-\u202e1",
    field="title",
    rule="invisible_characters_removed",
    message="title: invisible characters were removed from 'Tee\u2066\x1b[2J'",
    value="\tTee\u202e\x00 grün",
    channel="google",
)


def test_reports_carry_no_invisible_characters() -> None:
    csv_stream, jsonl_stream = io.StringIO(), io.StringIO()
    write_findings_csv([HOSTILE], csv_stream)
    write_findings_jsonl([HOSTILE], jsonl_stream)
    [row] = list(csv.DictReader(io.StringIO(csv_stream.getvalue())))
    [line] = jsonl_stream.getvalue().splitlines()
    echoed = Finding.from_json(line)
    for text in (*row.values(), echoed.sku, echoed.message, echoed.value):
        assert text is not None
        assert not any(c in text for c in "\u202e\u2066\x1b\x00"), text
    assert row["value"] == "'\tTee grün"  # a leading tab is a formula start too
    assert (echoed.sku, echoed.value) == ("GZ-1", "\tTee grün")


def test_shortened_values_lose_invisible_characters_before_the_cut() -> None:
    assert shorten("a\u202e" * 50, limit=10) == "aaaaaaaaa…"


def test_the_feeds_and_the_reports_share_one_formula_guard() -> None:
    from feeds.checks import cell
    from schemas.findings import spreadsheet_safe

    for value in ("=1+2", "+49 30", "-5", "@SUM(A1)", "\tcmd", "\rcmd", "Nordquell", None):
        assert cell(value) == spreadsheet_safe(value)
        assert cell(value).startswith("'") == (value is not None and value[0] in "=+-@\t\r")
