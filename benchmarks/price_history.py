"""The price history at scale: one night of a channel with a million skus, per market.

    python benchmarks/price_history.py --skus 1000000 --markets 14

For each market, a live history (`transforms.infra.price_history.FileHistory`) is made as
55 nights would leave it: every sku with three price intervals (100, 95, 120 as in #27's
scenario), one in ten on sale tonight. Then the night runs as `write_channel` runs it, with
the real `pipeline.channel_prices.ChannelPrices` (the writer itself left out): the live
history streamed into the channel's scratch store (the read), each listing checked against
the prior price and recorded, and tonight's history staged in sku order (the write). It
prints, per market, the live file's size, the seconds of each phase and the process's
peak RSS, which stays flat from one market to the next and as the skus grow: the history
waits in SQLite, never in a dict.

Markets run one after another in this process, as 14 ``write_channel`` tasks would each run
one; a market's read is its own channel's file only.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TONIGHT = date(2026, 11, 25)
HISTORY = (
    "2026-10-01/2026-11-09 100.00 EUR;"
    "2026-11-10/2026-11-14 95.00 EUR;"
    "2026-11-15/2026-11-24 120.00 EUR"
)
SALE_SHARE = 10
"""One sku in this many is on sale tonight."""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_live(path: Path, skus: int) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for n in range(skus):
            stream.write(json.dumps([f"SKU-{n:08d}", HISTORY]) + "\n")


def night(code: str, folder: Path, skus: int) -> dict[str, float]:
    from feeds.scratch import ScratchStore
    from pipeline.channel_prices import ChannelPrices
    from schemas.config.market import Market
    from schemas.listing import Listing, Sale
    from schemas.product import Money
    from transforms.infra.price_history import FileHistory, history_name

    market_dir = folder / code
    market_dir.mkdir(parents=True, exist_ok=True)
    write_live(market_dir / history_name("google"), skus)
    market = Market(
        code=code,
        country="DE",
        locale="de_DE",
        currency="EUR",
        channels=["google"],
        product_url="https://shop.example/{sku}",
    )
    regular, reduced = Money(Decimal("120.00"), "EUR"), Money(Decimal("90.00"), "EUR")
    staging = folder / "staging" / code
    staging.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {
        "live_mib": (market_dir / history_name("google")).stat().st_size / 2**20
    }
    with ScratchStore() as store:
        started = time.perf_counter()
        prices = ChannelPrices(market, "google", TONIGHT, store, FileHistory(folder))
        figures["read_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for n in range(skus):
            listing = Listing(
                sku=f"SKU-{n:08d}",
                market=code,
                locale="de_DE",
                text_locale="de_DE",
                title="",
                description="",
                link="",
                price=regular,
                availability="in_stock",
                sale=Sale(reduced, reference=regular) if n % SALE_SHARE == 0 else None,
            )
            listing, _ = prices.adjust(listing)
            prices.record(listing)
        figures["listings_s"] = time.perf_counter() - started
        started = time.perf_counter()
        prices.finish(staging)
        figures["write_s"] = time.perf_counter() - started
        figures["sales"] = prices.sales
        figures["corrections"] = prices.corrections
    figures["peak_rss_mib"] = peak_mib()
    (market_dir / history_name("google")).unlink()
    (staging / history_name("google")).unlink()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=1_000_000)
    parser.add_argument("--markets", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grenzenlos-history-") as folder:
        print(f"{args.skus} skus per market, {args.markets} markets, one channel each")
        for number in range(args.markets):
            figures = night(f"M{number:02d}", Path(folder), args.skus)
            print(
                f"market {number + 1:>2}: live file {figures['live_mib']:.0f} MiB, "
                f"read {figures['read_s']:.1f} s, listings {figures['listings_s']:.1f} s, "
                f"write {figures['write_s']:.1f} s, sales {figures['sales']:.0f}, "
                f"corrections {figures['corrections']:.0f}, "
                f"peak RSS {figures['peak_rss_mib']:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
