"""Step 2, validate: the catalog rules on the staged snapshot, the quarantine, and the
gates on the blocked share and the catalog's shrink.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.layout import (
    GATE_CLOSED,
    INGEST_HOLDS,
    QUARANTINE,
    VALIDATION_FINDINGS,
    VALIDATION_PARTS,
    VALIDATION_RESULTS,
    path_like,
    read_snapshot,
)
from pipeline.records import ShardSpec, Validated, ValidatedShard
from transforms.infra.gates import GateClosed
from transforms.infra.storage import ensure_dir, publish_atomically, remove_tree

if TYPE_CHECKING:
    from collections.abc import Sequence

    from schemas.config.pipeline import Validation
    from transforms.infra.storage import StoragePath


def validate_shard(
    snapshot: StoragePath | Path,
    shard: ShardSpec | None,
    settings: Validation,
) -> ValidatedShard:
    """The ``validate_shard`` task: the per-batch catalog rules on one shard of the
    snapshot (`stage_catalog`'s ``shards``; None: all of it). Its findings, GX results
    and the columns the catalog-wide rules judge go to ``validation/<shard>.sqlite``
    beside the snapshot, for `validate_snapshot` to combine.

    Returns:
        The shard's index, its products and its validation file.
    """
    from schemas.catalog_rules import configured_rules
    from transforms.validation.run import validate_catalog_part

    index = shard["index"] if shard else 0
    folder = snapshot.parent / VALIDATION_PARTS
    ensure_dir(folder)
    target = folder / f"{index:05d}.sqlite"
    products = (
        read_snapshot(snapshot, shard["start"], shard["end"]) if shard else read_snapshot(snapshot)
    )
    with tempfile.TemporaryDirectory(prefix="grenzenlos-validate-") as scratch:
        part = Path(scratch) / "part.sqlite"  # SQLite needs a local file
        count = validate_catalog_part(
            products,
            part,
            source_locale=settings.source_locale,
            rules=configured_rules(settings.severities),
        )
        with part.open("rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
    return ValidatedShard(shard=index, products=count, part=str(target))


def validate_snapshot(
    snapshot: StoragePath | Path,
    settings: Validation,
    report_dir: StoragePath | Path,
    output_root: StoragePath | Path,
    run_id: str,
    *,
    parts: Sequence[ValidatedShard] | None = None,
) -> Validated:
    """Run the catalog rules on the staged snapshot and close the gate if it must.

    ``parts`` are the `validate_shard` results of every shard (the DAG's mapped tasks);
    without them the whole snapshot is validated here as one shard. The parts are then
    combined: the catalog-wide rules (the sku's uniqueness) judged across all of them,
    the findings in rule order, then catalog order.

    Writes ``validation_findings.jsonl`` and ``quarantine.json`` (sku -> rules)
    beside the snapshot, and GX's verdict on every expectation to
    ``validation.json`` in the run's ``report_dir`` (the run report shows it; no
    Data Docs site, whose pages load their styles from CDNs and copy megabytes of
    images per run). Then checks the blocked share and the catalog's shrink against
    the last successful run.

    Raises:
        GateClosed: after writing ``gate_closed.txt`` with the reason.
    """
    from schemas.catalog_rules import configured_rules
    from transforms.infra.gates import check_blocked_share, check_shrink, read_state
    from transforms.validation.run import combine_catalog_parts

    run_dir = snapshot.parent
    gate_file = run_dir / GATE_CLOSED
    if gate_file.exists():  # an earlier attempt of this run closed it
        gate_file.unlink()
    if parts is None:
        parts = [validate_shard(snapshot, None, settings)]
    ordered = sorted(parts, key=lambda part: part["shard"])
    partial = run_dir / f"{VALIDATION_FINDINGS}.partial"
    with tempfile.TemporaryDirectory(prefix="grenzenlos-validate-") as scratch:
        local = []
        for number, part in enumerate(ordered):  # SQLite reads local files only
            copy = Path(scratch) / f"{number:05d}.sqlite"
            with path_like(run_dir, part["part"]).open("rb") as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            local.append(copy)
        with partial.open("w", encoding="utf-8") as stream:  # streamed: flat memory at any size
            result = combine_catalog_parts(
                local,
                source_locale=settings.source_locale,
                rules=configured_rules(settings.severities),
                run_name=run_id,
                findings_to=stream,
            )
    try:
        publish_atomically(partial, run_dir / VALIDATION_FINDINGS)
    finally:
        partial.unlink()
    remove_tree(run_dir / VALIDATION_PARTS)
    quarantined = dict(result.quarantined)
    if (run_dir / INGEST_HOLDS).exists():  # products read with a value that holds them back
        with (run_dir / INGEST_HOLDS).open("r", encoding="utf-8") as stream:
            for sku, rules in json.load(stream).items():
                quarantined[sku] = [*quarantined.get(sku, []), *rules]
    with (run_dir / QUARANTINE).open("w", encoding="utf-8") as stream:
        json.dump(quarantined, stream, sort_keys=True)
    summary = Validated(
        products=result.products,
        quarantined=len(quarantined),
        warnings=result.warnings,
        expectations=result.expectations,
        failed_expectations=result.failed_expectations,
        quarantine=str(run_dir / QUARANTINE),
        findings=str(run_dir / VALIDATION_FINDINGS),
        results=str(report_dir / VALIDATION_RESULTS),
    )
    ensure_dir(report_dir)
    with (report_dir / VALIDATION_RESULTS).open("w", encoding="utf-8") as stream:
        json.dump(
            {"products": result.products, "expectations": result.results},
            stream,
            indent=1,
            sort_keys=True,
        )
    previous = read_state(output_root)
    try:
        check_blocked_share(result.products, len(quarantined), settings.max_blocked_share)
        check_shrink(
            {"catalog": result.products},
            previous.products,
            settings.max_shrink_share,
            "products",
        )
    except GateClosed as closed:
        with gate_file.open("w", encoding="utf-8") as stream:
            stream.write(f"{closed}\n")
        raise
    return summary
