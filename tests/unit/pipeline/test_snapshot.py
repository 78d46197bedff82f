"""The staged snapshot gives back exactly the products extract read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SnapshotError, read_snapshot
from schemas.config.catalog import CatalogSource
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path


def _round_trip(source: CatalogSource, work: Path) -> tuple[list[Product], list[Product]]:
    read = [item for item in read_catalog(source) if isinstance(item, Product)]
    staged = stage_catalog(read, work)
    return read, list(read_snapshot(work / staged["snapshot"].rsplit("/", 1)[-1]))


def test_the_sample_catalog_comes_back_field_for_field(tmp_path: Path) -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    read, staged = _round_trip(config.catalog, tmp_path)
    assert len(read) > 50
    assert staged == read
    # Decimal equality ignores trailing zeros; the snapshot keeps them (9.90 stays 9.90).
    assert [str(m.amount) for p in staged for m in p.prices.values()] == [
        str(m.amount) for p in read for m in p.prices.values()
    ]


def test_the_real_akeneo_export_comes_back_field_for_field(
    shared_data: Path, tmp_path: Path
) -> None:
    source = CatalogSource(
        format="akeneo",
        path=str(shared_data / "products.csv"),
        asset_base_url="https://assets.example/",
    )
    read, staged = _round_trip(source, tmp_path)
    assert len(read) > 1000
    assert staged == read


def test_a_snapshot_cut_short_is_refused_not_read_in_part(tmp_path: Path) -> None:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    _round_trip(config.catalog, tmp_path)
    path = next(tmp_path.glob("catalog.*"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 7])
    with pytest.raises(SnapshotError, match="ends inside a record"):
        list(read_snapshot(path))
