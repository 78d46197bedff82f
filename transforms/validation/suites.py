"""Great Expectations set up for the catalog gate: an ephemeral context, each table's
expectation suites built from the catalog rules, and the Data Docs written from the
merged results."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transforms.validation.tables import INDEX_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from schemas.catalog_rules import CatalogRule, Table

DOCS_SITE = "grenzenlos"


@dataclass(frozen=True, slots=True)
class TableSuite:
    """One table's rules as GX holds them.

    Attributes:
        rules: The table's rules, in suite order.
        definition: The GX validation definition over the whole suite (its batch
            definition takes each batch's dataframe; the Data Docs show its results).
        per_batch: The suite without the whole-catalog rules, run on every batch (never
            stored in the context).
    """

    rules: list[CatalogRule]
    definition: Any
    per_batch: Any


def table_suites(context: Any, rules: Sequence[CatalogRule]) -> dict[Table, TableSuite]:
    """The suites of every table that has rules, added to ``context``.

    Raises:
        ValueError: A whole-catalog rule that is not a uniqueness (only that is judged
            catalog-wide).
    """
    import great_expectations as gx

    source = context.data_sources.add_pandas("catalog")
    suites: dict[Table, TableSuite] = {}
    for table_name in INDEX_COLUMNS:
        table_rules = [r for r in rules if r.table == table_name]
        if not table_rules:
            continue
        suite = context.suites.add(gx.ExpectationSuite(name=f"catalog_{table_name}"))
        per_batch = gx.ExpectationSuite(name=f"catalog_{table_name}_batch")  # never stored
        for rule in table_rules:
            if rule.whole_catalog and rule.expectation != "ExpectColumnValuesToBeUnique":
                raise ValueError(f"rule {rule.rule}: only uniqueness is judged catalog-wide")
            expectation_class = getattr(gx.expectations, rule.expectation)
            suite.add_expectation(expectation_class(**rule.kwargs, meta={"rule": rule.rule}))
            if not rule.whole_catalog:
                per_batch.add_expectation(
                    expectation_class(**rule.kwargs, meta={"rule": rule.rule})
                )
        batch = source.add_dataframe_asset(table_name).add_batch_definition_whole_dataframe(
            "snapshot"
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"catalog_{table_name}", data=batch, suite=suite)
        )
        suites[table_name] = TableSuite(table_rules, definition, per_batch)
    return suites


def write_data_docs(context: Any, run_name: str, results: Iterable[tuple[Any, Any]]) -> None:
    """Store each table's merged result (``(definition, result)`` pairs) as one validation
    result of the run ``run_name``, and build the Data Docs site."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_id = RunIdentifier(run_name=run_name)
    store = context.validation_results_store
    for definition, result in results:
        # What ValidationDefinition.run adds to a result before storing it.
        result.meta["validation_id"] = definition.id
        result.meta["checkpoint_id"] = None
        result.meta["run_id"] = run_id
        result.meta["validation_time"] = run_id.run_time
        result.meta["batch_parameters"] = {"dataframe": "<DATAFRAME>"}
        suite_id = ExpectationSuiteIdentifier(name=definition.suite.name)
        store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=ValidationResultIdentifier(
                expectation_suite_identifier=suite_id,
                run_id=run_id,
                batch_identifier=result.batch_id,
            ),
            expectation_suite_identifier=suite_id,
        )
    context.build_data_docs(site_names=[DOCS_SITE])


def gx_context(docs_dir: Path | None) -> Any:
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
