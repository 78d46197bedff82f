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
3. Warm run, each part in a fresh process so that its peak RSS is its own:
   ``--warm-products`` products (title, HTML description, three bullet points from
   a small shared set) for eight markets in six translation units, from a memory
   that holds every segment (seeded through `segments_for`, as the nightly
   benchmark does); no DeepL key. Prints products per second and peak RSS of
   `translate_catalog`, then of reading the German file back in snapshot order
   with `read_market_translations`, as the build does.
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.config.market import Market  # noqa: E402
from schemas.config.pipeline import Translation  # noqa: E402
from schemas.product import ANY_LOCALE, Product  # noqa: E402
from tests.deepl_server import FakeDeepL  # noqa: E402
from transforms.translation.glossary import Glossary  # noqa: E402
from transforms.translation.memory import NewEntry, Segment, TranslationMemory  # noqa: E402
from transforms.translation.outcome import read_market_translations  # noqa: E402
from transforms.translation.planning import segments_for  # noqa: E402
from transforms.translation.run import translate_catalog  # noqa: E402

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


def catalog(products: int, changed: set[int], rng_seed: int = 11) -> Iterator[Product]:
    """The products, made as they are read (a run streams its snapshot)."""
    rng = random.Random(rng_seed)
    for n in range(products):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        text = f"<p>{words.capitalize()}, model {n}.</p><ul><li>{rng.randint(1, 99)} cm</li></ul>"
        if n in changed:
            text = text.replace("</p>", " Now with a new lid.</p>")
        yield Product(
            sku=f"B-{n:07d}",
            title={ANY_LOCALE: f"Product {n}"},
            description={"en_US": text},
            categories=[f"category-{n % 40}"],
        )


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
        for label, edited in (("first run", set()), ("1 % changed", changed)):
            server.reset_log()
            started = time.perf_counter()
            outcome = translate_catalog(
                lambda edited=edited: catalog(products, edited),  # type: ignore[misc]
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


WARM_MARKETS: list[dict[str, Any]] = [
    {"code": "DE", "locale": "de_DE", "formality": "more"},
    {"code": "AT", "locale": "de_AT", "formality": "more", "text_locales": ["de_AT", "de_DE"]},
    {"code": "FR", "locale": "fr_FR", "formality": "more"},
    {"code": "PL", "locale": "pl_PL"},
    {"code": "IT", "locale": "it_IT"},
    {"code": "NL", "locale": "nl_NL"},
    {"code": "SE", "locale": "sv_SE"},
    {"code": "GB", "locale": "en_GB", "text_locales": ["en_GB", "en_US"]},
]
BULLETS = [f"{a.capitalize()} and {b}" for a in WORDS for b in WORDS[:8]]


def warm_catalog(products: int) -> Iterator[Product]:
    rng = random.Random(5)
    for n in range(products):
        words = " ".join(rng.choice(WORDS) for _ in range(16))
        yield Product(
            sku=f"W-{n:07d}",
            brand="Nordquell",
            title={ANY_LOCALE: f"Nordquell {rng.choice(WORDS)} bottle {n}"},
            description={"en_US": f"<p>{words.capitalize()}, model {n}.</p>"},
            bullet_points={"en_US": rng.sample(BULLETS, 3)},
            categories=[f"category-{n % 40}"],
        )


def _warm_setup(products: int) -> tuple[list[Market], Translation, Glossary]:
    markets = [
        Market.model_validate(
            {
                "country": m["locale"][-2:],
                "currency": "EUR",
                "channels": ["google"],
                "product_url": "https://shop.example/{sku}",
                **m,
            }
        )
        for m in WARM_MARKETS
    ]
    settings = Translation.model_validate({"fields": ["title", "description", "bullet_points"]})
    glossary = Glossary("EN", ("Nordquell",), {"DE": {"steel": "Stahl"}, "FR": {"steel": "acier"}})
    return markets, settings, glossary


def warm_seed(folder: Path, products: int) -> None:
    markets, settings, glossary = _warm_setup(products)
    with TranslationMemory.open_sqlite(folder / "memory.sqlite") as memory:
        batch: dict[str, NewEntry] = {}
        for product in warm_catalog(products):
            for market in markets:
                for _name, _index, segment in segments_for(product, market, settings, glossary):
                    text = segment.source_text
                    batch[segment.machine_key] = NewEntry(
                        segment.machine_key, "machine", "EN", segment.target, "", text, text
                    )
            if len(batch) >= 20_000:
                memory.store(list(batch.values()), "seed")
                batch = {}
        memory.store(list(batch.values()), "seed")


def warm_translate(folder: Path, products: int) -> tuple[float, float, int]:
    markets, settings, glossary = _warm_setup(products)
    started = time.perf_counter()
    with TranslationMemory.open_sqlite(folder / "memory.sqlite") as memory:
        outcome = translate_catalog(
            lambda: warm_catalog(products),
            markets,
            settings,
            glossary,
            memory,
            folder / "translations",
            review_dir=folder / "review",
            auth_key=None,
            run="warm",
        )
    seconds = time.perf_counter() - started
    segments = sum(lang["segments"] for lang in outcome.report["languages"].values())
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, segments


def warm_read(folder: Path, products: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    found = 0
    with read_market_translations(folder / "translations" / "DE.jsonl") as translated:
        for product in warm_catalog(products):
            found += translated.get(product.sku) is not None
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, found


def warm_run(products: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for step in (warm_seed, warm_translate, warm_read):
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                result = pool.submit(step, folder, products).result()
            if result is None:
                continue
            seconds, rss, count = result
            what = "segments" if step is warm_translate else "products with a line"
            print(
                f"[warm {step.__name__[5:]:>9}] {products:,} products in {seconds:6.1f} s, "
                f"{products / seconds:>8,.0f} products/s, peak RSS {rss:5,.0f} MiB "
                f"({count:,} {what})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--postgres", help="libpq conninfo to time a PostgreSQL memory too")
    parser.add_argument("--warm-products", type=int, default=100_000)
    parser.add_argument(
        "--only-warm", action="store_true", help="run the warm run only (no memory, no delta)"
    )
    args = parser.parse_args()
    if args.only_warm:
        warm_run(args.warm_products)
        return
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
    warm_run(args.warm_products)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
