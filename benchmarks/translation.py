"""Time the translation memory and count what a delta run sends to DeepL.

    python benchmarks/translation.py --segments 1000000 --products 100000

1. Memory: store ``--segments`` machine entries in a SQLite memory (a fresh file
   in a temporary folder), then look every key up again in chunks of 10,000, as
   a run does; prints entries per second for both and the file size. With
   ``--postgres CONNINFO`` the same against PostgreSQL (in a scratch schema).
2. Delta run: ``--products`` products with English HTML descriptions (seeded
   words) are translated into German through the real `deepl` client and the
   local DeepL API server of the tests; then 1 % of the descriptions change and
   the run repeats. Prints requests, characters sent and seconds of both runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.market import Market, Translation  # noqa: E402
from schemas.product import ANY_LOCALE, Product  # noqa: E402
from tests.deepl_server import FakeDeepL  # noqa: E402
from transforms.glossary import Glossary  # noqa: E402
from transforms.translate import translate_catalog  # noqa: E402
from transforms.translation_memory import NewEntry, Segment, TranslationMemory  # noqa: E402

WORDS = (
    "light sturdy compact quiet fast steel recycled waterproof wireless ergonomic modular "
    "foldable durable precise efficient bottle lid strap pocket battery lamp tea oil"
).split()


def memory_throughput(memory: TranslationMemory, segments: int, label: str) -> None:
    started = time.perf_counter()
    keys = []
    batch: list[NewEntry] = []
    for n in range(segments):
        text = f"<p>Product text number {n}, {WORDS[n % len(WORDS)]}.</p>"
        segment = Segment(text, "EN", "DE", "more", "", "html", "")
        key = segment.machine_key
        keys.append(key)
        batch.append(NewEntry(key, "machine", "EN", "DE", "", text, f"<p>Text {n}.</p>"))
        if len(batch) == 10_000:
            memory.store(batch, "bench")
            batch = []
    memory.store(batch, "bench")
    stored = time.perf_counter() - started
    started = time.perf_counter()
    found = 0
    for start in range(0, len(keys), 10_000):
        found += len(memory.lookup(keys[start : start + 10_000]))
    looked = time.perf_counter() - started
    assert found == segments, (found, segments)
    print(f"[{label}] store {segments:,} entries   {stored:7.1f} s  {segments / stored:>10,.0f} /s")
    print(f"[{label}] lookup {segments:,} keys     {looked:7.1f} s  {segments / looked:>10,.0f} /s")


def catalog(products: int, changed: set[int], rng_seed: int = 11) -> list[Product]:
    rng = random.Random(rng_seed)
    items = []
    for n in range(products):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        text = f"<p>{words.capitalize()}, model {n}.</p><ul><li>{rng.randint(1, 99)} cm</li></ul>"
        if n in changed:
            text = text.replace("</p>", " Now with a new lid.</p>")
        items.append(
            Product(
                sku=f"B-{n:07d}",
                title={ANY_LOCALE: f"Product {n}"},
                description={"en_US": text},
                categories=[f"category-{n % 40}"],
            )
        )
    return items


def delta_run(products: int) -> None:
    server = FakeDeepL().start()
    market = Market.model_validate(
        {
            "code": "DE",
            "country": "DE",
            "locale": "de_DE",
            "currency": "EUR",
            "channels": ["google"],
            "product_url": "https://shop.example/{sku}",
            "formality": "more",
        }
    )
    settings = Translation.model_validate(
        {
            "fields": ["description"],
            "server_url": server.url,
            "character_budget": 10**9,
        }
    )
    glossary = Glossary("EN", ("Nordquell",), {"DE": {"steel": "Stahl"}})
    changed = set(random.Random(3).sample(range(products), products // 100))
    with (
        tempfile.TemporaryDirectory() as scratch,
        TranslationMemory.open_sqlite(Path(scratch) / "memory.sqlite") as memory,
    ):
        for label, items in (
            ("first run", catalog(products, set())),
            ("1 % changed", catalog(products, changed)),
        ):
            server.reset_log()
            started = time.perf_counter()
            outcome = translate_catalog(
                lambda items=items: items,  # type: ignore[misc]
                [market],
                settings,
                glossary,
                memory,
                Path(scratch) / label,
                review_dir=Path(scratch) / label / "review",
                auth_key=server.auth_key,
                run=label,
            )
            seconds = time.perf_counter() - started
            report = outcome.report["languages"]["DE"]
            requests = len(server.translate_requests)
            print(
                f"[{label:>11}] {products:,} products: {requests:,} requests, "
                f"{server.characters_received:,} characters sent, "
                f"{report['characters_billed']:,} billed, hit rate {report['hit_rate']:.1%}, "
                f"{seconds:.1f} s"
            )
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--postgres", help="libpq conninfo to time a PostgreSQL memory too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "memory.sqlite"
        with TranslationMemory.open_sqlite(path) as memory:
            memory_throughput(memory, args.segments, "sqlite")
        print(f"[sqlite] file size {path.stat().st_size / 2**20:,.0f} MiB")
    if args.postgres:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        try:
            conninfo = f"{args.postgres} options=-csearch_path={schema}"
            with TranslationMemory.open_postgres(conninfo) as memory:
                memory_throughput(memory, args.segments, "postgres")
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
    delta_run(args.products)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
