"""Time every channel's writer and file check: N products for each market that uses it.

    python benchmarks/feeds.py --products 100000

Markets DE, FR, PL, US and CN with the channels config/markets.toml gives them.
Each channel runs in its own process (so its peak RSS is its own): listings are
built in memory from seeded values (no catalog reading or localization, which
the ingest benchmark times), written through the channel's writer into files
of the real layout (Amazon split at 10,000 messages), then every file goes
through the channel's format check, as before publishing. Prints, per channel,
items written, seconds to write, seconds to check, and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds.contract import WriterContext  # noqa: E402
from feeds.scratch import ScratchStore  # noqa: E402
from pipeline.channels import writer_class  # noqa: E402
from schemas.categories import load_category_map  # noqa: E402
from schemas.config.loader import load_config  # noqa: E402
from schemas.listing import Listing  # noqa: E402
from schemas.product import Money, Quantity  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MARKETS = ("DE", "FR", "PL", "US", "CN")
WORDS = "leicht robust kompakt leise edelstahl recycelt wasserdicht kabellos faltbar".split()
CATEGORIES = ("drinkware", "bags", "audio", "home", "food")


def _gtin(serial: int) -> str:
    body = f"426099{serial:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def listings(market_code: str, count: int) -> list[Listing]:
    config = load_config(ROOT / "config" / "markets.toml", env={})
    market = config.market(market_code)
    rng = random.Random(17)
    result = []
    for n in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(30))
        result.append(
            Listing(
                sku=f"B-{n:07d}",
                market=market.code,
                locale=market.locale,
                text_locale=market.locale,
                title=f"Produkt {n} {rng.choice(WORDS)} {rng.randint(100, 999)} ml",
                description=f"<p>{words}.</p><ul><li>{rng.randint(1, 99)} cm</li></ul>",
                link=market.link_for(f"B-{n:07d}"),
                price=Money(Decimal(rng.randint(199, 99999)).scaleb(-2), market.currency),
                availability="in_stock",
                image_links=(f"https://cdn.example/{n}-1.jpg", f"https://cdn.example/{n}-2.jpg"),
                brand="Nordquell",
                gtin=_gtin(n % 999_999),
                mpn=f"M-{n}",
                categories=(CATEGORIES[n % len(CATEGORIES)],),
                weight=Quantity(Decimal(rng.randint(50, 5000)), "g"),
                length=Quantity(Decimal(rng.randint(5, 80)), "cm"),
                width=Quantity(Decimal(rng.randint(5, 80)), "cm"),
                height=Quantity(Decimal(rng.randint(5, 80)), "cm"),
                bullet_points=(f"{rng.choice(WORDS)} {n}", f"{rng.choice(WORDS)} design"),
            )
        )
    return result


def run_channel(channel: str, count: int) -> None:
    """Write and check one channel for every market that uses it; print one result line."""
    from pipeline.channel_files import ChannelFiles

    config = load_config(ROOT / "config" / "markets.toml", env={})
    categories = load_category_map(ROOT / "config" / "categories.toml")
    cls = writer_class(channel)
    written = 0
    write_seconds = check_seconds = 0.0
    problems = 0
    with tempfile.TemporaryDirectory() as scratch:
        for code in MARKETS:
            market = config.market(code)
            if channel not in market.channels:
                continue
            items = listings(code, count)
            folder = Path(scratch) / code
            folder.mkdir()
            context = WriterContext(
                channel=config.channels[channel],  # type: ignore[index]
                categories=categories.for_channel(channel, code),
            )
            # The context's per-item tables live in the store; the file check reads them.
            store = ScratchStore()
            started = time.perf_counter()
            with ExitStack() as stack:
                files = ChannelFiles(
                    cls, market, folder, stack, context, store, previous_state=None, delta=False
                )
                for item in items:
                    files.write(item)
                files._close()
            write_seconds += time.perf_counter() - started
            started = time.perf_counter()
            for part in files.parts:
                problems += len(cls.check_file(Path(part["path"]), context.checked))
                written += part["items"]
            check_seconds += time.perf_counter() - started
            store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{channel:<10} {written:>9,} items  write {write_seconds:7.1f} s  "
        f"check {check_seconds:7.1f} s  ({written / write_seconds:>8,.0f} items/s)  "
        f"peak RSS {peak:7.1f} MiB  problems {problems}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--channel", help="run one channel in this process (used internally)")
    args = parser.parse_args()
    if args.channel:
        run_channel(args.channel, args.products)
        return
    config = load_config(ROOT / "config" / "markets.toml", env={})
    channels = sorted({c for code in MARKETS for c in config.market(code).channels})
    print(f"{args.products:,} products x markets {', '.join(MARKETS)}")
    for channel in channels:
        subprocess.run(
            [sys.executable, __file__, "--channel", channel, "--products", str(args.products)],
            check=True,
        )


if __name__ == "__main__":
    main()
