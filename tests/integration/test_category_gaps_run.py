"""The category mapping assistant on the sample catalog through the DAG's steps
(`tests.steps.run_steps`): ``food`` left unmapped for idealo in DE, and Google's taxonomy
ids suggested for the sample's categories."""

from __future__ import annotations

import json
import tomllib
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT
from tests.integration.test_overrides_run import report_file, sample_config
from tests.steps import run_steps
from transforms.category_suggestions import distinctive_words, name_words, suggest_google_ids

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("categories")
    mapping = (ROOT / "config" / "categories.toml").read_text(encoding="utf-8")
    unmapped = 'idealo = { DE = "Lebensmittel > Tee & Öl" }\n'
    assert unmapped in mapping
    (folder / "categories.toml").write_text(mapping.replace(unmapped, ""), encoding="utf-8")
    config = sample_config(folder)
    text = config.read_text(encoding="utf-8").replace(
        f'"{ROOT}/config/categories.toml"', f'"{folder}/categories.toml"'
    )
    config.write_text(text, encoding="utf-8")
    assert run_steps(config, date(2026, 11, 24), markets=["DE"]).state == "success"
    return folder / "output"


def test_the_report_lists_the_category_unmapped_for_idealo_with_its_count(output: Path) -> None:
    gaps = json.loads(report_file(output, "categories.json").read_text(encoding="utf-8"))
    idealo = {g["category"]: g for g in gaps["gaps"] if g["channel"] == "idealo"}
    # The run's 24 food products (tea and oil): none has another category idealo maps.
    assert idealo["food"] == {
        "market": "DE",
        "channel": "idealo",
        "category": "food",
        "products": 24,
        "without_any": 24,
    }
    assert "food" not in {g["category"] for g in gaps["gaps"] if g["channel"] == "google"}
    page = report_file(output, "report.html").read_text(encoding="utf-8")
    assert 'data-channel="idealo" data-category="food"' in page
    block = report_file(output, "categories-to-map.toml").read_text(encoding="utf-8")
    assert '# [food] (24 products) lacks:\n# idealo = { DE = "..." }' in block


def test_the_paste_block_loads_as_toml_with_a_google_id_per_new_category(output: Path) -> None:
    block = report_file(output, "categories-to-map.toml").read_text(encoding="utf-8")
    tables = tomllib.loads(block)
    # The sample's categories the mapping lacks altogether, each with a suggested id.
    assert set(tables) == {"electronics", "lighting", "oil", "outdoor", "tea"}
    assert tables["tea"]["google"] == 2073  # Food, Beverages & Tobacco > ... > Tea & Infusions
    mapping = (ROOT / "config" / "categories.toml").read_text(encoding="utf-8")
    assert tomllib.loads(mapping + "\n" + block)  # pasted below the file, it still loads


def test_google_suggestions_include_the_ids_the_projects_mapping_uses() -> None:
    """From the sample's names alone (no mapping given), the ids config/categories.toml
    uses come back among the suggestions. Drinkware is mapped to 2169 (Drinkware > Mugs)
    though its products are bottles; the assistant suggests 674 (Drinkware) instead."""
    import csv

    words: dict[str, Counter[str]] = defaultdict(Counter)
    with (ROOT / "examples" / "sample_catalog" / "products.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            for category in filter(None, (row["categories"] or "").split(",")):
                words[category].update(name_words(row["name"] or "", row["brand"]))
    mapping = tomllib.loads((ROOT / "config" / "categories.toml").read_text(encoding="utf-8"))
    suggested = {
        category: [s.id for s in suggest_google_ids(category, distinctive_words(words, category))]
        for category in mapping
    }
    assert {c: mapping[c]["google"] in ids for c, ids in suggested.items()} == {
        "drinkware": False,
        "bags": True,
        "audio": True,
        "home": True,
        "food": True,
    }
    assert 674 in suggested["drinkware"]
