"""Time the BMEcat reader on a synthetic BMEcat 2005 catalog; report products/s and peak RSS.

    python benchmarks/catalog_bmecat.py --products 100000

The catalog is written into a temporary folder from a fixed seed, as a supplier's export
looks: a header with two languages, a group system of 300 groups, and per product two
language versions of the texts, a GTIN, manufacturer, keywords, ECLASS features with a
weight in ``KGM``, order details with a content unit, a gross and a net list price with a
quantity scale (a tenth of them with a dated lower price: a sale), two images; one
product in ten has ``VARIANTS`` (colour x size, six variants). The mappings onto groups
follow the products, as the standard orders them, so the reader makes its second pass.
"products" counts what the reader yields as products (variants each count).
Both wall-clock and CPU time are reported: on a shared machine the CPU figure is the
reader's own cost. Peak RSS is the process's ``ru_maxrss``, taken after reading; the file is written
streaming, so it does not raise it.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reading import read_all, report  # noqa: E402
from schemas.config.catalog import CatalogSource  # noqa: E402
from transforms.catalog.bmecat.document import read_bmecat  # noqa: E402

WORDS = (
    "robust leicht kompakt leise schnell Stahl recycelt wasserdicht kabellos ergonomisch".split()
)
GROUPS = 300


def write_catalog(stream: IO[str], count: int, seed: int = 7) -> None:
    """Write a BMEcat 2005 document with ``count`` products (see the module docstring)."""
    rng = random.Random(seed)
    stream.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">\n'
        "<HEADER><GENERATOR_INFO>grenzenlos benchmark</GENERATOR_INFO><CATALOG>"
        '<LANGUAGE default="true">deu</LANGUAGE><LANGUAGE>eng</LANGUAGE>'
        "<CATALOG_ID>BENCH</CATALOG_ID><CATALOG_VERSION>1</CATALOG_VERSION>"
        "<CURRENCY>EUR</CURRENCY><MIME_ROOT>https://media.example.com/</MIME_ROOT>"
        "</CATALOG><SUPPLIER><SUPPLIER_NAME>Nordquell GmbH</SUPPLIER_NAME></SUPPLIER>"
        "</HEADER>\n<T_NEW_CATALOG>\n<CATALOG_GROUP_SYSTEM><GROUP_SYSTEM_ID>S</GROUP_SYSTEM_ID>\n"
    )
    for group in range(1, GROUPS + 1):
        parent = 0 if group <= 10 else (group % 10) + 1
        stream.write(
            f'<CATALOG_STRUCTURE type="{"node" if group <= 10 else "leaf"}">'
            f"<GROUP_ID>{group}</GROUP_ID><GROUP_NAME>Gruppe {group}</GROUP_NAME>"
            f"<PARENT_ID>{parent}</PARENT_ID></CATALOG_STRUCTURE>\n"
        )
    stream.write("</CATALOG_GROUP_SYSTEM>\n")
    for n in range(count):
        stream.write(_product(n, rng))
    for n in range(count):
        stream.write(
            f"<PRODUCT_TO_CATALOGGROUP_MAP><PROD_ID>P-{n:08d}</PROD_ID>"
            f"<CATALOG_GROUP_ID>{11 + n % (GROUPS - 10)}</CATALOG_GROUP_ID>"
            "</PRODUCT_TO_CATALOGGROUP_MAP>\n"
        )
    stream.write("</T_NEW_CATALOG>\n</BMECAT>\n")


def _product(n: int, rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
    gross = rng.randint(199, 99999)
    net = gross * 100 // 119
    sale = ""
    if n % 10 == 3:
        sale = (
            "<PRODUCT_PRICE_DETAILS>"
            '<DATETIME type="valid_start_date"><DATE>2025-11-24</DATE></DATETIME>'
            '<DATETIME type="valid_end_date"><DATE>2025-12-01</DATE></DATETIME>'
            f'<PRODUCT_PRICE price_type="gros_list"><PRICE_AMOUNT>{gross * 8 // 10 / 100:.2f}'
            "</PRICE_AMOUNT><TAX>0.19</TAX></PRODUCT_PRICE></PRODUCT_PRICE_DETAILS>"
        )
    variants = ""
    if n % 10 == 5:
        variants = (
            "<FEATURE><FNAME>Farbe</FNAME><VARIANTS>"
            "<VARIANT><FVALUE>rot</FVALUE><SUPPLIER_AID_SUPPLEMENT>-R</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
            "<VARIANT><FVALUE>blau</FVALUE><SUPPLIER_AID_SUPPLEMENT>-B</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
            "<VORDER>1</VORDER></VARIANTS></FEATURE>"
            "<FEATURE><FNAME>Größe</FNAME><VARIANTS>"
            "<VARIANT><FVALUE>S</FVALUE><SUPPLIER_AID_SUPPLEMENT>-S</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
            "<VARIANT><FVALUE>M</FVALUE><SUPPLIER_AID_SUPPLEMENT>-M</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
            "<VARIANT><FVALUE>L</FVALUE><SUPPLIER_AID_SUPPLEMENT>-L</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
            "<VORDER>2</VORDER></VARIANTS></FEATURE>"
        )
    return (
        f"<PRODUCT>\n<SUPPLIER_PID>P-{n:08d}</SUPPLIER_PID>\n<PRODUCT_DETAILS>"
        f'<DESCRIPTION_SHORT lang="deu">Artikel {n} {words[:40]}</DESCRIPTION_SHORT>'
        f'<DESCRIPTION_SHORT lang="eng">Item {n}</DESCRIPTION_SHORT>'
        f'<DESCRIPTION_LONG lang="deu">&lt;p&gt;{words}&lt;/p&gt;</DESCRIPTION_LONG>'
        f'<DESCRIPTION_LONG lang="eng">{words}</DESCRIPTION_LONG>'
        f'<INTERNATIONAL_PID type="gtin">40{n:011d}</INTERNATIONAL_PID>'
        f"<MANUFACTURER_PID>M-{n}</MANUFACTURER_PID><MANUFACTURER_NAME>Bergfink</MANUFACTURER_NAME>"
        f"<DELIVERY_TIME>{rng.randint(1, 9)}</DELIVERY_TIME>"
        '<KEYWORD lang="deu">Werkzeug</KEYWORD><KEYWORD lang="deu">Garten</KEYWORD>'
        "</PRODUCT_DETAILS>\n<PRODUCT_FEATURES>"
        "<REFERENCE_FEATURE_SYSTEM_NAME>ECLASS-11.0</REFERENCE_FEATURE_SYSTEM_NAME>"
        "<REFERENCE_FEATURE_GROUP_ID>21040101</REFERENCE_FEATURE_GROUP_ID>"
        f"<FEATURE><FNAME>Gewicht</FNAME><FVALUE>{rng.randint(1, 9999) / 1000}</FVALUE>"
        "<FUNIT>KGM</FUNIT></FEATURE>"
        f"<FEATURE><FNAME>Material</FNAME><FVALUE>{rng.choice(WORDS)}</FVALUE></FEATURE>"
        f"{variants}</PRODUCT_FEATURES>\n<PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT>"
        "<CONTENT_UNIT>LTR</CONTENT_UNIT><NO_CU_PER_OU>0.75</NO_CU_PER_OU>"
        "<PRICE_QUANTITY>1</PRICE_QUANTITY><QUANTITY_MIN>1</QUANTITY_MIN>"
        "</PRODUCT_ORDER_DETAILS>\n<PRODUCT_PRICE_DETAILS>"
        f'<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>{net / 100:.2f}</PRICE_AMOUNT>'
        "<TAX>0.19</TAX></PRODUCT_PRICE>"
        f'<PRODUCT_PRICE price_type="gros_list"><PRICE_AMOUNT>{gross / 100:.2f}</PRICE_AMOUNT>'
        "<TAX>0.19</TAX><LOWER_BOUND>1</LOWER_BOUND></PRODUCT_PRICE>"
        f'<PRODUCT_PRICE price_type="gros_list"><PRICE_AMOUNT>{gross * 9 // 10 / 100:.2f}'
        "</PRICE_AMOUNT><TAX>0.19</TAX><LOWER_BOUND>10</LOWER_BOUND></PRODUCT_PRICE>"
        f"</PRODUCT_PRICE_DETAILS>{sale}\n<MIME_INFO>"
        f"<MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_SOURCE>{n}-front.jpg</MIME_SOURCE>"
        "<MIME_PURPOSE>normal</MIME_PURPOSE></MIME>"
        f"<MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_SOURCE>{n}-back.jpg</MIME_SOURCE>"
        "<MIME_PURPOSE>detail</MIME_PURPOSE></MIME></MIME_INFO>\n</PRODUCT>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grenzenlos-bench-bmecat-") as folder:
        path = Path(folder) / "catalog.xml"
        started = time.perf_counter()
        with path.open("w", encoding="utf-8") as stream:
            write_catalog(stream, args.products)
        written = time.perf_counter() - started
        source = CatalogSource(
            format="bmecat",
            path=str(path),
            locales={"deu": "de_DE", "eng": "en_GB"},
            tax_classes={"19": "standard"},
        )
        reading = read_all(read_bmecat(path, source))
        size_mib = path.stat().st_size / 2**20
    report(
        f"bmecat, {args.products:,} source products",
        reading,
        file_mib=size_mib,
        written_seconds=written,
    )


if __name__ == "__main__":
    main()
