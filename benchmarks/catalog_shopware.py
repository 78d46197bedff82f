"""Time the Shopware 6 reader on a synthetic export; report products/s and peak RSS.

    python benchmarks/catalog_shopware.py --products 100000

Writes, into a temporary directory, an export in the "Default product" profile's columns
plus those merchants add (``ean``, ``weight``, dimensions, ``list_price_gross``,
``media``) and the "Default properties" export naming the options: about half the
products are variants (four per parent, varying by size and colour, inheriting name,
description, price, tax, images and manufacturer from their parent), one in ten is
reduced. Then reads it through `read_shopware` and prints the products read per second
of wall time and of the process's CPU time (on a shared machine the CPU figure is the
reader's own), the same for `csv_records` alone over the same file (the shared CSV
streaming every reader pays: the floor), and the process's peak RSS (``ru_maxrss``); the
file is written row by row, so the peak is the reader's. Run at 10k, 100k and 1M to see
whether memory stays flat.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reading import read_all, report  # noqa: E402
from schemas.config.catalog import CatalogSource  # noqa: E402
from transforms.catalog.files import csv_records  # noqa: E402
from transforms.catalog.shopware.reader import read_shopware  # noqa: E402

COLUMNS = (
    "id parent_id product_number active stock name description price_net price_gross "
    "purchase_prices_net purchase_prices_gross tax_id tax_rate tax_name cover_media_id "
    "cover_media_url cover_media_title cover_media_alt manufacturer_id manufacturer_name "
    "categories sales_channel propertyIds optionIds ean manufacturer_number weight width "
    "height length list_price_gross media"
).split()
WORDS = (
    "robust light compact quiet fast steel recycled waterproof wireless ergonomic modular "
    "foldable durable precise"
).split()
SIZES = ("S", "M", "L", "XL")
COLOURS = ("black", "white", "red", "navy")
SALES_CHANNEL = "98432def39fc4624b33213a56b8c944d"


def option_ids() -> dict[tuple[str, str], str]:
    """(group, name) -> option id, for the sizes and colours."""
    return {
        (group, name): uuid.uuid5(uuid.NAMESPACE_URL, f"{group}/{name}").hex
        for group, names in (("size", SIZES), ("color", COLOURS))
        for name in names
    }


def write_properties(path: Path, options: dict[tuple[str, str], str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream, delimiter=";")
        out.writerow(["id", "color_hex_code", "name", "position", "group_id", "group_name"])
        for (group, name), option_id in options.items():
            out.writerow([option_id, "", name, "1", group, group])


def write_export(path: Path, products: int, seed: int = 7) -> None:
    """Write an export with ``products`` sellable rows (parents of variants not counted)."""
    rng = random.Random(seed)
    options = option_ids()
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream, delimiter=";")
        out.writerow(COLUMNS)
        written = 0
        n = 0
        while written < products:
            n += 1
            ident = f"{n:032x}"
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 60)))
            gross = rng.randint(199, 99999) / 100
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                id=ident,
                product_number=f"SW{n:08d}",
                active="1",
                stock=str(rng.randint(0, 40)),
                name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                description=f"<p>{words}</p>",
                price_net=f"{gross / 1.19:.6f}",
                price_gross=f"{gross:.2f}",
                tax_id="a6ee6c7e2ebf4b4f9c3d8a3b1d2e4f50",
                tax_rate="19",
                tax_name="Standard rate",
                cover_media_id=uuid.UUID(int=n).hex,
                cover_media_url=f"https://shop.example/media/{n % 97:02d}/{n}.jpg",
                manufacturer_id="e1",
                manufacturer_name=rng.choice(("Nordquell", "Bergfink", "Klangwerk")),
                categories="77b959cf66de4c1590c7f9b7da3982f3|a515ae260223466f8e37471d279e6406",
                sales_channel=SALES_CHANNEL,
                weight=f"{rng.randint(50, 5000) / 1000}",
                width=str(rng.randint(10, 400)),
                height=str(rng.randint(10, 400)),
                length=str(rng.randint(10, 400)),
                media=f"https://shop.example/media/x/{n}-a.jpg|https://shop.example/media/x/{n}-b.jpg",
            )
            if rng.random() < 0.1:
                row["list_price_gross"] = f"{gross * 1.25:.2f}"
            if rng.random() < 0.25 and products - written >= 4:
                out.writerow(row.values())  # a parent of four variants
                colour = rng.choice(COLOURS)
                for size in SIZES:
                    n += 1
                    variant = dict.fromkeys(COLUMNS, "")
                    variant.update(
                        id=f"{n:032x}",
                        parent_id=ident,
                        product_number=f"SW{n:08d}",
                        stock=str(rng.randint(0, 12)),
                        optionIds=f"{options['size', size]}|{options['color', colour]}",
                        ean=f"40{n:011d}",
                    )
                    out.writerow(variant.values())
                written += 4
            else:
                row["ean"] = f"40{n:011d}"
                out.writerow(row.values())
                written += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        export, properties = Path(work) / "products.csv", Path(work) / "properties.csv"
        started = time.perf_counter()
        write_export(export, args.products)
        write_properties(properties, option_ids())
        written = time.perf_counter()
        source = CatalogSource(
            format="shopware",
            path=str(export),
            currency="EUR",
            locale="de_DE",
            attribute_options_path=str(properties),
        )
        reading = read_all(read_shopware(export, source))
        report(
            "shopware",
            reading,
            file_mib=export.stat().st_size / 2**20,
            written_seconds=written - started,
        )
        cpu = time.process_time()
        rows = sum(
            1
            for _ in csv_records(
                export, delimiter=";", encoding="utf-8", sku_column="product_number"
            )
        )
        csv_cpu = time.process_time() - cpu
    print(f"      csv_records alone: {rows / csv_cpu:,.0f} rows per CPU second")


if __name__ == "__main__":
    main()
