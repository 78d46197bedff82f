"""Reading a catalog through Akeneo's REST API: products per second and peak memory.

    python benchmarks/catalog_akeneo_api.py --products 100000

Starts the test PIM (`tests.akeneo_api_server.AkeneoApiServer`) in a child process,
serving a synthetic catalog it makes page by page as it is asked: one product in five a
variant (root models of five variants, family variant ``clothing_color_size``, axes
color and size), every product with a name, an English and a German description of the
channel, EUR and USD prices, a weight, an EAN, a brand (an option with labels), an
image with its download link, two categories and a handful of other attributes; 100
products a page, ``search_after``. The server checks every request against Akeneo's
reference as in the tests, but not its own answers (the tests do; at this size the
check would measure the server). This process reads them all through
`transforms.catalog.akeneo_api.reader.read_akeneo_api` and prints products/s and its own peak
RSS, which stays flat as the catalog grows, and the reader's own CPU rate (decoding
and mapping, without the wait for the server: against a real PIM, whose pages take far
longer to come than to map, that wait sets the pace): one page of products at a time, plus the
product models' codes (one model per 25 products here).
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VARIANTS_PER_MODEL = 5
VARIANT_SHARE = 5
"""One product in this many is a variant."""
COLORS = ("black", "blue", "red", "white", "green")
SIZES = ("xs", "s", "m", "l", "xl")


def _uuid(index: int) -> str:
    text = f"{index:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _value(data: Any, locale: str | None = None, scope: str | None = None) -> list[Any]:
    return [{"locale": locale, "scope": scope, "data": data}]


def _product(index: int, base_url: str) -> dict[str, Any]:
    variant = index % VARIANT_SHARE == 0
    sku = f"BENCH-{index:07d}"
    image = f"{index % 10}/{index % 7}/{index % 5}/{index % 3}/{index:040x}_{sku}.jpg"
    values: dict[str, Any] = {
        "sku": _value(sku),
        "name": _value(f"Benchmark product {index}"),
        "description": _value(
            f"<p>Product {index}: a <b>sturdy</b> thing for every day.</p>", "en_US", "ecommerce"
        )
        + _value(f"<p>Produkt {index}: robust für jeden Tag.</p>", "de_DE", "ecommerce"),
        "price": _value(
            [
                {"amount": f"{10 + index % 90}.99", "currency": "EUR"},
                {"amount": f"{12 + index % 90}.49", "currency": "USD"},
            ]
        ),
        "weight": _value({"amount": f"{index % 2000}.0000", "unit": "GRAM"}),
        "ean": _value(f"{4000000000000 + index}"),
        "brand": [
            {
                **_value(f"brand_{index % 50}")[0],
                "linked_data": {
                    "attribute": "brand",
                    "code": f"brand_{index % 50}",
                    "labels": {"en_US": f"Brand {index % 50}"},
                },
            }
        ],
        "image": [
            {
                **_value(image)[0],
                "_links": {
                    "download": {"href": f"{base_url}/api/rest/v1/media-files/{image}/download"}
                },
            }
        ],
        "material": _value("cotton"),
        "collection": _value(["summer_2017"]),
        "release_date": _value("2017-04-01T00:00:00+00:00", None, "ecommerce"),
        "meta_title": _value(f"Product {index}", "en_US"),
    }
    model = None
    if variant:
        number = index // VARIANT_SHARE
        model = f"bench-model-{number // VARIANTS_PER_MODEL:06d}"
        values["color"] = _value(COLORS[number % 5])
        values["size"] = _value(SIZES[(number // 5) % 5])
    return {
        "_links": {"self": {"href": f"{base_url}/api/rest/v1/products-uuid/{_uuid(index)}"}},
        "uuid": _uuid(index),
        "enabled": True,
        "family": "clothing",
        "categories": ["master", f"category_{index % 40}"],
        "groups": [],
        "parent": model,
        "values": values,
        "created": "2017-10-05T11:25:48+02:00",
        "updated": "2017-10-05T11:25:48+02:00",
        "associations": {},
        "quantified_associations": {},
    }


def _serve(products: int, ready: Any, stop: Any) -> None:
    from tests.akeneo_api_server import AkeneoApiServer, load_catalog

    catalog = load_catalog()
    models = (products + VARIANT_SHARE - 1) // VARIANT_SHARE
    catalog["products"] = []
    catalog["product_models"] = [
        {
            "code": f"bench-model-{number:06d}",
            "family": "clothing",
            "family_variant": "clothing_colorsize",
            "parent": None,
            "categories": ["master"],
            "values": {},
            "created": "2017-10-05T11:25:48+02:00",
            "updated": "2017-10-05T11:25:48+02:00",
            "associations": {},
            "quantified_associations": {},
        }
        for number in range((models + VARIANTS_PER_MODEL - 1) // VARIANTS_PER_MODEL)
    ]

    class Synthetic(AkeneoApiServer):
        def _answer(
            self, operation: Any, status: int, body: dict[str, Any]
        ) -> tuple[int, dict[str, Any]]:
            return status, body  # the tests check the answers; here it would be the cost

        def _resource(
            self, operation: Any, arguments: list[str], query: dict[str, str]
        ) -> tuple[int, dict[str, Any]]:
            if operation.template != "/api/rest/v1/products-uuid":
                return super()._resource(operation, arguments, query)
            limit = int(query["limit"])
            after = query.get("search_after")
            start = int(base64.urlsafe_b64decode(after).decode(), 16) + 1 if after else 0
            chunk = [_product(i, self.url) for i in range(start, min(start + limit, products))]
            links: dict[str, Any] = {"self": {"href": "x"}, "first": {"href": "x"}}
            if len(chunk) == limit:
                cursor = base64.urlsafe_b64encode(f"{start + limit - 1:x}".encode()).decode()
                following = {**query, "search_after": cursor}
                links["next"] = {
                    "href": f"{self.url}/api/rest/v1/products-uuid?{urlencode(following)}"
                }
            return 200, {"_links": links, "_embedded": {"items": chunk}}

    with Synthetic(catalog) as server:
        ready.send(server.url)
        stop.recv()
        if server.problems:
            print("the reader broke the reference:", server.problems[:5], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()

    from schemas.config.catalog import CatalogSource
    from schemas.product import Product
    from tests.akeneo_api_server import CLIENT_ID, PASSWORD, SECRET, USERNAME
    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection
    from transforms.catalog.akeneo_api.reader import read_akeneo_api

    ready, ready_child = multiprocessing.Pipe()
    stop_child, stop = multiprocessing.Pipe()
    child = multiprocessing.Process(target=_serve, args=(args.products, ready_child, stop_child))
    child.start()
    try:
        url = ready.recv()
        connection = AkeneoApiConnection(url, CLIENT_ID, SECRET, USERNAME, PASSWORD)
        source = CatalogSource(
            format="akeneo_api", currency="EUR", asset_base_url="https://cdn.example/"
        )
        started, cpu = time.perf_counter(), time.process_time()
        products = findings = 0
        for item in read_akeneo_api(connection, source):
            if isinstance(item, Product):
                products += 1
            else:
                findings += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        stop.send(None)
        child.join(timeout=30)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "products": products,
                "findings": findings,
                "seconds": round(elapsed, 1),
                "products_per_second": round(products / elapsed),
                # the reader's own work (decoding and mapping), without waiting for the PIM
                "reader_cpu_products_per_second": round(products / cpu),
                "peak_rss_mib": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
