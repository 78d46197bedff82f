"""Turn a slice of Akeneo's icecat demo export into the resources the REST API serves.

Usage::

    python tests/cases/catalog/akeneo_api/derive_catalog.py ../shared/data/akeneo-icecat-demo

writes ``catalog.json`` beside this script, the catalog `tests/akeneo_api_server.py`
serves: the export's channels, attributes, attribute options (of the select attributes
the slice uses), every product model, the family variants of ``family_variants.csv``
(Akeneo's own ``icecat_demo_dev`` fixture, beside this script), and the products: every
variant product of the export plus its first `SIMPLE_PRODUCTS` simple products with a
price or a picture, in the export's order.

Each value is written in the API's standard format (https://api.akeneo.com/concepts/
products.html#focus-on-the-product-values), by the attribute's type in
``attributes.csv``: a text as the string (the export's ``\\n`` as a line break), a
select as its option code, a multi-select as a list of codes, a boolean as true/false,
a metric as ``{"amount", "unit"}``, the ``price-<CUR>`` columns as one price collection
``[{"amount", "currency"}]``, a date as ISO 8601 date-time, a media file as a media file
code shaped like Akeneo's (``a/b/c/d/<sha1>_<name>``; the export gives the file's path in
its archive instead). A variant product carries its product models' values and
categories too, as the API returns them ("It contains the common attribute values of its
product model plus values for variations", https://api.akeneo.com/tutorials/
how-to-collect-product-variations.html). uuids are derived from the sku (uuid5), dates
are fixed, so the output is the same on every run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

SIMPLE_PRODUCTS = 40
"""Simple (non-variant) products kept: the export's first ones with a price or a picture."""
HERE = Path(__file__).parent
STAMP = "2017-10-05T11:25:48+02:00"
"""``created`` and ``updated`` of every resource (the API reference's example date)."""
_ASSOCIATION_SUFFIXES = ("-groups", "-products", "-product_models")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter=";"))


def media_code(path: str) -> str:
    """A media file code shaped like Akeneo's for the export's file path.

    >>> media_code("files/1111111171/image/bag.jpg")
    'a/c/e/9/ace9b44f39b167c12b05ad9a06b64db67bdfd4da_bag.jpg'
    """
    digest = hashlib.sha1(path.encode()).hexdigest()  # noqa: S324 - a name, not a secret
    name = path.rsplit("/", 1)[-1].replace("-", "_")
    return f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{name}"


class Values:
    """Builds standard-format values from export rows, by attribute type."""

    def __init__(self, attributes: list[dict[str, str]]) -> None:
        self.types = {a["code"]: a["type"] for a in attributes}
        self.localizable = {a["code"] for a in attributes if a["localizable"] == "1"}
        self.scopable = {a["code"] for a in attributes if a["scopable"] == "1"}
        self.options_used: dict[str, set[str]] = {}

    def _where(self, column: str) -> tuple[str, str | None, str | None] | None:
        attr, *rest = column.split("-")
        if attr not in self.types:
            return None
        locale = rest.pop(0) if attr in self.localizable and rest else None
        scope = rest.pop(0) if attr in self.scopable and rest else None
        if rest:
            return None
        return attr, locale, scope

    def _data(self, attr: str, text: str, row: dict[str, str], column: str) -> Any:
        kind = self.types[attr]
        if kind in ("pim_catalog_text", "pim_catalog_textarea", "pim_catalog_identifier"):
            return text.replace("\\n", "\n")
        if kind == "pim_catalog_simpleselect":
            self.options_used.setdefault(attr, set()).add(text)
            return text
        if kind == "pim_catalog_multiselect":
            codes = [c for c in text.split(",") if c]
            self.options_used.setdefault(attr, set()).update(codes)
            return codes
        if kind == "pim_catalog_boolean":
            return text == "1"
        if kind == "pim_catalog_number":
            return int(text) if text.lstrip("-").isdigit() else text
        if kind == "pim_catalog_metric":
            return {"amount": text, "unit": row.get(f"{column}-unit") or None}
        if kind == "pim_catalog_date":
            return f"{text}T00:00:00+00:00"
        if kind in ("pim_catalog_image", "pim_catalog_file"):
            return media_code(text)
        raise ValueError(f"attribute type {kind} of {attr} is not converted")

    def of(self, row: dict[str, str], skip: set[str]) -> dict[str, list[dict[str, Any]]]:
        values: dict[str, list[dict[str, Any]]] = {}
        prices: list[dict[str, str]] = []
        for column, text in row.items():
            if not text or column in skip or column.endswith(("-unit", *_ASSOCIATION_SUFFIXES)):
                continue
            if column.startswith("price-"):
                prices.append({"amount": text, "currency": column.removeprefix("price-")})
                continue
            where = self._where(column)
            if where is None:
                raise ValueError(f"column {column} is not an attribute of attributes.csv")
            attr, locale, scope = where
            data = self._data(attr, text, row, column)
            values.setdefault(attr, []).append({"locale": locale, "scope": scope, "data": data})
        if prices:
            values["price"] = [{"locale": None, "scope": None, "data": prices}]
        return values


def derive(export: Path) -> dict[str, Any]:
    """The API resources of the slice of ``export`` (see the module docstring)."""
    attributes = _rows(export / "attributes.csv")
    values = Values(attributes)
    variants = _rows(HERE / "family_variants.csv")
    family_of_variant = {v["code"]: v["family"] for v in variants}
    models: dict[str, dict[str, Any]] = {}
    for row in _rows(export / "product_models.csv"):
        models[row["code"]] = {
            "code": row["code"],
            "family": family_of_variant[row["family_variant"]],
            "family_variant": row["family_variant"],
            "parent": row["parent"] or None,
            "categories": [c for c in row["categories"].split(",") if c],
            "values": values.of(row, {"code", "family_variant", "parent", "categories"}),
            "created": STAMP,
            "updated": STAMP,
            "associations": {},
            "quantified_associations": {},
        }
    folded = {code.casefold(): model for code, model in models.items()}
    products: list[dict[str, Any]] = []
    simple = 0
    for row in _rows(export / "products.csv"):
        if not row["parent"]:
            if simple >= SIMPLE_PRODUCTS or not (row.get("price-EUR") or row.get("picture")):
                continue
            simple += 1
        own = values.of(row, {"categories", "enabled", "family", "parent", "groups"})
        merged: dict[str, list[dict[str, Any]]] = {}
        categories = [c for c in row["categories"].split(",") if c]
        # The export mixes cases (``Model-tshirt-divided-blue`` names
        # ``model-tshirt-divided-blue``); Akeneo's codes are unique whatever their case.
        parent = folded[row["parent"].casefold()]["code"] if row["parent"] else None
        up = parent
        while up:  # the root's values first, the product's own last (they win)
            model = folded[up.casefold()]
            merged = {**model["values"], **merged}
            categories += [c for c in model["categories"] if c not in categories]
            up = model["parent"]
        merged.update(own)
        products.append(
            {
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"akeneo-icecat-demo:{row['sku']}")),
                "enabled": row["enabled"] != "0",
                "family": row["family"] or None,
                "categories": categories,
                "groups": [g for g in row.get("groups", "").split(",") if g],
                "parent": parent,
                "values": merged,
                "created": STAMP,
                "updated": STAMP,
                "associations": {},
                "quantified_associations": {},
            }
        )
    options: dict[str, dict[str, dict[str, str]]] = {}
    for row in _rows(export / "attribute_options.csv"):
        if row["code"] in values.options_used.get(row["attribute"], ()):
            labels = {k.removeprefix("label-"): v for k, v in row.items() if k.startswith("label-")}
            options.setdefault(row["attribute"], {})[row["code"]] = {
                locale: label for locale, label in labels.items() if label
            }
    channels = [
        {
            "code": row["code"],
            "locales": row["locales"].split(","),
            "currencies": row["currencies"].split(","),
            "category_tree": row["tree"],
            "labels": {
                k.removeprefix("label-"): v for k, v in row.items() if k.startswith("label-")
            },
        }
        for row in _rows(export / "channels.csv")
    ]
    family_variants = [
        {
            "family": row["family"],
            "code": row["code"],
            "labels": {
                k.removeprefix("label-"): v for k, v in row.items() if k.startswith("label-")
            },
            "variant_attribute_sets": [
                {
                    "level": level,
                    "axes": [a for a in row[f"variant-axes_{level}"].split(",") if a],
                    "attributes": [a for a in row[f"variant-attributes_{level}"].split(",") if a],
                }
                for level in (1, 2)
                if row[f"variant-axes_{level}"]
            ],
        }
        for row in variants
    ]
    return {
        "channels": channels,
        "attributes": [
            {
                "code": a["code"],
                "type": a["type"],
                "group": a["group"],
                "localizable": a["localizable"] == "1",
                "scopable": a["scopable"] == "1",
                "unique": a["unique"] == "1",
                **({"is_main_identifier": True} if a["type"] == "pim_catalog_identifier" else {}),
            }
            for a in attributes
        ],
        "options": {attr: dict(sorted(codes.items())) for attr, codes in sorted(options.items())},
        "family_variants": family_variants,
        "product_models": list(models.values()),
        "products": products,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="the akeneo-icecat-demo folder")
    args = parser.parse_args(argv)
    catalog = derive(args.export)
    target = HERE / "catalog.json"
    # One resource a line: small, and a diff shows which resource changed.
    parts = []
    for key, value in catalog.items():
        lines = (
            [json.dumps(item, ensure_ascii=False) for item in value]
            if isinstance(value, list)
            else [json.dumps(value, ensure_ascii=False)]
        )
        body = ",\n  ".join(lines)
        parts.append(
            f" {json.dumps(key)}: [\n  {body}\n ]"
            if isinstance(value, list)
            else f" {json.dumps(key)}: {body}"
        )
    target.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")
    print(
        f"wrote {target}: {len(catalog['products'])} products, "
        f"{len(catalog['product_models'])} product models"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
