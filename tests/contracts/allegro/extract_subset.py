"""Cut Allegro's REST API contract (``swagger.yaml``) down to what grenzenlos writes.

Usage::

    python -m tests.contracts.allegro.extract_subset path/to/swagger.yaml 2026-07-18

writes ``allegro_rest_api_<date>.subset.json`` beside this script (Allegro's contract says
``info.version: latest``, so the copy is named after the day it was published): the
contract's ``openapi``, ``info`` and ``servers``, the operations `OPERATIONS` names, and
every component schema they reach by ``$ref`` (transitively). Everything is copied
unchanged, in the contract's own order; nothing is edited by hand (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tests.contracts.openapi_subset import reachable_schemas, schema_refs

OPERATIONS = (
    ("/sale/product-offers", "post"),
    ("/sale/responsible-producers", "get"),
    ("/sale/responsible-persons", "get"),
)
"""(path, method): the offer body `feeds.allegro` writes (createProductOffers) and the two
lists the ids of ``[operators.<id>]``'s ``allegro_responsible_producer_id`` and
``allegro_responsible_person_id`` come from."""


def subset(contract: dict[str, Any]) -> dict[str, Any]:
    """The part of ``contract`` (an OpenAPI 3.0 document) that `OPERATIONS` need."""
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        item = contract["paths"][path]
        kept = {key: value for key, value in item.items() if key == "parameters"}
        kept[method] = item[method]
        paths[path] = kept
    schemas = contract["components"]["schemas"]
    reached = reachable_schemas(schema_refs(paths), schemas)
    document: dict[str, Any] = {
        key: contract[key] for key in ("openapi", "info", "servers") if key in contract
    }
    document["paths"] = paths
    document["components"] = {"schemas": reached}
    return document


def main(argv: list[str] | None = None) -> int:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contract", type=Path, help="Allegro's swagger.yaml")
    parser.add_argument("published", help="the day the copy was published (YYYY-MM-DD)")
    parser.add_argument(
        "--output-dir", type=Path, default=Path(__file__).parent, help="default: beside this script"
    )
    args = parser.parse_args(argv)
    contract = yaml.safe_load(args.contract.read_text(encoding="utf-8"))
    document = subset(contract)
    target = args.output_dir / f"allegro_rest_api_{args.published}.subset.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {target}: {len(document['paths'])} paths, "
        f"{len(document['components']['schemas'])} schemas"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
