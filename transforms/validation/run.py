"""Running the catalog suite in batches: the catalog is read `BATCH_SIZE` products at a
time, each batch's tables validated by GX and dropped; the whole-catalog rules' columns
and the findings wait in a SQLite file until the last batch (or, for shards, until
`combine_catalog_parts` merges the parts' files)."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from schemas.catalog_rules import CatalogRule, Table, catalog_rules
from schemas.findings import Finding, write_findings_jsonl
from transforms.validation.results import (
    findings_of,
    judged,
    merged_outcome,
    uniqueness_result,
)
from transforms.validation.suites import gx_context, table_suites, write_data_docs
from transforms.validation.tables import INDEX_COLUMNS, catalog_tables

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    import pandas as pd

    from schemas.product import Product

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
        self.rules = rules
        self.docs_dir = docs_dir
        self.run_name = run_name
        self.position = {rule.rule: position for position, rule in enumerate(rules)}
        self.context = gx_context(docs_dir)
        self.tables: dict[Table, _TableRun] = {
            name: _TableRun(name, suite.rules, suite.definition, suite.per_batch)
            for name, suite in table_suites(self.context, rules).items()
        }

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
            write_data_docs(
                self.context,
                self.run_name,
                ((table.definition, table.merged()) for table in self.tables.values()),
            )
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
                judged(name, self.tables[name].by_rule, outcome)
                for name, merged in results.items()
                for outcome in merged.results
            ],
        )


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
                found.extend(findings_of(rule, outcome.result.get("unexpected_index_list") or []))
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
            found.extend(findings_of(rule, rows))
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
                    uniqueness_result(configuration, self.rows, missing, rows, self.by_rule[rule])
                )
            else:
                results.append(merged_outcome(self.outcomes[rule]))
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
