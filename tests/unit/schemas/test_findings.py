from __future__ import annotations

import csv
import io
from dataclasses import fields

from schemas.findings import Finding, write_findings_csv, write_findings_jsonl

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
