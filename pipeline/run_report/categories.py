"""The run report's category mapping assistant: every catalog category that has no mapping
for a channel and market (``config/categories.toml``), with its product count, and for
Google the taxonomy ids its code and its products' names suggest
(`transforms.category_suggestions`), as a block ready to paste into the mapping file.

Written by the ``summary`` step beside the report (``categories.json`` for the page,
``categories-to-map.toml`` for the data team) from one pass over the run's snapshot.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.layout import read_snapshot
from schemas.categories import load_category_map
from transforms.category_suggestions import (
    distinctive_words,
    google_taxonomy,
    name_words,
    suggest_google_ids,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from schemas.config.pipeline import PipelineConfig
    from transforms.infra.storage import StoragePath

LOG = logging.getLogger(__name__)
CATEGORY_GAPS = "categories.json"
PASTE_BLOCK = "categories-to-map.toml"


def write_category_gaps(
    config: PipelineConfig,
    snapshot: StoragePath | Path,
    markets: Sequence[str],
    report_dir: StoragePath | Path,
) -> dict[str, Any] | None:
    """`category_gaps`, logged rather than raised when it fails (a mapping file that does
    not load, a snapshot cut short): the run's summary and report stand without it."""
    try:
        return category_gaps(config, snapshot, markets, report_dir)
    except Exception as error:
        LOG.exception("The category mapping assistant could not run: %s", error)
        return None


def category_gaps(
    config: PipelineConfig,
    snapshot: StoragePath | Path,
    markets: Sequence[str],
    report_dir: StoragePath | Path,
) -> dict[str, Any]:
    """Find the run's unmapped categories and write ``categories.json`` and
    ``categories-to-map.toml`` into ``report_dir``; returns what ``categories.json`` holds.

    A gap is (market, channel, category): the channel is one the market publishes to and
    the mapping file names for some category (a channel that takes no category has none);
    ``products`` counts the category's products, ``without_any`` those of them that no other
    of their categories maps either (they go out without a category, or are set aside
    where the channel requires one).
    """
    categories_path = Path(config.categories_path) if config.categories_path else None
    mapping = load_category_map(categories_path, markets=config.markets)
    products: Counter[str] = Counter()
    combinations: Counter[tuple[str, ...]] = Counter()
    words: dict[str, Counter[str]] = defaultdict(Counter)
    locale = config.translation.source_locale
    for product in read_snapshot(snapshot):
        combination = tuple(dict.fromkeys(c for c in product.categories if c))
        combinations[combination] += 1
        name = product.title.get(locale) or next(iter(product.title.values()), "")
        found = name_words(name, product.brand)
        for category in combination:
            products[category] += 1
            words[category].update(found)
    channels = {c for entry in mapping.entries.values() for c in entry}
    gaps: list[dict[str, Any]] = []
    for code in markets:
        market = config.market(code)
        for channel in market.channels:
            if channel not in channels:
                continue
            mapped = mapping.for_channel(channel, code)
            for category in sorted(set(products) - set(mapped)):
                without = sum(
                    n
                    for combo, n in combinations.items()
                    if category in combo and not any(c in mapped for c in combo)
                )
                gaps.append(
                    {
                        "market": code,
                        "channel": channel,
                        "category": category,
                        "products": products[category],
                        "without_any": without,
                    }
                )
    taxonomy = google_taxonomy()
    suggestions = {
        category: [
            {"id": s.id, "path": s.path, "score": s.score}
            for s in suggest_google_ids(category, distinctive_words(words, category), taxonomy)
        ]
        for category in sorted({g["category"] for g in gaps if g["channel"] == "google"})
    }
    block = paste_block(gaps, suggestions, set(mapping.entries), products, taxonomy.version)
    report = {
        "gaps": gaps,
        "google": suggestions,
        "taxonomy_version": taxonomy.version,
        "paste_block": block,
    }
    with (report_dir / CATEGORY_GAPS).open("w", encoding="utf-8") as stream:
        json.dump(report, stream, ensure_ascii=False, indent=1)
    with (report_dir / PASTE_BLOCK).open("w", encoding="utf-8") as stream:
        stream.write(block)
    return report


def paste_block(
    gaps: Sequence[dict[str, Any]],
    google: dict[str, list[dict[str, Any]]],
    known: set[str],
    products: Counter[str],
    version: str,
) -> str:
    """The lines to add to ``config/categories.toml``: a table per category the file does
    not have yet, Google's best suggestion as its value and the others as comments; for a
    category the file has, what to add to its table, as comments (a second ``[table]``
    would not load). Other channels' names are the channel's own: left for a person.

    >>> print(paste_block(
    ...     [{"market": "DE", "channel": "google", "category": "tea", "products": 13,
    ...       "without_any": 0},
    ...      {"market": "DE", "channel": "idealo", "category": "food", "products": 25,
    ...       "without_any": 0}],
    ...     {"tea": [{"id": 2073, "path": "Food > Tea & Infusions", "score": 100.0}]},
    ...     {"food"}, Counter({"tea": 13, "food": 25}), "2021-09-21"), end="")
    # Categories without a mapping (Google ids suggested by text similarity against
    # Google's product taxonomy of 2021-09-21): check each before going live.
    <BLANKLINE>
    # [food] (25 products) lacks:
    # idealo = { DE = "..." }
    <BLANKLINE>
    [tea]  # 13 products
    google = 2073  # Food > Tea & Infusions
    """
    lines = [
        "# Categories without a mapping (Google ids suggested by text similarity against",
        f"# Google's product taxonomy of {version}): check each before going live.",
    ]
    by_category: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for gap in gaps:
        by_category[gap["category"]][gap["channel"]].append(gap["market"])
    for category, channels in sorted(by_category.items()):
        new = category not in known
        lines.append("")
        lines.append(
            f"[{category}]  # {products[category]} products"
            if new
            else f"# [{category}] ({products[category]} products) lacks:"
        )
        prefix = "" if new else "# "
        for channel, markets in sorted(channels.items()):
            if channel == "google" and google.get(category):
                best, *others = google[category]
                lines.append(f"{prefix}google = {best['id']}  # {best['path']}")
                lines += [f"#   or {o['id']}: {o['path']}" for o in others]
            else:
                table = ", ".join(f'{m} = "..."' for m in sorted(set(markets)))
                lines.append(f"# {channel} = {{ {table} }}")
    return "\n".join(lines) + "\n"


def read_category_gaps(report_dir: StoragePath | Path) -> dict[str, Any] | None:
    """What the page's category section shows (``categories.json``); None without one."""
    path = report_dir / CATEGORY_GAPS
    if not path.exists():
        return None
    with path.open("r", encoding="utf-8") as stream:
        loaded: dict[str, Any] = json.load(stream)
    return loaded if loaded.get("gaps") else None
