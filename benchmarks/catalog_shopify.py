"""Time the Shopify reader on a synthetic product export; report products/s and peak RSS.

    python benchmarks/catalog_shopify.py --products 100000 [--keep]

The file has the columns of a real classic export (Shopify's 2025 admin: option
``Linked To`` columns, unit prices, metafield columns, Markets prices for a country and
for "International") and its shape: about a third of the products have no variants
(``Title`` = ``Default Title``), the others 2 to 9 Color x Size variants, with an
image-only row after some of them; a compare-at price on one variant in five.
``--products`` counts variants read as products. The file is written row by row into a
temporary directory, then read through `read_shopify` without keeping the products.
Products per CPU second are printed beside products per second, for a machine other jobs
share. Peak RSS is the process's ``ru_maxrss``; run it at 10k, 100k and 1M to see it stay
flat.
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
from transforms.catalog.shopify.reader import read_shopify  # noqa: E402

HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Option1 Linked To,Option2 Name,Option2 Value,Option2 Linked To,Option3 Name,"
    "Option3 Value,Option3 Linked To,Variant SKU,Variant Grams,Variant Inventory Tracker,"
    "Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,"
    "Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Unit Price Total Measure,"
    "Unit Price Total Measure Unit,Unit Price Base Measure,Unit Price Base Measure Unit,"
    "Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,"
    "Google Shopping / Google Product Category,Google Shopping / Gender,"
    "Google Shopping / Age Group,"
    "Google Shopping / MPN,Google Shopping / Condition,Google Shopping / Custom Product,"
    "Color (product.metafields.shopify.color-pattern),"
    "Material (product.metafields.shopify.material),"
    "Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Included / Germany,"
    "Price / Germany,Compare At Price / Germany,Included / International,Price / International,"
    "Compare At Price / International,Status"
).split(",")
WORDS = "robust light compact quiet fast steel recycled waterproof wireless ergonomic".split()
COLORS = ("Black", "White", "Red", "Blue", "Green", "Grey")
SIZES = ("S", "M", "L")


def write_export(path: Path, products: int, seed: int = 24) -> None:
    """Write a synthetic export with ``products`` variants (see the module docstring)."""
    rng = random.Random(seed)
    column = {name: i for i, name in enumerate(HEADER)}
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        written = n = 0
        while written < products:
            n += 1
            handle = f"synthetic-product-{n}"
            simple = rng.random() < 0.33
            axes = (
                [("Title", "Default Title", "")]
                if simple
                else [
                    (c, s, "")
                    for c in rng.sample(COLORS, rng.randint(1, 3))
                    for s in rng.sample(SIZES, rng.randint(2, 3))
                ]
            )
            for index, (first, second, _) in enumerate(axes[: products - written]):
                row = [""] * len(HEADER)
                row[column["Handle"]] = handle
                if index == 0:
                    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
                    row[column["Title"]] = f"{rng.choice(WORDS).title()} thing {n}"
                    row[column["Body (HTML)"]] = f"<p>{words}</p><ul><li>{words[:40]}</li></ul>"
                    row[column["Vendor"]] = rng.choice(("Nordquell", "Bergfink", "Klangwerk"))
                    row[column["Product Category"]] = "Home & Garden > Kitchen & Dining > Drinkware"
                    row[column["Type"]] = "Drinkware"
                    row[column["Tags"]] = "synthetic, benchmark"
                    row[column["Published"]] = "true"
                    row[column["Option1 Name"]] = "Title" if simple else "Color"
                    row[column["Option2 Name"]] = "" if simple else "Size"
                    row[column["Image Src"]] = f"https://cdn.shopify.com/s/files/1/{n}.jpg"
                    row[column["Image Position"]] = "1"
                    row[column["Gift Card"]] = "false"
                    row[column["SEO Title"]] = f"Thing {n}"
                    row[column["Google Shopping / Condition"]] = "new"
                    row[column["Material (product.metafields.shopify.material)"]] = "steel"
                    row[column["Included / Germany"]] = "true"
                    row[column["Included / International"]] = "true"
                    row[column["Status"]] = rng.choice(("active",) * 9 + ("draft",))
                row[column["Option1 Value"]] = first
                row[column["Option2 Value"]] = second
                row[column["Variant SKU"]] = f"SYN-{n:07d}-{index}"
                row[column["Variant Grams"]] = f"{rng.randint(0, 2000)}.0"
                row[column["Variant Inventory Tracker"]] = "shopify"
                row[column["Variant Inventory Qty"]] = str(rng.randint(-2, 40))
                row[column["Variant Inventory Policy"]] = rng.choice(("deny", "continue"))
                row[column["Variant Fulfillment Service"]] = "manual"
                price = rng.randint(199, 19999)
                row[column["Variant Price"]] = f"{price / 100:.2f}"
                if rng.random() < 0.2:
                    row[column["Variant Compare At Price"]] = f"{price * 1.25 / 100:.2f}"
                row[column["Variant Requires Shipping"]] = "true"
                row[column["Variant Taxable"]] = "true"
                row[column["Variant Barcode"]] = f"'40{rng.randint(10**10, 10**11 - 1)}"
                row[column["Google Shopping / MPN"]] = f"MPN-{n}-{index}"
                row[column["Variant Weight Unit"]] = "kg"
                row[column["Cost per item"]] = f"{price / 250:.2f}"
                row[column["Price / Germany"]] = f"{price / 110:.2f}"
                row[column["Price / International"]] = f"{price / 90:.2f}"
                writer.writerow(row)
                written += 1
            if rng.random() < 0.3:  # one more picture of the product
                row = [""] * len(HEADER)
                row[column["Handle"]] = handle
                row[column["Image Src"]] = f"https://cdn.shopify.com/s/files/1/{n}-2.jpg"
                row[column["Image Position"]] = "2"
                writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="shopify-bench-"))
    path = directory / "products_export_1.csv"
    started = time.perf_counter()
    write_export(path, args.products)
    written = time.perf_counter() - started
    source = CatalogSource(format="shopify", path=str(path), currency="USD")
    reading = read_all(read_shopify(path, source))
    report("shopify", reading, file_mib=path.stat().st_size / 2**20, written_seconds=written)
    if not args.keep:
        path.unlink()
        directory.rmdir()


if __name__ == "__main__":
    main()
