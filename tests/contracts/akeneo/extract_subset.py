"""Cut Akeneo's published REST API reference down to the operations grenzenlos calls.

Usage::

    python tests/contracts/akeneo/extract_subset.py path/to/akeneo-web-api.json

writes ``akeneo-web-api.subset.json`` beside this script: the reference's ``swagger``,
``info``, ``host``, ``schemes`` and ``produces``, and the operations `OPERATIONS` names
with their parameters and responses. The reference (Swagger 2.0) has every schema inlined
(no ``$ref``), so nothing else is needed. Everything is copied unchanged, in the
reference's own order; nothing is edited by hand (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = (
    ("/api/oauth/v1/token", "post"),
    ("/api/rest/v1/channels/{code}", "get"),
    ("/api/rest/v1/attributes", "get"),
    ("/api/rest/v1/products-uuid", "get"),
    ("/api/rest/v1/products", "get"),
    ("/api/rest/v1/product-models", "get"),
    ("/api/rest/v1/product-models/{code}", "get"),
    ("/api/rest/v1/families/{family_code}/variants/{code}", "get"),
)
"""(path, method) of every operation `transforms.catalog.akeneo_api` calls."""


def subset(reference: dict[str, Any]) -> dict[str, Any]:
    """The part of ``reference`` (a Swagger 2.0 document) that `OPERATIONS` need."""
    if "$ref" in json.dumps(reference["paths"]):
        raise ValueError("the reference has $refs: this script copies inlined schemas only")
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = reference["paths"][path][method]
    document = {
        key: reference[key]
        for key in ("swagger", "info", "host", "schemes", "produces")
        if key in reference
    }
    document["paths"] = paths
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reference", type=Path, help="pim-api-docs content/swagger/akeneo-web-api.json"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=Path(__file__).parent, help="default: beside this script"
    )
    args = parser.parse_args(argv)
    reference = json.loads(args.reference.read_text(encoding="utf-8"))
    document = subset(reference)
    target = args.output_dir / "akeneo-web-api.subset.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}: {sum(len(m) for m in document['paths'].values())} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
