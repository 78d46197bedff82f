"""Time the WooCommerce reader on a synthetic product export; report products/s and peak RSS.

    python benchmarks/catalog_woocommerce.py --products 100000 [--keep]

The file has the columns of WooCommerce 9's exporter (``GTIN, UPC, EAN, or ISBN``,
``Weight (kg)``, two ``Attribute N`` groups, ``Meta:`` and ``Download`` columns) and its
shape: about 55 % of the products are simple, the others variations (2 to 6, Color x
Size, some with an empty Size: any size) of variable products written before them, in ID
order; one variation in fifty belongs to a parent written up to 2,000 parents earlier (a
variation added later), and one product in five is on sale, half of those with dates.
``--products`` counts the rows read as products. The file is written row by row into a
temporary directory, then read through `read_woocommerce` without keeping the products.
Peak RSS is the process's ``ru_maxrss``; run it at 10k, 100k and 1M to see it stay flat.
The rate is given per wall-clock second and per CPU second of the process (the latter is
what a busy machine distorts least).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reading import read_all, report  # noqa: E402
from schemas.config.catalog import CatalogSource  # noqa: E402
from transforms.catalog.woocommerce.reader import read_woocommerce  # noqa: E402

HEADER = [
    "ID", "Type", "SKU", "GTIN, UPC, EAN, or ISBN", "Name", "Published", "Is featured?",
    "Visibility in catalog", "Short description", "Description", "Date sale price starts",
    "Date sale price ends", "Tax status", "Tax class", "In stock?", "Stock",
    "Low stock amount", "Backorders allowed?", "Sold individually?", "Weight (kg)",
    "Length (cm)", "Width (cm)", "Height (cm)", "Allow customer reviews?", "Purchase note",
    "Sale price", "Regular price", "Categories", "Tags", "Shipping class", "Images",
    "Download limit", "Download expiry days", "Parent", "Grouped products", "Upsells",
    "Cross-sells", "External URL", "Button text", "Position", "Brands", "Attribute 1 name",
    "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 1 global", "Attribute 2 name",
    "Attribute 2 value(s)", "Attribute 2 visible", "Attribute 2 global",
    "Meta: _wpcom_is_markdown", "Download 1 ID", "Download 1 name", "Download 1 URL",
]  # fmt: skip
WORDS = "robust light compact quiet fast steel recycled waterproof wireless ergonomic".split()
COLORS = ("Black", "White", "Red", "Blue", "Green", "Grey")
SIZES = ("S", "M", "L", "XL")
CATEGORIES = ("Clothing > Tshirts", "Clothing > Hoodies", "Home > Kitchen", "Garden")


def _row(**values: str) -> list[str]:
    return [values.get(column, "") for column in HEADER]


def _sale(rng: random.Random, regular: int) -> dict[str, str]:
    if rng.random() >= 0.2:
        return {}
    sale = {"Sale price": f"{regular * 0.8:.2f}"}
    if rng.random() < 0.5:
        sale["Date sale price starts"] = "2025-11-28 0:00:00"
        sale["Date sale price ends"] = "2025-12-01 23:59:59"
    return sale


def write_export(path: Path, products: int, seed: int = 7) -> None:
    """Write a WooCommerce export of ``products`` sellable rows (plus their parents)."""
    rng = random.Random(seed)
    ident = 100
    written = 0
    parents: list[str] = []
    with path.open("w", newline="", encoding="utf-8-sig") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        while written < products:
            ident += 1
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            common = {
                "Published": "1",
                "Is featured?": "0",
                "Visibility in catalog": "visible",
                "Short description": f"<ul><li>{words[:40]}</li><li>{words[40:80]}</li></ul>",
                "Description": f"<p>{words}</p>",
                "Tax status": "taxable",
                "Backorders allowed?": "0",
                "Sold individually?": "0",
                "Allow customer reviews?": "1",
                "Weight (kg)": f"{rng.randint(1, 5000) / 1000}",
                "Length (cm)": str(rng.randint(5, 80)),
                "Width (cm)": str(rng.randint(5, 60)),
                "Height (cm)": str(rng.randint(1, 30)),
                "Categories": rng.choice(CATEGORIES),
                "Tags": "new, organic",
                "Images": f"https://shop.example/wp-content/uploads/{ident}.jpg, "
                f"https://shop.example/wp-content/uploads/{ident}-2.jpg",
                "Position": "0",
                "Brands": "Nordfaden",
                "Meta: _wpcom_is_markdown": "1",
            }
            name = f"{words.split()[0].title()} {ident}"
            if rng.random() < 0.55:
                regular = rng.randint(5, 300)
                out.writerow(
                    _row(
                        **common,
                        **_sale(rng, regular),
                        ID=str(ident),
                        Type="simple",
                        SKU=f"SIMPLE-{ident}",
                        Name=name,
                        **{"GTIN, UPC, EAN, or ISBN": f"40{ident:011d}"},
                        **{"In stock?": "1", "Stock": str(rng.randint(0, 50))},
                        **{"Regular price": str(regular), "Attribute 1 name": "Material"},
                        **{"Attribute 1 value(s)": "Cotton", "Attribute 1 visible": "1"},
                        **{"Attribute 1 global": "0"},
                    )
                )
                written += 1
                continue
            parent = f"VAR-{ident}"
            parents.append(parent)
            out.writerow(
                _row(
                    **common,
                    ID=str(ident),
                    Type="variable",
                    SKU=parent,
                    Name=name,
                    **{"Attribute 1 name": "Color", "Attribute 1 value(s)": ", ".join(COLORS)},
                    **{"Attribute 1 visible": "1", "Attribute 1 global": "1"},
                    **{"Attribute 2 name": "Size", "Attribute 2 value(s)": ", ".join(SIZES)},
                    **{"Attribute 2 visible": "1", "Attribute 2 global": "1"},
                )
            )
            any_size = rng.random() < 0.1
            for n in range(rng.randint(2, 6)):
                if written >= products:
                    break
                ident += 1
                color, size = COLORS[n % len(COLORS)], "" if any_size else rng.choice(SIZES)
                late = rng.random() < 0.02 and len(parents) > 1
                of = rng.choice(parents[-2000:]) if late else parent
                regular = rng.randint(5, 300)
                out.writerow(
                    _row(
                        **_sale(rng, regular),
                        ID=str(ident),
                        Type="variation",
                        SKU=f"{of}-{ident}",
                        Name=f"{name} - {color}",
                        Published="1",
                        Parent=of,
                        **{"Tax status": "taxable", "Tax class": "parent"},
                        **{"In stock?": "1", "Stock": str(rng.randint(0, 50))},
                        **{"Regular price": str(regular), "Attribute 1 name": "Color"},
                        **{"Attribute 1 value(s)": color, "Attribute 1 global": "1"},
                        **{"Attribute 2 name": "Size", "Attribute 2 value(s)": size},
                        **{"Attribute 2 global": "1"},
                        **{"GTIN, UPC, EAN, or ISBN": f"41{ident:011d}"},
                    )
                )
                written += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="grenzenlos-woocommerce-"))
    path = directory / "wc-product-export.csv"
    started = time.perf_counter()
    write_export(path, args.products)
    written = time.perf_counter() - started
    # Weights with three decimals (1.250 kg) need the shop's decimal mark, as in a real shop.
    settings = CatalogSource(
        format="woocommerce", path=str(path), currency="EUR", locale="en_US", decimal_mark="."
    )
    reading = read_all(read_woocommerce(path, settings))
    report("woocommerce", reading, file_mib=path.stat().st_size / 2**20, written_seconds=written)
    if not args.keep:
        path.unlink()
        directory.rmdir()


if __name__ == "__main__":
    main()
