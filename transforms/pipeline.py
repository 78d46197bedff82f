"""The pipeline's steps as plain functions; the DAG wires them, tests call them directly.

A run lays out its staging area like this (``<run>`` is the logical date)::

    <staging>/<run>/catalog.jsonl            staged snapshot of the catalog
    <staging>/<run>/ingest_findings.jsonl    rows that could not be read
    <staging>/<run>/<market>/<channel>.xml   feeds, written but not yet published
    <staging>/<run>/<market>/findings.jsonl  products set aside in that market

and publishes to::

    <output>/<market>/<channel>.<ext>        the live feed, replaced atomically
    <output>/runs/<run>/findings.csv|jsonl   every finding of the run
    <output>/runs/<run>/summary.txt          what the run did, one line per market

Steps exchange small JSON-ready dicts (paths and counts), never data sets.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas.findings import Finding, write_findings_csv, write_findings_jsonl
from schemas.product import Product, product_from_json, product_to_json
from transforms.localize import localize
from transforms.storage import ensure_dir, publish_atomically

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from schemas.market import CatalogSource, Market
    from transforms.storage import StoragePath

SNAPSHOT = "catalog.jsonl"
INGEST_FINDINGS = "ingest_findings.jsonl"
MARKET_FINDINGS = "findings.jsonl"


def read_catalog(
    source: CatalogSource, *, conninfo: str | None = None
) -> Iterator[Product | Finding]:
    """Stream the configured catalog as products and ingestion findings.

    Args:
        source: The catalog section of the configuration.
        conninfo: libpq connection string, for the ``postgres`` format.
    """
    if source.format == "akeneo":
        from transforms.catalog_akeneo import read_akeneo

        assert source.path is not None
        return read_akeneo(
            Path(source.path),
            product_models=Path(source.product_models_path) if source.product_models_path else None,
            asset_base_url=source.asset_base_url,
            description_scopes=source.description_scopes,
        )
    if source.format == "csv":
        from transforms.catalog_native import read_native_csv

        assert source.path is not None
        return read_native_csv(Path(source.path))
    if source.format == "jsonl":
        from transforms.catalog_native import read_jsonl

        assert source.path is not None
        return read_jsonl(Path(source.path))
    from transforms.catalog_native import read_postgres

    if conninfo is None or source.query is None:
        raise ValueError("the postgres catalog needs a connection and a query")
    return read_postgres(conninfo, source.query)


def stage_catalog(
    items: Iterable[Product | Finding], run_dir: StoragePath | Path
) -> dict[str, Any]:
    """Write the staged snapshot and the ingestion findings of one run.

    Returns:
        ``snapshot`` path, ``products`` read, ``rejected_rows`` skipped and
        ``warnings`` about values that were ignored.
    """
    ensure_dir(run_dir)
    products = rejected = warnings = 0
    with (
        (run_dir / SNAPSHOT).open("w", encoding="utf-8") as snapshot,
        (run_dir / INGEST_FINDINGS).open("w", encoding="utf-8") as findings,
    ):
        for item in items:
            if isinstance(item, Product):
                snapshot.write(
                    json.dumps(product_to_json(item), ensure_ascii=False, sort_keys=True)
                )
                snapshot.write("\n")
                products += 1
            else:
                write_findings_jsonl((item,), findings)
                if item.severity == "error":
                    rejected += 1
                else:
                    warnings += 1
    return {
        "snapshot": str(run_dir / SNAPSHOT),
        "products": products,
        "rejected_rows": rejected,
        "warnings": warnings,
    }


def read_snapshot(path: StoragePath | Path) -> Iterator[Product]:
    """Stream the products of a staged snapshot."""
    with path.open("r", encoding="utf-8") as stream:
        for line in stream:
            yield product_from_json(json.loads(line))


def build_market_feeds(
    snapshot: StoragePath | Path, market: Market, market_dir: StoragePath | Path
) -> dict[str, Any]:
    """Localize every product for one market and write its feeds (unpublished).

    Returns:
        ``market``, ``products`` considered, ``set_aside`` for the whole market,
        ``reasons`` (rule -> number of products it set aside; channel rules
        are prefixed with the channel) and ``feeds``: one dict per channel
        with ``channel``, ``path`` and ``items`` written.
    """
    from feeds.registry import writer_class

    ensure_dir(market_dir)
    reasons: Counter[str] = Counter()
    products = set_aside = 0
    feeds: list[dict[str, Any]] = []
    with (market_dir / MARKET_FINDINGS).open("w", encoding="utf-8") as findings_stream:
        streams = []
        writers = []
        try:
            for channel in market.channels:
                cls = writer_class(channel)
                path = market_dir / f"{channel}.{cls.spec.extension}"
                stream = path.open("wb")
                streams.append(stream)
                writer = cls(stream, market)
                writer.write_header()
                writers.append(writer)
                feeds.append({"channel": channel, "path": str(path)})
            for product in read_snapshot(snapshot):
                products += 1
                listing = localize(product, market)
                if isinstance(listing, list):
                    set_aside += 1
                    reasons.update({f.rule for f in listing})
                    write_findings_jsonl(listing, findings_stream)
                    continue
                for writer in writers:
                    found = writer.write_item(listing)
                    reasons.update(
                        {f"{writer.spec.name}:{f.rule}" for f in found if f.severity == "error"}
                    )
                    write_findings_jsonl(found, findings_stream)
            for writer, feed in zip(writers, feeds, strict=True):
                writer.write_footer()
                writer.close()
                feed["items"] = writer.items_written
        finally:
            for stream in streams:
                stream.close()
    return {
        "market": market.code,
        "products": products,
        "set_aside": set_aside,
        "reasons": dict(sorted(reasons.items())),
        "feeds": feeds,
        "findings": str(market_dir / MARKET_FINDINGS),
    }


def publish_market(
    built: dict[str, Any], output_root: StoragePath | Path, path_factory: Any = Path
) -> list[dict[str, Any]]:
    """Publish one market's staged feeds atomically under ``<output>/<market>/``.

    Args:
        built: What `build_market_feeds` returned.
        output_root: Root of the published feeds.
        path_factory: Turns the staged path strings back into path objects
            (``ObjectStoragePath`` in the DAG).

    Returns:
        One dict per feed: ``market``, ``channel``, ``path``, ``items``, ``sha256``.
    """
    market_dir = output_root / built["market"]
    ensure_dir(market_dir)
    published = []
    for feed in built["feeds"]:
        source = path_factory(feed["path"])
        target = market_dir / source.name
        sha256 = publish_atomically(source, target)
        published.append(
            {
                "market": built["market"],
                "channel": feed["channel"],
                "path": str(target),
                "items": feed["items"],
                "sha256": sha256,
            }
        )
    return published


def write_run_report(
    run_id: str,
    staged: dict[str, Any],
    built: list[dict[str, Any]],
    published: list[dict[str, Any]] | None,
    report_dir: StoragePath | Path,
    path_factory: Any = Path,
) -> str:
    """Gather every finding of the run into CSV and JSON Lines and write the summary.

    Args:
        published: Feeds published, or None for a dry run.

    Returns:
        The summary text (also written to ``summary.txt``).
    """
    ensure_dir(report_dir)
    sources = [path_factory(staged["snapshot"]).parent / INGEST_FINDINGS]
    sources += [path_factory(b["findings"]) for b in built]

    def all_findings() -> Iterator[Finding]:
        for source in sources:
            with source.open("r", encoding="utf-8") as stream:
                for line in stream:
                    yield Finding.from_json(line)

    with (report_dir / "findings.jsonl").open("w", encoding="utf-8") as stream:
        total = write_findings_jsonl(all_findings(), stream)
    with (report_dir / "findings.csv").open("w", encoding="utf-8", newline="") as stream:
        write_findings_csv(all_findings(), stream)

    lines = [
        f"grenzenlos run {run_id}: {staged['products']} products read, "
        f"{staged['rejected_rows']} rows rejected, {total} findings",
    ]
    published_by_key = {(p["market"], p["channel"]): p for p in published or []}
    for result in sorted(built, key=lambda r: r["market"]):
        reasons = ", ".join(f"{rule} {count}" for rule, count in result["reasons"].items())
        for feed in result["feeds"]:
            target = published_by_key.get((result["market"], feed["channel"]))
            where = _for_people(target["path"]) if target else "not published (dry run)"
            lines.append(
                f"{result['market']:<3} {feed['channel']:<8} {feed['items']:>6} listed, "
                f"{result['products'] - feed['items']:>6} set aside"
                + (f" ({reasons})" if reasons else "")
                + f" -> {where}"
            )
    lines.append(f"findings: {_for_people(str(report_dir / 'findings.csv'))}")
    summary = "\n".join(lines) + "\n"
    with (report_dir / "summary.txt").open("w", encoding="utf-8") as stream:
        stream.write(summary)
    return summary


def _for_people(location: str) -> str:
    """A local file URL as a plain path, which terminals and file managers open."""
    return location.removeprefix("file://")
