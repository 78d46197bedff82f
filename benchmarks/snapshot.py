"""Reading the staged snapshot: which parser and which format, by measurement.

    python benchmarks/snapshot.py --products 50000

Every step reads the snapshot once (validate; translate twice; each market's build once),
so at 1M products and 14 markets a microsecond per line costs 17 s of CPU. The synthetic
catalog (`benchmarks.synthetic_catalog`, every channel's fields) is read and staged as
the pipeline stages it (JSON lines, `schemas.product.product_to_json`); then, per line,
best of three:

- ``json.loads`` + `product_from_json` (the reader before msgspec);
- msgspec's JSON decoder + `product_from_json` (`pipeline.layout.read_snapshot` now);
- the same products as msgpack, decoded by msgspec straight into `Product` (the binary
  snapshot the scale issue suggested): typed decoding checks every field (Decimal from
  text, Literal values), which costs more than it saves.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def _best(parse: Callable[[Any], Any], lines: Sequence[Any]) -> float:
    """Microseconds per line, best of three passes."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for line in lines:
            parse(line)
        best = min(best, time.perf_counter() - started)
    return best / len(lines) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000)
    args = parser.parse_args()

    import msgspec

    from benchmarks.synthetic_catalog import generate
    from pipeline.extract import read_catalog, stage_catalog
    from schemas.config.catalog import CatalogSource
    from schemas.product import Product, product_from_json

    with tempfile.TemporaryDirectory(prefix="grenzenlos-snapshot-") as scratch:
        work = Path(scratch)
        generate(work / "products.csv", args.products, every_channel=True)
        source = CatalogSource(format="akeneo", path=str(work / "products.csv"))
        staged = stage_catalog(read_catalog(source), work)
        lines = Path(staged["snapshot"]).read_bytes().splitlines()
    products = [product_from_json(json.loads(line)) for line in lines]
    blobs = [msgspec.msgpack.Encoder(decimal_format="string").encode(p) for p in products]
    decode_json = msgspec.json.Decoder().decode
    typed = msgspec.msgpack.Decoder(Product).decode
    assert [product_from_json(decode_json(line)) for line in lines[:1000]] == products[:1000]
    assert [typed(blob) for blob in blobs[:1000]] == products[:1000]
    print(
        f"{len(lines):,} products; a line is {sum(map(len, lines)) / len(lines):,.0f} bytes "
        f"as JSON, {sum(map(len, blobs)) / len(blobs):,.0f} as msgpack"
    )
    for label, parse, data in (
        ("json.loads + product_from_json", lambda line: product_from_json(json.loads(line)), lines),
        (
            "msgspec.json + product_from_json",
            lambda line: product_from_json(decode_json(line)),
            lines,
        ),
        ("msgpack -> Product (msgspec typed)", typed, blobs),
    ):
        print(f"  {label:<36} {_best(parse, data):6.2f} us per product")


if __name__ == "__main__":
    main()
