"""Time ingestion and Google feed writing on a synthetic catalog; report rate and peak memory.

    python benchmarks/ingest_and_feed.py --products 100000

Runs in one process on one core: generate the catalog, ingest it (read the
Akeneo CSV, stage the JSON Lines snapshot), then localize it for one market
(DE, as configured in config/markets.toml), check the Google channel's
required attributes and write that market's Google feed. Prints seconds per phase, listings
per second for localize + write, and the process's peak resident memory.
Run it at two sizes: peak memory should not grow with the catalog.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic_catalog import generate  # noqa: E402
from pipeline.build import build_market_feeds  # noqa: E402
from pipeline.extract import load_rates, stage_catalog, stage_rates  # noqa: E402
from schemas.config.loader import load_config  # noqa: E402
from transforms.catalog.akeneo import read_akeneo  # noqa: E402

CONFIG = load_config(Path(__file__).resolve().parent.parent / "config" / "markets.toml")
# The Google feed only, as this benchmark has always measured (benchmarks/feeds.py times
# every channel's writer).
MARKET = CONFIG.market("DE").model_copy(update={"channels": ["google"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        catalog = work / "products.csv"
        started = time.perf_counter()
        generate(catalog, args.products)
        generated = time.perf_counter()
        staged = stage_catalog(
            read_akeneo(catalog, asset_base_url="https://cdn.example/"), work / "run"
        )
        ingested = time.perf_counter()
        built = build_market_feeds(
            Path(staged["snapshot"]),
            MARKET,
            work / "run" / "DE",
            pricing=CONFIG.pricing,
            rates=load_rates(Path(stage_rates(CONFIG.pricing, work / "run"))),
            requirements={"google": CONFIG.requirements(MARKET, "google")},
            quarantine={},
        )
        written = time.perf_counter()
        feed_size = Path(built["feeds"][0]["path"]).stat().st_size
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    listings = built["feeds"][0]["items"]
    localize_seconds = written - ingested
    print(f"products            {args.products:>12,}")
    print(f"generate            {generated - started:>11.1f} s")
    ingest_seconds = ingested - generated
    ingest_rate = args.products / ingest_seconds
    localize_rate = args.products / localize_seconds
    print(f"ingest (read+stage) {ingest_seconds:>11.1f} s  {ingest_rate:>10,.0f} products/s")
    print(f"localize + write    {localize_seconds:>11.1f} s  {localize_rate:>10,.0f} listings/s")
    print(f"listed / set aside  {listings:>12,} / {built['set_aside']:,}")
    print(f"feed size           {feed_size / 2**20:>11.1f} MiB")
    print(f"peak RSS            {peak_mib:>11.1f} MiB")


if __name__ == "__main__":
    main()
