"""Seeded generator of synthetic catalogs in Akeneo's CSV export format, any size.

    python benchmarks/synthetic_catalog.py --products 100000 --out /tmp/catalog.csv

The same seed and size always give the same file. Rows are written one at a
time, so generating a million products needs no more memory than ten.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

COLUMNS = (
    "sku categories enabled family brand ean name description-de_DE-ecommerce "
    "description-en_US-ecommerce description-fr_FR-ecommerce image price-EUR price-USD "
    "weight weight-unit"
).split()
WORDS = (
    "robust leicht kompakt leise schnell edelstahl recycelt wasserdicht kabellos ergonomisch "
    "modular faltbar langlebig präzise sparsam hochwertig"
).split()
FAMILIES = ("bottles", "backpacks", "headphones", "lamps", "teas", "oils")


def _ean13(rng: random.Random) -> str:
    body = "40" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, products: int, seed: int = 7) -> None:
    """Write ``products`` synthetic rows to ``path``."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(products):
            family = FAMILIES[n % len(FAMILIES)]
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            price = rng.randint(199, 99999) / 100
            writer.writerow(
                [
                    f"SYN-{n:08d}",
                    f"{family},synthetic",
                    "1",
                    family,
                    rng.choice(("Nordquell", "Bergfink", "Klangwerk", "Lichtform")),
                    _ean13(rng),
                    f"{family.title()} {n} {rng.choice(WORDS)}",
                    f"<p>{words}</p><ul><li>{rng.choice(WORDS)}</li></ul>",
                    f"<p>{words}</p>",
                    f"<p>{words}</p>" if n % 3 else "",
                    f"files/{family}/{n}.jpg",
                    f"{price:.2f}",
                    f"{price * 1.09:.2f}" if n % 4 else "",
                    str(rng.randint(50, 5000)),
                    "GRAM",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.products, args.seed)


if __name__ == "__main__":
    main()
