"""The run's ECB rates are staged once per logical date, and a broken file is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from schemas.market import Pricing
from tests.conftest import SAMPLE_RATES
from transforms.ecb_rates import RatesError
from transforms.pipeline import load_rates, stage_rates

if TYPE_CHECKING:
    from pathlib import Path


def _pricing(rates: Path) -> Pricing:
    return Pricing(rates=str(rates), catalog_prices={"EUR": {}}, vat={})  # type: ignore[dict-item]


def test_a_rerun_converts_with_the_rates_it_staged(tmp_path: Path) -> None:
    source = tmp_path / "ecb.xml"
    source.write_bytes(SAMPLE_RATES.read_bytes())
    run_dir = tmp_path / "staging" / "2026-11-27"
    staged = stage_rates(_pricing(source), run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["eurofxref-daily.xml"]
    assert (
        load_rates(run_dir / "eurofxref-daily.xml").per_euro["USD"]
        == load_rates(source).per_euro["USD"]
    )
    # The ECB publishes a new day before the rerun; the rerun keeps the first rates.
    source.write_bytes(SAMPLE_RATES.read_bytes().replace(b"rate='1.0835'", b"rate='1.2000'"))
    assert stage_rates(_pricing(source), run_dir) == staged
    assert str(load_rates(run_dir / "eurofxref-daily.xml").per_euro["USD"]) == "1.0835"


def test_a_broken_rates_file_is_refused_before_staging(tmp_path: Path) -> None:
    source = tmp_path / "ecb.xml"
    source.write_bytes(b"<html>maintenance</html>")
    run_dir = tmp_path / "staging" / "2026-11-27"
    with pytest.raises(RatesError, match="not gesmes:Envelope"):
        stage_rates(_pricing(source), run_dir)
    assert not (run_dir / "eurofxref-daily.xml").exists()
