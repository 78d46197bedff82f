"""The catalog gate: Great Expectations runs the catalog rules on the staged snapshot.

The snapshot is turned into four tables, one row per value a rule judges:

``products``   sku, gtin, gtin_check_digit, gtin_computed_check_digit, identifier
               (GTIN or MPN), brand, positive_prices, title and description_length
               (in the source locale, description measured as plain text)
``prices``     sku, currency, amount: one row per catalog price
``images``     sku, image_link: one row per image
``quantities`` sku, field, value, unit: one row per weight or dimension

The catalog is read in batches (`BATCH_SIZE` products): each batch's tables are
GX pandas assets validated by their own suites built from `schemas.catalog_rules`;
results come back with ``result_format`` COMPLETE and the sku as index column, and
every unexpected row becomes a `Finding`. Rules that judge the whole catalog (the
sku's uniqueness) are judged by SQLite over a temporary file that holds their
column, so memory does not grow with the catalog; findings wait in the same file
until the last batch, to be reported in rule order. Products with an ``error``
finding are quarantined from every market. GX writes its Data Docs (one validation
result per table, merged over the batches) into the folder the caller names.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from schemas.catalog_rules import CatalogRule, Table, catalog_rules
from schemas.findings import Finding, shorten, write_findings_jsonl
from schemas.product import ANY_LOCALE, QUANTITY_FIELDS
from schemas.text import html_to_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

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
BATCH_SIZE = 50_000
"""Products validated at once: GX's cost per batch (about 0.3 s) is amortized, and peak
memory stays about 110 MiB above what importing GX takes (benchmarks/validate_catalog.py)."""


@dataclass(frozen=True, slots=True)
class CatalogValidation:
    """What the gate found.

    Attributes:
        products: Products validated.
        findings: One per unexpected value, in rule order (empty when they went to a
            stream, see `validate_catalog`).
        quarantined: Sku -> rule codes of the ``error`` findings that block it.
        expectations: Expectations evaluated.
        failed_expectations: Expectations with at least one unexpected value.
        warnings: Findings of severity ``warning`` (also when they went to a stream).
        results: One entry per expectation, as GX judged it over the whole catalog:
            ``table``, ``rule``, ``expectation`` (GX's name), ``column``, ``severity``,
            ``success``, ``checked`` (values looked at) and ``unexpected`` (values that
            broke it), for the run report instead of Data Docs.
    """

    products: int
    findings: list[Finding]
    quarantined: dict[str, list[str]]
    expectations: int
    failed_expectations: int
    warnings: int
    results: list[dict[str, Any]] = field(default_factory=list)


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


def validate_catalog(
    products: Iterable[Product],
    *,
    source_locale: str,
    docs_dir: Path | None = None,
    run_name: str = "catalog",
    rules: Sequence[CatalogRule] | None = None,
    batch_size: int = BATCH_SIZE,
    findings_to: IO[str] | None = None,
) -> CatalogValidation:
    """Run the catalog suite with Great Expectations and collect the findings.

    The catalog is read ``batch_size`` products at a time: each batch becomes
    its four tables, GX validates them and the batch is dropped, so memory stays
    flat however large the catalog. Rules that judge the whole catalog
    (`CatalogRule.whole_catalog`, the sku's uniqueness) keep their column in a
    temporary SQLite file and are judged once after the last batch; findings
    wait in the same file until they can be reported in rule order.

    Args:
        products: The staged catalog.
        source_locale: Locale whose title and description every product needs.
        docs_dir: Folder for the GX Data Docs site; None builds none.
        run_name: Name of the GX run (the pipeline passes the run's date).
        rules: The suite; defaults to `schemas.catalog_rules.catalog_rules`.
        batch_size: Products per batch; findings do not depend on it.
        findings_to: Stream that gets the findings as JSON lines
            (`schemas.findings.write_findings_jsonl`) instead of
            `CatalogValidation.findings`, which then stays empty.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    run = _CatalogRun(tuple(rules) if rules is not None else catalog_rules(), docs_dir, run_name)
    with tempfile.TemporaryDirectory(prefix="catalog_gate_") as folder:
        store = sqlite3.connect(Path(folder) / "catalog.sqlite")
        try:
            return run.validate(products, source_locale, batch_size, store, findings_to)
        finally:
            store.close()


def validate_catalog_part(
    products: Iterable[Product],
    part: Path,
    *,
    source_locale: str,
    rules: Sequence[CatalogRule] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Validate one part of the catalog (a shard) for `combine_catalog_parts`.

    The per-batch rules run here; their findings, GX results and the columns of the
    whole-catalog rules go into the SQLite file ``part`` (created), nothing is judged
    catalog-wide yet. Returns the products read.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    run = _CatalogRun(tuple(rules) if rules is not None else catalog_rules(), None, "part")
    store = sqlite3.connect(part)
    try:
        run.create_store(store)
        count = run.collect(products, source_locale, batch_size, store)
        run.save_outcomes(store, count)
    finally:
        store.close()
    return count


def combine_catalog_parts(
    parts: Sequence[Path],
    *,
    source_locale: str,
    docs_dir: Path | None = None,
    run_name: str = "catalog",
    rules: Sequence[CatalogRule] | None = None,
    findings_to: IO[str] | None = None,
) -> CatalogValidation:
    """The catalog's validation from its parts (`validate_catalog_part`, in catalog
    order): the whole-catalog rules judged over every part's column (a sku two parts
    share is a duplicate), findings in rule order, then catalog order, GX results merged
    for the Data Docs. The findings equal `validate_catalog`'s over the whole catalog.
    """
    run = _CatalogRun(tuple(rules) if rules is not None else catalog_rules(), docs_dir, run_name)
    with tempfile.TemporaryDirectory(prefix="catalog_gate_") as folder:
        store = sqlite3.connect(Path(folder) / "catalog.sqlite")
        try:
            run.create_store(store)
            # An empty batch gives each table the GX result whose meta and batch id the
            # Data Docs need; its counts are zero.
            run.collect((), source_locale, 1, store)
            count = sum(run.merge_part(store, part) for part in parts)
            return run.finish(store, count, findings_to)
        finally:
            store.close()


class _CatalogRun:
    """One run of the suite over a catalog, batch by batch (see `validate_catalog`).

    Data Docs get one validation result per table and run, as if GX had seen the
    whole table at once: the batches' results are merged (counts summed,
    percentages recomputed, the first 20 unexpected values kept as GX's partial
    lists), and a whole-catalog rule's result is the one SQLite gave. One page per
    batch would split a run over dozens of pages that say nothing on their own,
    and would not show the sku duplicates found across batches.
    """

    def __init__(self, rules: Sequence[CatalogRule], docs_dir: Path | None, run_name: str) -> None:
        import great_expectations as gx

        self.rules = rules
        self.docs_dir = docs_dir
        self.run_name = run_name
        self.position = {rule.rule: position for position, rule in enumerate(rules)}
        self.context = _gx_context(docs_dir)
        source = self.context.data_sources.add_pandas("catalog")
        self.tables: dict[Table, _TableRun] = {}
        for table_name in INDEX_COLUMNS:
            table_rules = [r for r in rules if r.table == table_name]
            if not table_rules:
                continue
            suite = self.context.suites.add(gx.ExpectationSuite(name=f"catalog_{table_name}"))
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
            definition = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=f"catalog_{table_name}", data=batch, suite=suite)
            )
            self.tables[table_name] = _TableRun(table_name, table_rules, definition, per_batch)

    def validate(
        self,
        products: Iterable[Product],
        source_locale: str,
        batch_size: int,
        store: sqlite3.Connection,
        findings_to: IO[str] | None,
    ) -> CatalogValidation:
        self.create_store(store)
        count = self.collect(products, source_locale, batch_size, store)
        return self.finish(store, count, findings_to)

    def create_store(self, store: sqlite3.Connection) -> None:
        store.execute("PRAGMA journal_mode = OFF")
        store.execute("PRAGMA synchronous = OFF")
        store.execute("CREATE TABLE findings (position INTEGER, finding TEXT)")
        for table in self.tables.values():
            table.create_store(store)

    def collect(
        self,
        products: Iterable[Product],
        source_locale: str,
        batch_size: int,
        store: sqlite3.Connection,
    ) -> int:
        """Validate the per-batch rules; keep findings and whole-catalog columns in
        ``store``. Returns the products read."""
        items = iter(products)
        count = 0
        while True:
            # Products go straight into the tables, never all held at once.
            tables = catalog_tables(itertools.islice(items, batch_size), source_locale)
            size = len(tables["products"])
            if not size and count:
                break
            count += size
            for table_name, table in self.tables.items():
                found = table.validate(tables[table_name], store)
                self._keep(store, found)
            del tables
            if size < batch_size:  # a short batch is the last one
                break
        return count

    def finish(
        self, store: sqlite3.Connection, count: int, findings_to: IO[str] | None
    ) -> CatalogValidation:
        """Judge the whole-catalog rules, build the Data Docs, report in rule order."""
        for table in self.tables.values():
            self._keep(store, table.judge_whole_catalog(store))
        if self.docs_dir is not None:
            self._build_docs()
        return self._outcome(store, count, findings_to)

    def save_outcomes(self, store: sqlite3.Connection, count: int) -> None:
        """Put the per-batch rules' GX results and the rows counted into ``store``, so
        that `combine_catalog_parts` can merge them in another process."""
        import json

        store.execute("CREATE TABLE outcomes (rule TEXT, outcome TEXT)")
        store.execute("CREATE TABLE counts (name TEXT, rows INTEGER)")
        for table in self.tables.values():
            store.execute("INSERT INTO counts VALUES (?, ?)", (table.name, table.rows))
            for rule, outcomes in table.outcomes.items():
                store.executemany(
                    "INSERT INTO outcomes VALUES (?, ?)",
                    ((rule, json.dumps(o.to_json_dict())) for o in outcomes),
                )
        store.execute("INSERT INTO counts VALUES (?, ?)", ("(catalog)", count))
        store.commit()

    def merge_part(self, store: sqlite3.Connection, part: Path) -> int:
        """Add one part's findings, whole-catalog columns and GX results (after those of
        the parts merged before it); returns its products."""
        import json

        from great_expectations.core import ExpectationValidationResult

        store.execute("ATTACH DATABASE ? AS part", (str(part),))
        try:
            store.execute(
                "INSERT INTO findings SELECT position, finding FROM part.findings ORDER BY rowid"
            )
            for table in self.tables.values():
                for rule in table.whole_catalog:
                    name = table._values_table(rule)
                    store.execute(f"INSERT INTO {name} SELECT * FROM part.{name} ORDER BY rowid")
                (rows,) = store.execute(
                    "SELECT rows FROM part.counts WHERE name = ?", (table.name,)
                ).fetchone()
                table.rows += rows
                configurations = {
                    c.meta["rule"]: c for c in table.definition.suite.expectation_configurations
                }
                for rule, text in store.execute(
                    "SELECT rule, outcome FROM part.outcomes WHERE rule IN "
                    f"({', '.join('?' * len(table.outcomes))}) ORDER BY rowid",
                    tuple(table.outcomes),
                ):
                    saved = json.loads(text)
                    table.outcomes[rule].append(
                        ExpectationValidationResult(
                            success=saved["success"],
                            expectation_config=configurations[rule],
                            result=saved.get("result") or {},
                            meta=saved.get("meta") or {},
                            exception_info=saved.get("exception_info"),
                        )
                    )
            (count,) = store.execute(
                "SELECT rows FROM part.counts WHERE name = '(catalog)'"
            ).fetchone()
            store.commit()
        finally:
            store.execute("DETACH DATABASE part")
        return int(count)

    def _keep(self, store: sqlite3.Connection, findings: Iterable[Finding]) -> None:
        store.executemany(
            "INSERT INTO findings VALUES (?, ?)",
            ((self.position[f.rule], f.to_json()) for f in findings),
        )

    def _outcome(
        self, store: sqlite3.Connection, count: int, findings_to: IO[str] | None
    ) -> CatalogValidation:
        kept: list[Finding] = []
        quarantined: dict[str, list[str]] = {}
        warnings = 0

        def in_rule_order() -> Iterator[Finding]:
            nonlocal warnings
            # Rule order, and within a rule the order GX reported (catalog order).
            for (line,) in store.execute("SELECT finding FROM findings ORDER BY position, rowid"):
                finding = Finding.from_json(line)
                if finding.severity == "warning":
                    warnings += 1
                elif finding.sku is not None:
                    codes = quarantined.setdefault(finding.sku, [])
                    if finding.rule not in codes:
                        codes.append(finding.rule)
                yield finding

        if findings_to is None:
            kept.extend(in_rule_order())
        else:
            write_findings_jsonl(in_rule_order(), findings_to)
        results = {name: t.merged() for name, t in self.tables.items()}
        return CatalogValidation(
            products=count,
            findings=kept,
            quarantined=quarantined,
            expectations=sum(len(r.results) for r in results.values()),
            failed_expectations=sum(
                1 for r in results.values() for o in r.results if not o.success
            ),
            warnings=warnings,
            results=[
                _judged(name, self.tables[name], outcome)
                for name, merged in results.items()
                for outcome in merged.results
            ],
        )

    def _build_docs(self) -> None:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run_id = RunIdentifier(run_name=self.run_name)
        store = self.context.validation_results_store
        for table in self.tables.values():
            result = table.merged()
            # What ValidationDefinition.run adds to a result before storing it.
            result.meta["validation_id"] = table.definition.id
            result.meta["checkpoint_id"] = None
            result.meta["run_id"] = run_id
            result.meta["validation_time"] = run_id.run_time
            result.meta["batch_parameters"] = {"dataframe": "<DATAFRAME>"}
            suite_id = ExpectationSuiteIdentifier(name=table.definition.suite.name)
            store.store_validation_results(
                suite_validation_result=result,
                suite_validation_result_identifier=ValidationResultIdentifier(
                    expectation_suite_identifier=suite_id,
                    run_id=run_id,
                    batch_identifier=result.batch_id,
                ),
                expectation_suite_identifier=suite_id,
            )
        self.context.build_data_docs(site_names=[DOCS_SITE])


def _judged(table: str, run: _TableRun, outcome: Any) -> dict[str, Any]:
    """One expectation's verdict over the whole catalog, as plain JSON-ready values."""
    configuration = outcome.expectation_config
    rule = run.by_rule[configuration.meta["rule"]]
    result = outcome.result or {}
    return {
        "table": table,
        "rule": rule.rule,
        "expectation": configuration.type,
        "column": configuration.kwargs.get("column"),
        "severity": rule.severity,
        "success": bool(outcome.success),
        "checked": result.get("element_count"),
        "unexpected": result.get("unexpected_count"),
    }


class _TableRun:
    """One table's rules over the batches: findings as they come, results merged."""

    def __init__(
        self, name: Table, rules: list[CatalogRule], definition: Any, per_batch: Any
    ) -> None:
        self.name = name
        self.rules = rules
        self.definition = definition
        self.per_batch = per_batch
        self.by_rule = {r.rule: r for r in rules}
        self.whole_catalog = [r for r in rules if r.whole_catalog]
        self.rows = 0
        self.outcomes: dict[str, list[Any]] = {r.rule: [] for r in rules if not r.whole_catalog}
        self.first: Any = None  # the first batch's suite result: meta and batch id for the docs
        self.verdicts: dict[str, Any] = {}

    def _values_table(self, rule: CatalogRule) -> str:
        return f"values_{self.rules.index(rule)}"

    def create_store(self, store: sqlite3.Connection) -> None:
        columns = ", ".join(f"c{n}" for n in range(len(INDEX_COLUMNS[self.name])))
        for rule in self.whole_catalog:
            store.execute(f"CREATE TABLE {self._values_table(rule)} (value, {columns})")

    def validate(self, frame: pd.DataFrame, store: sqlite3.Connection) -> list[Finding]:
        """Validate one batch's table; keep the whole-catalog rules' columns in ``store``."""
        index = INDEX_COLUMNS[self.name]
        for rule in self.whole_catalog:
            marks = ", ".join("?" * (1 + len(index)))
            store.executemany(
                f"INSERT INTO {self._values_table(rule)} VALUES ({marks})",
                zip(*(frame[c].tolist() for c in (rule.kwargs["column"], *index)), strict=True),
            )
        self.rows += len(frame)
        found: list[Finding] = []
        if not self.outcomes:
            return found
        batch = self.definition.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            self.per_batch,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": index,
                "return_unexpected_index_query": False,
            },
        )
        for outcome in result.results:
            rule = self.by_rule[outcome.expectation_config.meta["rule"]]
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                reason = outcome.exception_info["exception_message"]
                raise RuntimeError(f"GX could not evaluate rule {rule.rule}: {reason}")
            if not outcome.success:
                found.extend(_findings(rule, outcome.result.get("unexpected_index_list") or []))
            # The full lists are in the findings; the docs show GX's partial ones.
            outcome.result.pop("unexpected_list", None)
            outcome.result.pop("unexpected_index_list", None)
            self.outcomes[rule.rule].append(outcome)
        if self.first is None:
            result.results = []
            self.first = result
        return found

    def judge_whole_catalog(self, store: sqlite3.Connection) -> list[Finding]:
        """Findings of the whole-catalog rules: every row whose value another row has too."""
        found: list[Finding] = []
        index = INDEX_COLUMNS[self.name]
        for rule in self.whole_catalog:
            values = self._values_table(rule)
            column = rule.kwargs["column"]
            (missing,) = store.execute(
                f"SELECT COUNT(*) FROM {values} WHERE value IS NULL"
            ).fetchone()
            # Nulls are not duplicates of each other, as in GX's column_values.unique.
            rows = [
                {column: value, **dict(zip(index, reported, strict=True))}
                for value, *reported in store.execute(
                    f"SELECT * FROM {values} WHERE value IN (SELECT value FROM {values} "
                    "WHERE value IS NOT NULL GROUP BY value HAVING COUNT(*) > 1) ORDER BY rowid"
                )
            ]
            found.extend(_findings(rule, rows))
            self.verdicts[rule.rule] = (missing, rows)
        return found

    def merged(self) -> Any:
        """The suite's result over every batch, as GX would give it for the whole table."""
        from great_expectations.core import ExpectationSuiteValidationResult

        configurations = self.definition.suite.expectation_configurations
        results = []
        for configuration in configurations:
            rule = configuration.meta["rule"]
            if rule in self.verdicts:
                missing, rows = self.verdicts[rule]
                results.append(
                    _uniqueness_result(configuration, self.rows, missing, rows, self.by_rule[rule])
                )
            else:
                results.append(_merged_outcome(self.outcomes[rule]))
        successful = sum(1 for r in results if r.success)
        first = self.first
        return ExpectationSuiteValidationResult(
            success=successful == len(results),
            results=results,
            suite_name=self.definition.suite.name,
            statistics={
                "evaluated_expectations": len(results),
                "successful_expectations": successful,
                "unsuccessful_expectations": len(results) - successful,
                "success_percent": 100 * successful / len(results) if results else None,
            },
            meta=dict(first.meta) if first is not None else {},
            batch_id=first.batch_id if first is not None else None,
        )


PARTIAL = 20
"""Unexpected values a merged result keeps, as GX's partial lists do."""


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _counted(outcome: dict[str, Any], element: int, missing: int, unexpected: int) -> None:
    """Set GX's counts and the percentages it derives from them in a result dict."""
    present = set(outcome)
    values: dict[str, Any] = {
        "element_count": element,
        "missing_count": missing,
        "missing_percent": _percent(missing, element),
        "unexpected_count": unexpected,
        "unexpected_percent": _percent(unexpected, element - missing),
        "unexpected_percent_total": _percent(unexpected, element),
        "unexpected_percent_nonmissing": _percent(unexpected, element - missing),
    }
    outcome.update({k: v for k, v in values.items() if k in present})


def _merged_outcome(outcomes: list[Any]) -> Any:
    """One expectation's batch results as one: counts summed, partial lists cut at 20."""
    from great_expectations.core import ExpectationValidationResult

    first = outcomes[0]
    merged: dict[str, Any] = dict(first.result)
    for key in ("partial_unexpected_list", "partial_unexpected_index_list"):
        if key in merged:
            merged[key] = [v for o in outcomes for v in o.result.get(key, ())][:PARTIAL]
    if "partial_unexpected_counts" in merged:
        counts: dict[Any, int] = defaultdict(int)
        for outcome in outcomes:
            for entry in outcome.result.get("partial_unexpected_counts", ()):
                value = entry["value"]
                counts[tuple(value) if isinstance(value, list) else value] += entry["count"]
        merged["partial_unexpected_counts"] = [
            {"value": value, "count": n}
            for value, n in sorted(counts.items(), key=lambda item: -item[1])[:PARTIAL]
        ]
    _counted(
        merged,
        sum(o.result.get("element_count", 0) for o in outcomes),
        sum(o.result.get("missing_count", 0) for o in outcomes),
        sum(o.result.get("unexpected_count", 0) for o in outcomes),
    )
    return ExpectationValidationResult(
        success=all(o.success for o in outcomes),
        expectation_config=first.expectation_config,
        result=merged,
        meta=first.meta,
        exception_info=first.exception_info,
    )


def _uniqueness_result(
    configuration: Any, element: int, missing: int, rows: list[dict[str, Any]], rule: CatalogRule
) -> Any:
    """The result GX gives a column's uniqueness, from what SQLite found over the catalog."""
    from great_expectations.core import ExpectationValidationResult

    column = rule.kwargs["column"]
    values = [row[column] for row in rows]
    counts: dict[Any, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    result: dict[str, Any] = dict.fromkeys(
        (
            "element_count",
            "missing_count",
            "missing_percent",
            "unexpected_count",
            "unexpected_percent",
            "unexpected_percent_total",
            "unexpected_percent_nonmissing",
        )
    )
    result["partial_unexpected_list"] = values[:PARTIAL]
    result["partial_unexpected_counts"] = [
        {"value": value, "count": n}
        for value, n in sorted(counts.items(), key=lambda item: -item[1])[:PARTIAL]
    ]
    result["partial_unexpected_index_list"] = rows[:PARTIAL]
    result["unexpected_index_column_names"] = INDEX_COLUMNS[rule.table]
    _counted(result, element, missing, len(rows))
    return ExpectationValidationResult(
        success=not rows, expectation_config=configuration, result=result, meta={}
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
