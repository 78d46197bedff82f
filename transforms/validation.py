"""The catalog gate: Great Expectations runs the catalog rules on the staged snapshot.

The snapshot is turned into four tables, one row per value a rule judges:

``products``   sku, gtin, gtin_check_digit, gtin_computed_check_digit, identifier
               (GTIN or MPN), brand, positive_prices, title and description_length
               (in the source locale, description measured as plain text)
``prices``     sku, currency, amount: one row per catalog price
``images``     sku, image_link: one row per image
``quantities`` sku, field, value, unit: one row per weight or dimension

Each table is a GX pandas asset validated by its own suite built from
`schemas.catalog_rules`; results come back with ``result_format`` COMPLETE and the
sku as index column, and every unexpected row becomes a `Finding`. Products with
an ``error`` finding are quarantined from every market. GX writes its Data Docs
into the folder the caller names.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.catalog_rules import CatalogRule, Table, catalog_rules
from schemas.findings import Finding, shorten
from schemas.product import ANY_LOCALE, QUANTITY_FIELDS
from schemas.text import html_to_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    import pandas as pd

    from schemas.product import Product

INDEX_COLUMNS: dict[Table, list[str]] = {
    "products": ["sku", "gtin"],
    "prices": ["sku", "currency"],
    "images": ["sku"],
    "quantities": ["sku", "field"],
}
"""Columns GX reports for every unexpected row (the sku first)."""
DOCS_SITE = "grenzenlos"


@dataclass(frozen=True, slots=True)
class CatalogValidation:
    """What the gate found.

    Attributes:
        products: Products validated.
        findings: One per unexpected value, in rule order.
        quarantined: Sku -> rule codes of the ``error`` findings that block it.
        expectations: Expectations evaluated.
        failed_expectations: Expectations with at least one unexpected value.
    """

    products: int
    findings: list[Finding]
    quarantined: dict[str, list[str]]
    expectations: int
    failed_expectations: int


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
            product.title.get(source_locale) or product.title.get(ANY_LOCALE) or None
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


def validate_catalog(
    products: Iterable[Product],
    *,
    source_locale: str,
    docs_dir: Path | None = None,
    run_name: str = "catalog",
    rules: Sequence[CatalogRule] | None = None,
) -> CatalogValidation:
    """Run the catalog suite with Great Expectations and collect the findings.

    Args:
        products: The staged catalog.
        source_locale: Locale whose title and description every product needs.
        docs_dir: Folder for the GX Data Docs site; None builds none.
        run_name: Name of the GX run (the pipeline passes the run's date).
        rules: The suite; defaults to `schemas.catalog_rules.catalog_rules`.
    """
    return validate_tables(
        catalog_tables(products, source_locale), docs_dir=docs_dir, run_name=run_name, rules=rules
    )


def validate_tables(
    tables: Mapping[Table, pd.DataFrame],
    *,
    docs_dir: Path | None = None,
    run_name: str = "catalog",
    rules: Sequence[CatalogRule] | None = None,
) -> CatalogValidation:
    """Run the catalog suite on tables built by `catalog_tables` (see `validate_catalog`)."""
    rules = tuple(rules) if rules is not None else catalog_rules()
    context = _gx_context(docs_dir)
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    run_id = RunIdentifier(run_name=run_name)
    source = context.data_sources.add_pandas("catalog")
    findings: list[Finding] = []
    evaluated = failed = 0
    for table_name, frame in tables.items():
        table_rules = [r for r in rules if r.table == table_name]
        if not table_rules:
            continue
        batch = source.add_dataframe_asset(table_name).add_batch_definition_whole_dataframe(
            "snapshot"
        )
        suite = context.suites.add(gx.ExpectationSuite(name=f"catalog_{table_name}"))
        for rule in table_rules:
            expectation_class = getattr(gx.expectations, rule.expectation)
            suite.add_expectation(expectation_class(**rule.kwargs, meta={"rule": rule.rule}))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"catalog_{table_name}", data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": INDEX_COLUMNS[table_name],
                "return_unexpected_index_query": False,
            },
            run_id=run_id,
        )
        by_rule = {r.rule: r for r in table_rules}
        for outcome in result.results:
            evaluated += 1
            rule = by_rule[outcome.expectation_config.meta["rule"]]
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                reason = outcome.exception_info["exception_message"]
                raise RuntimeError(f"GX could not evaluate rule {rule.rule}: {reason}")
            if not outcome.success:
                failed += 1
                findings.extend(_findings(rule, outcome.result.get("unexpected_index_list") or []))
    if docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])
    order = {rule.rule: position for position, rule in enumerate(rules)}
    findings.sort(key=lambda f: order[f.rule])
    quarantined: dict[str, list[str]] = {}
    for finding in findings:
        if finding.severity == "error" and finding.sku is not None:
            codes = quarantined.setdefault(finding.sku, [])
            if finding.rule not in codes:
                codes.append(finding.rule)
    return CatalogValidation(
        products=len(tables["products"]),
        findings=findings,
        quarantined=quarantined,
        expectations=evaluated,
        failed_expectations=failed,
    )


def _findings(rule: CatalogRule, unexpected: list[dict[str, Any]]) -> list[Finding]:
    shown = rule.shown_column
    found = []
    for row in unexpected:
        sku = row.get("sku")
        value = row.get(shown) if shown else None
        found.append(
            Finding(
                stage="validate",
                severity=rule.severity,
                sku=None if _missing(sku) else str(sku),
                field=str(row["field"]) if rule.table == "quantities" else rule.field,
                rule=rule.rule,
                message=_fill(rule.message, row),
                value=None if _missing(value) else shorten(_plain(value)),
            )
        )
    return found


def _fill(template: str, row: dict[str, Any]) -> str:
    """Put the row's reported values into the message; leave it as is when one is absent."""
    if "{" not in template:
        return template
    try:
        return template.format(**{k: _plain(v) for k, v in row.items()})
    except (KeyError, IndexError):
        return template


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA (which refuses to be compared)."""
    import pandas as pd

    return value is None or bool(pd.isna(value)) if not isinstance(value, list | dict) else False


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _gx_context(docs_dir: Path | None) -> Any:
    """An ephemeral GX context: no progress bars, and Data Docs in ``docs_dir`` only."""
    # GX logs every decorated function at INFO while importing; task logs need none of it.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    for site in list(context.get_site_names()):
        context.delete_data_docs_site(site)
    if docs_dir is not None:
        context.add_data_docs_site(
            DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context
