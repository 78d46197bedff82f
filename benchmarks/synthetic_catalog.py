"""Seeded generator of synthetic catalogs in Akeneo's CSV export format, any size.

    python benchmarks/synthetic_catalog.py --products 100000 --out /tmp/catalog.csv

The same seed and size always give the same file. Rows are written one at a
time, so generating a million products needs no more memory than ten. With
``--every-channel`` the products have what every configured channel requires:
a first category that config/categories.toml maps for every channel and market
(drinkware, bags, ...) and bullet points in English and German (Amazon's
``bullet_point``), taken from the product's own words.
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
MAPPED_CATEGORIES = {
    "bottles": "drinkware",
    "backpacks": "bags",
    "headphones": "audio",
    "lamps": "home",
    "teas": "food",
    "oils": "food",
}
"""Each family's catalog category as config/categories.toml names it."""
BULLET_COLUMNS = ["short_description-de_DE-ecommerce", "short_description-en_US-ecommerce"]
"""Bullet points, one per line (Akeneo writes a line break as the two characters ``\\n``)."""


def _ean13(rng: random.Random) -> str:
    body = "40" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, products: int, seed: int = 7, *, every_channel: bool = False) -> None:
    """Write ``products`` synthetic rows to ``path``.

    ``every_channel`` puts the family's mapped category (`MAPPED_CATEGORIES`) first
    instead of the unmapped ``synthetic`` and adds two bullet points per product; the
    random values stay the same.
    """
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS + BULLET_COLUMNS if every_channel else COLUMNS)
        for n in range(products):
            family = FAMILIES[n % len(FAMILIES)]
            first = MAPPED_CATEGORIES[family] if every_channel else family
            second = family if every_channel else "synthetic"
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            price = rng.randint(199, 99999) / 100
            row = [
                f"SYN-{n:08d}",
                f"{first},{second}",
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
            if every_channel:
                first_words = words.split()[:4]
                bullets = f"{first_words[0]} {first_words[1]}\\n{first_words[2]} {first_words[3]}"
                row += [bullets, bullets]
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every-channel", action="store_true")
    args = parser.parse_args()
    generate(args.out, args.products, args.seed, every_channel=args.every_channel)


if __name__ == "__main__":
    main()
