"""Time the catalog gate (Great Expectations) on a synthetic catalog; report seconds and peak RSS.

    python benchmarks/validate_catalog.py --products 1000000

Products are generated in memory from a fixed seed (about 2 % of them break a
rule: wrong GS1 check digit, missing brand, zero price, relative image path)
and streamed into the four validation tables. The GX import is timed apart, as
the one-off cost it is in a worker; "GX validation" is the suite's run over
the tables (four validation definitions, 15 expectations, COMPLETE results
with the sku as index column), without building Data Docs.
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()

    started = time.perf_counter()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401

    imported = time.perf_counter()
    from transforms.validation import catalog_tables, validate_tables

    tables = catalog_tables(synthetic_products(args.products), "en_US")
    built = time.perf_counter()
    result = validate_tables(tables, run_name="benchmark")
    validated = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"products            {args.products:>12,}")
    print(f"GX import (one-off) {imported - started:>11.1f} s")
    print(f"build tables        {built - imported:>11.1f} s")
    print(f"GX validation       {validated - built:>11.1f} s")
    print(f"quarantined         {len(result.quarantined):>12,}")
    print(f"findings            {len(result.findings):>12,}")
    print(f"peak RSS            {peak_mib:>11.1f} MiB")


if __name__ == "__main__":
    main()
