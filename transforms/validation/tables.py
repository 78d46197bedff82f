"""The four tables the catalog rules run on, flattened from products (see
`transforms.validation`), with the GTIN check digits computed vectorized."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from schemas.product import ANY_LOCALE, QUANTITY_FIELDS
from schemas.text import html_to_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from schemas.catalog_rules import Table
    from schemas.product import Product


INDEX_COLUMNS: dict[Table, list[str]] = {
    "products": ["sku", "gtin"],
    "prices": ["sku", "currency"],
    "images": ["sku"],
    "quantities": ["sku", "field"],
}
"""Columns GX reports for every unexpected row (the sku first)."""


def catalog_tables(products: Iterable[Product], source_locale: str) -> dict[Table, pd.DataFrame]:
    """Flatten products into the four tables the rules run on (see the module docstring)."""
    import pandas as pd

    rows: dict[str, list[Any]] = defaultdict(list)
    prices: dict[str, list[Any]] = defaultdict(list)
    images: dict[str, list[Any]] = defaultdict(list)
    quantities: dict[str, list[Any]] = defaultdict(list)
    for product in products:
        sku = product.sku
        gtin = product.gtin or None
        rows["sku"].append(sku or None)
        rows["gtin"].append(gtin)
        rows["identifier"].append(gtin or product.mpn or None)
        rows["brand"].append(product.brand or None)
        rows["positive_prices"].append(sum(1 for m in product.prices.values() if m.amount > 0))
        rows["title"].append(
            product.title.get(source_locale)
            or product.title.get(ANY_LOCALE)
            or next((text for text in product.title.values() if text.strip()), None)
        )
        description = product.description.get(source_locale)
        rows["description_length"].append(len(html_to_text(description)) if description else None)
        for money in product.prices.values():
            prices["sku"].append(sku)
            prices["currency"].append(money.currency)
            prices["amount"].append(money.amount)
        for link in product.image_links:
            images["sku"].append(sku)
            images["image_link"].append(link)
        for name in QUANTITY_FIELDS:
            quantity = getattr(product, name)
            if quantity is not None:
                quantities["sku"].append(sku)
                quantities["field"].append(name)
                quantities["value"].append(quantity.value)
                quantities["unit"].append(quantity.unit)
    table = pd.DataFrame(
        {
            "sku": pd.Series(rows["sku"], dtype="object"),
            "gtin": pd.Series(rows["gtin"], dtype="object"),
            "identifier": pd.Series(rows["identifier"], dtype="object"),
            "brand": pd.Series(rows["brand"], dtype="object"),
            "positive_prices": pd.Series(rows["positive_prices"], dtype="int64"),
            "title": pd.Series(rows["title"], dtype="object"),
            "description_length": pd.Series(rows["description_length"], dtype="Int64"),
        }
    )
    table["gtin_check_digit"], table["gtin_computed_check_digit"] = _check_digits(table["gtin"])
    return {
        "products": table,
        "prices": pd.DataFrame(
            {k: prices[k] for k in ("sku", "currency", "amount")}, dtype="object"
        ),
        "images": pd.DataFrame({k: images[k] for k in ("sku", "image_link")}, dtype="object"),
        "quantities": pd.DataFrame(
            {k: quantities[k] for k in ("sku", "field", "value", "unit")}, dtype="object"
        ),
    }


def _check_digits(gtins: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The stated and the GS1-computed check digit of every well-formed GTIN (vectorized).

    GTINs are right-aligned in 14 digits; from the rightmost data digit leftwards
    the weights are 3, 1, 3, ... (GS1 General Specifications 7.9). Rows without a
    well-formed GTIN get missing values, which the pair rule ignores.
    """
    import numpy as np
    import pandas as pd

    well_formed = gtins.str.fullmatch(r"\d{8}|\d{12}|\d{13}|\d{14}").fillna(False).astype(bool)
    stated = pd.Series(pd.NA, index=gtins.index, dtype="Int64")
    computed = pd.Series(pd.NA, index=gtins.index, dtype="Int64")
    if not well_formed.any():
        return stated, computed
    padded = gtins[well_formed].str.zfill(14)
    digits = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8).reshape(-1, 14) - 48
    weights = np.array([3, 1] * 6 + [3], dtype=np.int64)  # for the 13 data digits, left to right
    total = digits[:, :13].astype(np.int64) @ weights
    stated[well_formed] = digits[:, 13].astype(np.int64)
    computed[well_formed] = (10 - total % 10) % 10
    return stated, computed
