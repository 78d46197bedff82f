"""Cut bol.com's Offers API v11 contract (``offers-v11.yaml``) down to the create-offer body.

Usage::

    python -m tests.contracts.bol.extract_subset path/to/offers-v11.yaml

writes ``offers_v<version>.subset.json`` beside this script: the contract's ``openapi`` and
``info``, the create-offer operation (``POST /retailer/offers``) with its request body only
(its responses point into bol's ``../common/responses.yaml``, which is not published beside
it), and every component schema the body reaches by ``$ref`` (transitively). Everything is
copied unchanged, in the contract's own order; nothing is edited by hand (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tests.contracts.openapi_subset import reachable_schemas, schema_refs

PATH, METHOD = "/retailer/offers", "post"
"""The operation whose body `feeds.bol` writes (``create-offer``)."""
KEPT = ("operationId", "summary", "requestBody")


def subset(contract: dict[str, Any]) -> dict[str, Any]:
    """The part of ``contract`` (an OpenAPI 3.0 document) the create-offer body needs."""
    operation = contract["paths"][PATH][METHOD]
    kept = {key: operation[key] for key in KEPT if key in operation}
    schemas = contract["components"]["schemas"]
    reached = reachable_schemas(schema_refs(kept), schemas)
    document: dict[str, Any] = {
        key: contract[key] for key in ("openapi", "info") if key in contract
    }
    document["paths"] = {PATH: {METHOD: kept}}
    document["components"] = {"schemas": reached}
    return document


def main(argv: list[str] | None = None) -> int:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contract", type=Path, help="bol's offers-v11.yaml")
    parser.add_argument(
        "--output-dir", type=Path, default=Path(__file__).parent, help="default: beside this script"
    )
    args = parser.parse_args(argv)
    document = subset(yaml.safe_load(args.contract.read_text(encoding="utf-8")))
    target = args.output_dir / f"offers_v{document['info']['version']}.subset.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}: {len(document['components']['schemas'])} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
