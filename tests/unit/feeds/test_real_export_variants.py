"""The real Akeneo export (../shared/data, Icecat demo) has 240 variants under product
models of nine family variants: each must reach the feeds in its group, knowing what the
group varies by, and never share a title with another listing of the feed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import pytest

from feeds.titles import TitleBook, compose_title, part_text
from schemas.config.loader import load_config
from tests.conftest import ROOT
from tests.unit.feeds.test_titles import real_export_listings

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.listing import Listing

pytestmark = pytest.mark.shared_data
CONFIG = load_config(ROOT / "config" / "markets.toml", env={})


def _listings(shared_data: Path) -> tuple[list[Listing], set[str]]:
    """The export localized for DE (German texts, else English), and the skus of its
    variant rows (a ``parent`` given), counted from the file itself."""
    import csv

    with (shared_data / "products.csv").open(encoding="utf-8", newline="") as stream:
        variants = {
            row["sku"] for row in csv.DictReader(stream, delimiter=";") if row.get("parent")
        }
    listings = real_export_listings(shared_data, CONFIG.catalog.variant_axes)
    return listings, variants


def test_every_variant_of_the_real_export_is_in_a_group_with_its_axes(
    shared_data: Path,
) -> None:
    listings, variants = _listings(shared_data)
    reached = [item for item in listings if item.sku in variants]
    assert len(variants) == 240 and len(reached) > 150  # the others lack a text or a price
    assert all(item.group and item.varies_by for item in reached)
    assert all(item.group is None for item in listings if item.sku not in variants)
    groups: defaultdict[str, list[Listing]] = defaultdict(list)
    for item in reached:
        groups[item.group or ""].append(item)
    # Within a group no two variants have the same values of what the group varies by.
    clashes = []
    for group, members in groups.items():
        values = Counter(
            tuple(part_text(item, axis) for axis in item.varies_by) for item in members
        )
        clashes += [(group, v) for v, n in values.items() if n > 1]
    assert clashes == []


@pytest.mark.parametrize(("channel", "limit"), [("google", 150), ("amazon", 200), ("ebay", 80)])
def test_no_two_variants_in_a_feed_share_a_title(
    shared_data: Path, channel: str, limit: int
) -> None:
    listings, variants = _listings(shared_data)
    rule = CONFIG.channels[channel].title
    book = TitleBook()
    titles = {item.sku: compose_title(item, item.title, rule, limit, book) for item in listings}
    shared = {sku: t.same_as for sku, t in titles.items() if t.same_as and sku in variants}
    assert shared == {}
    texts = Counter(
        " ".join(titles[sku].text.split()).casefold() for sku in variants if sku in titles
    )
    assert [t for t, n in texts.items() if n > 1] == []
