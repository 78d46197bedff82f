"""Step 2, validate: the catalog rules on the staged snapshot, the quarantine, and the
gates on the blocked share and the catalog's shrink.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipeline.layout import (
    GATE_CLOSED,
    INGEST_HOLDS,
    QUARANTINE,
    VALIDATION_FINDINGS,
    read_snapshot,
)
from transforms.gates import GateClosed
from transforms.storage import publish_atomically

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.market import (
        Validation,
    )
    from transforms.storage import StoragePath


def validate_snapshot(
    snapshot: StoragePath | Path,
    settings: Validation,
    docs_dir: Path | None,
    output_root: StoragePath | Path,
    run_id: str,
    *,
    docs_url: str | None = None,
) -> dict[str, Any]:
    """Run the catalog rules on the staged snapshot and close the gate if it must.

    Writes ``validation_findings.jsonl`` and ``quarantine.json`` (sku -> rules)
    beside the snapshot and GX Data Docs into ``docs_dir``. Then checks the
    blocked share and the catalog's shrink against the last successful run.
    ``docs_url`` is where people will find the Data Docs' index (when the
    caller uploads them elsewhere).

    Raises:
        GateClosed: after writing ``gate_closed.txt`` with the reason.
    """
    from transforms.gates import check_blocked_share, check_shrink, read_state
    from transforms.validation import validate_catalog

    run_dir = snapshot.parent
    gate_file = run_dir / GATE_CLOSED
    if gate_file.exists():  # an earlier attempt of this run closed it
        gate_file.unlink()
    partial = run_dir / f"{VALIDATION_FINDINGS}.partial"
    with partial.open("w", encoding="utf-8") as stream:  # streamed: flat memory at any size
        result = validate_catalog(
            read_snapshot(snapshot),
            source_locale=settings.source_locale,
            docs_dir=docs_dir,
            run_name=run_id,
            findings_to=stream,
        )
    try:
        publish_atomically(partial, run_dir / VALIDATION_FINDINGS)
    finally:
        partial.unlink()
    quarantined = dict(result.quarantined)
    if (run_dir / INGEST_HOLDS).exists():  # products read with a value that holds them back
        with (run_dir / INGEST_HOLDS).open("r", encoding="utf-8") as stream:
            for sku, rules in json.load(stream).items():
                quarantined[sku] = [*quarantined.get(sku, []), *rules]
    with (run_dir / QUARANTINE).open("w", encoding="utf-8") as stream:
        json.dump(quarantined, stream, sort_keys=True)
    summary = {
        "products": result.products,
        "quarantined": len(quarantined),
        "warnings": result.warnings,
        "expectations": result.expectations,
        "failed_expectations": result.failed_expectations,
        "quarantine": str(run_dir / QUARANTINE),
        "findings": str(run_dir / VALIDATION_FINDINGS),
        "data_docs": docs_url or (str(docs_dir / "index.html") if docs_dir is not None else None),
    }
    previous = read_state(output_root)
    try:
        check_blocked_share(result.products, len(quarantined), settings.max_blocked_share)
        check_shrink(
            {"catalog": result.products},
            previous["products"],
            settings.max_shrink_share,
            "products",
        )
    except GateClosed as closed:
        with gate_file.open("w", encoding="utf-8") as stream:
            stream.write(f"{closed}\n")
        raise
    return summary
