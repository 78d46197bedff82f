"""What the contracts' ``extract_subset`` scripts share: following an OpenAPI 3.0
document's ``$ref``s to the component schemas a cut of it needs."""

from __future__ import annotations

from typing import Any

SCHEMA_REF = "#/components/schemas/"


def schema_refs(node: Any) -> set[str]:
    """The component schema names ``node`` refers to directly (not transitively).

    >>> x, y = {"$ref": "#/components/schemas/X"}, {"$ref": "#/components/schemas/Y"}
    >>> sorted(schema_refs({"a": x, "b": [{"items": y}]}))
    ['X', 'Y']
    """
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(SCHEMA_REF):
                raise ValueError(f"a $ref this script does not follow: {ref}")
            found.add(ref.removeprefix(SCHEMA_REF))
        for value in node.values():
            found |= schema_refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= schema_refs(value)
    return found


def reachable_schemas(start: set[str], schemas: dict[str, Any]) -> dict[str, Any]:
    """The component ``schemas`` named in ``start`` and every one they reach by ``$ref``,
    in the contract's own order.

    >>> schemas = {"A": {"$ref": "#/components/schemas/B"}, "B": {}, "C": {}}
    >>> list(reachable_schemas({"A"}, schemas))
    ['A', 'B']
    """
    reached: set[str] = set()
    todo = set(start)
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo |= schema_refs(schemas[name]) - reached
    return {name: value for name, value in schemas.items() if name in reached}
