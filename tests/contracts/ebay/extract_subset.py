"""Cut eBay's Inventory API contract down to the operations grenzenlos calls.

Usage::

    python -m tests.contracts.ebay.extract_subset path/to/sell_inventory_v1_oas3.json

writes ``sell_inventory_v<version>.subset.json`` (``v1.13.0``) beside this script: the contract's
``openapi``, ``info`` and ``servers``, the operations `OPERATIONS` names (with their
parameters, request bodies, responses and security), every component schema they reach
by ``$ref`` (transitively), the component schemas `EXTRA_SCHEMAS` names with what they
reach (when the contract has them), and the security schemes the operations name.
Everything is copied unchanged, in the contract's own order; nothing is edited by hand
(see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tests.contracts.openapi_subset import reachable_schemas, schema_refs

OPERATIONS = (
    ("/bulk_create_or_replace_inventory_item", "post"),
    ("/inventory_item/{sku}", "delete"),
    ("/inventory_item_group/{inventoryItemGroupKey}", "put"),
    ("/offer", "get"),
    ("/bulk_create_offer", "post"),
    ("/offer/{offerId}", "put"),
    ("/bulk_publish_offer", "post"),
    ("/offer/publish_by_inventory_item_group", "post"),
)
"""(path, method) of every operation `pipeline.delivery.ebay_inventory` calls."""
EXTRA_SCHEMAS = ("Regulatory", "ExtendedProducerResponsibility")
"""Component schemas kept although no operation of `OPERATIONS` reaches them: eBay's
``Regulatory`` (GPSR manufacturer, responsible persons, product safety, documents, energy
label) belongs to the offer (``EbayOfferDetailsWithKeys.regulatory``), which grenzenlos does
not send yet; `feeds.ebay.regulatory` builds it and a test checks it against this schema.
``ExtendedProducerResponsibility`` (the offer's ``ecoParticipationFee``) likewise, for
`feeds.ebay.extended_producer_responsibility`. A contract without them (1.13.0) is cut as
before."""


def subset(contract: dict[str, Any]) -> dict[str, Any]:
    """The part of ``contract`` (an OpenAPI 3.0 document) that `OPERATIONS` need."""
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        item = contract["paths"][path]
        kept = {key: value for key, value in item.items() if key == "parameters"}
        kept[method] = item[method]
        paths[path] = kept
    schemas = contract["components"]["schemas"]
    reached = reachable_schemas(
        schema_refs(paths) | {name for name in EXTRA_SCHEMAS if name in schemas}, schemas
    )
    security_names = {
        name
        for path, method in OPERATIONS
        for requirement in paths[path][method].get("security", [])
        for name in requirement
    }
    components: dict[str, Any] = {"schemas": reached}
    security = contract["components"].get("securitySchemes", {})
    if security_names:
        components["securitySchemes"] = {
            name: value for name, value in security.items() if name in security_names
        }
    document: dict[str, Any] = {
        key: contract[key] for key in ("openapi", "info", "servers") if key in contract
    }
    document["paths"] = paths
    document["components"] = components
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contract", type=Path, help="eBay's sell_inventory_v1_oas3.json")
    parser.add_argument(
        "--output-dir", type=Path, default=Path(__file__).parent, help="default: beside this script"
    )
    args = parser.parse_args(argv)
    contract = json.loads(args.contract.read_text(encoding="utf-8"))
    document = subset(contract)
    version = document["info"]["version"]
    target = args.output_dir / f"sell_inventory_v{version}.subset.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {target}: {len(document['paths'])} paths, "
        f"{len(document['components']['schemas'])} schemas"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
