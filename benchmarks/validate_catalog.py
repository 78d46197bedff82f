"""Time the catalog gate (Great Expectations) on a synthetic catalog; report seconds and peak RSS.

    python benchmarks/validate_catalog.py --products 1000000 [--batch-size 50000] [--docs]

Products are generated from a fixed seed (about 2 % of them break a rule: wrong
GS1 check digit, missing brand, zero price, relative image path) and streamed
into `validate_catalog`, which reads them in batches, as the pipeline streams a
snapshot. The GX import is timed apart, as the one-off cost it is in a worker;
"generate products" is the time spent in the generator (a stand-in for reading
the snapshot), measured inside the stream. Findings go to /dev/null as JSON
lines, as the pipeline writes them; Data Docs are built only with ``--docs``.
Peak RSS is the process's ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.gtin import gs1_check_digit  # noqa: E402
from schemas.product import ANY_LOCALE, Money, Product, Quantity  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

WORDS = "robust light compact quiet fast steel recycled waterproof wireless ergonomic".split()


def synthetic_products(count: int, seed: int = 11) -> Iterator[Product]:
    """Yield ``count`` products; about 2 % break one catalog rule each."""
    rng = random.Random(seed)
    for n in range(count):
        body = "40" + "".join(rng.choice("0123456789") for _ in range(10))
        gtin = body + str(gs1_check_digit(body))
        brand: str | None = rng.choice(("Nordquell", "Bergfink", "Klangwerk"))
        price = Decimal(rng.randint(199, 99999)).scaleb(-2)
        image = f"https://cdn.example/{n}.jpg"
        dirt = rng.random()
        if dirt < 0.005:
            gtin = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
        elif dirt < 0.010:
            brand = None
        elif dirt < 0.015:
            price = Decimal("0.00")
        elif dirt < 0.020:
            image = f"files/{n}.jpg"
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        yield Product(
            sku=f"SYN-{n:08d}",
            gtin=gtin,
            brand=brand,
            title={ANY_LOCALE: f"Bottle {n}"},
            description={"en_US": f"<p>{words}</p>"},
            prices={"EUR": Money(price, "EUR"), "USD": Money(price * Decimal("1.09"), "USD")},
            image_links=[image],
            weight=Quantity(Decimal(rng.randint(50, 5000)), "g"),
        )


def timed(products: Iterator[Product], spent: list[float]) -> Iterator[Product]:
    """Pass ``products`` through, adding the time spent producing them to ``spent[0]``."""
    clock = time.perf_counter
    while True:
        started = clock()
        product = next(products, None)
        spent[0] += clock() - started
        if product is None:
            return
        yield product


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--docs", action="store_true", help="also build the Data Docs")
    args = parser.parse_args()

    started = time.perf_counter()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401

    from transforms.validation.run import BATCH_SIZE, validate_catalog

    imported = time.perf_counter()
    generating = [0.0]
    with (
        tempfile.TemporaryDirectory() as docs,
        open(os.devnull, "w", encoding="utf-8") as findings,
    ):
        result = validate_catalog(
            timed(synthetic_products(args.products), generating),
            source_locale="en_US",
            docs_dir=Path(docs) if args.docs else None,
            run_name="benchmark",
            batch_size=args.batch_size or BATCH_SIZE,
            findings_to=findings,
        )
    validated = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"products            {args.products:>12,}")
    print(f"batch size          {args.batch_size or BATCH_SIZE:>12,}")
    print(f"GX import (one-off) {imported - started:>11.1f} s")
    print(f"generate products   {generating[0]:>11.1f} s")
    print(f"validate_catalog    {validated - imported - generating[0]:>11.1f} s")
    print(f"wall, all of it     {validated - started:>11.1f} s")
    print(f"quarantined         {len(result.quarantined):>12,}")
    print(f"warnings            {result.warnings:>12,}")
    print(f"peak RSS            {peak_mib:>11.1f} MiB")


if __name__ == "__main__":
    main()
