"""Step 1, extract: read the configured catalog, stage its snapshot and ingestion findings,
stop on a catalog that read (almost) nothing, stage the run's ECB rates.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.layout import (
    GATE_CLOSED,
    INGEST_FINDINGS,
    INGEST_HOLDS,
    RATES,
    SNAPSHOT,
    SnapshotWriter,
    path_like,
)
from pipeline.records import Extracted, ShardSpec, StagedCatalog
from schemas.findings import Finding, count, write_findings_jsonl
from schemas.product import Product
from transforms.infra.gates import GateClosed
from transforms.infra.storage import ensure_dir, publish_atomically

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date

    from schemas.config.catalog import CatalogSource
    from schemas.config.pipeline import PipelineConfig, Validation
    from schemas.config.pricing import Pricing
    from transforms.infra.storage import StoragePath
    from transforms.pricing.ecb_rates import EcbRates


_SHOP_READERS: dict[str, tuple[str, str]] = {
    "shopify": ("transforms.catalog.shopify.reader", "read_shopify"),
    "woocommerce": ("transforms.catalog.woocommerce.reader", "read_woocommerce"),
    "magento": ("transforms.catalog.magento.reader", "read_magento"),
    "shopware": ("transforms.catalog.shopware.reader", "read_shopware"),
    "bmecat": ("transforms.catalog.bmecat.document", "read_bmecat"),
}
"""Readers of shop systems' own exports: ``read_<format>(path, source)`` streams products
and findings; each maps its format onto `Product` once."""


def read_catalog(
    source: CatalogSource, *, conninfo: str | None = None, akeneo_api: Any = None
) -> Iterator[Product | Finding]:
    """Stream the configured catalog as products and ingestion findings, with the
    catalog's own settings applied (`transforms.catalog.settings`: column mapping,
    defaults, one axis vocabulary, units and identifiers as merchants write them).

    Args:
        source: The catalog section of the configuration.
        conninfo: libpq connection string, for the ``postgres`` format.
        akeneo_api: The Akeneo API's connection (`transforms.catalog.akeneo_api.connection`), for
            the ``akeneo_api`` format.
    """
    from transforms.catalog.settings import apply_catalog_settings

    return apply_catalog_settings(_read_source(source, conninfo, akeneo_api), source)


def _read_source(
    source: CatalogSource, conninfo: str | None, akeneo_api: Any
) -> Iterator[Product | Finding]:
    if source.format in _SHOP_READERS:
        import importlib

        module, function = _SHOP_READERS[source.format]
        assert source.path is not None
        reader = getattr(importlib.import_module(module), function)
        products: Iterator[Product | Finding] = reader(Path(source.path), source)
        return products
    if source.format == "akeneo_api":
        from transforms.catalog.akeneo_api.reader import read_akeneo_api

        if akeneo_api is None:
            raise ValueError("the akeneo_api catalog needs the API's connection")
        return read_akeneo_api(akeneo_api, source)
    if source.format == "akeneo":
        from transforms.catalog.akeneo import read_akeneo

        assert source.path is not None
        return read_akeneo(
            Path(source.path),
            product_models=Path(source.product_models_path) if source.product_models_path else None,
            attribute_options=(
                Path(source.attribute_options_path) if source.attribute_options_path else None
            ),
            asset_base_url=source.asset_base_url,
            description_scopes=source.description_scopes,
            encoding=source.encoding,
            decimal_mark=source.decimal_mark,
            variant_axes=source.variant_axes,
        )
    if source.format == "csv":
        from transforms.catalog.native import read_native_csv

        assert source.path is not None
        return read_native_csv(
            Path(source.path), encoding=source.encoding, decimal_mark=source.decimal_mark
        )
    if source.format == "jsonl":
        from transforms.catalog.native import read_jsonl

        assert source.path is not None
        return read_jsonl(
            Path(source.path), encoding=source.encoding, decimal_mark=source.decimal_mark
        )
    from transforms.catalog.native import read_postgres

    if conninfo is None or source.query is None:
        raise ValueError("the postgres catalog needs a connection and a query")
    return read_postgres(conninfo, source.query, decimal_mark=source.decimal_mark)


def stage_catalog(
    items: Iterable[Product | Finding],
    run_dir: StoragePath | Path,
    *,
    shard_products: int = 200_000,
) -> StagedCatalog:
    """Write the staged snapshot and the ingestion findings of one run.

    An ``error`` finding whose rule holds a product back (`HOLDING_RULES`: an
    ambiguous price, say) comes with its product, which validation then quarantines
    (``ingest_holds.json``); any other ``error`` finding is a rejected row.

    The snapshot is cut into shards of ``shard_products`` products, at record
    boundaries: one file, each shard a byte range of it (`read_snapshot`'s ``start`` and
    ``end``), so a shard task reads only its part, from a local disk or object storage.

    Returns:
        The snapshot, its shards, and what was read, rejected, held back and warned about.
    """
    from transforms.catalog.values import HOLDING_RULES
    from transforms.infra.gates import HELD_FEEDS

    ensure_dir(run_dir)
    for stale in (GATE_CLOSED, HELD_FEEDS):  # from an earlier attempt of this run's date
        if (run_dir / stale).exists():
            (run_dir / stale).unlink()
    products = warnings = 0
    rejected_rows: set[int | None] = set()
    holds: dict[str, list[str]] = {}
    starts: list[tuple[int, int]] = []
    """Each shard's first product's position and first byte."""
    with (
        (run_dir / SNAPSHOT).open("wb") as snapshot_stream,
        (run_dir / INGEST_FINDINGS).open("w", encoding="utf-8") as findings,
    ):
        snapshot = SnapshotWriter(snapshot_stream)
        for item in items:
            if isinstance(item, Product):
                if products % shard_products == 0:
                    starts.append((products, snapshot.size))
                snapshot.write(item)
                products += 1
                continue
            write_findings_jsonl((item,), findings)
            if item.severity != "error":
                warnings += 1
            elif item.rule in HOLDING_RULES and item.sku is not None:
                rules = holds.setdefault(item.sku, [])
                if item.rule not in rules:
                    rules.append(item.rule)
            else:
                rejected_rows.add(item.row)
        starts = starts or [(0, 0)]
        ends = [*starts[1:], (products, snapshot.size)]
        shards = [
            ShardSpec(index=index, first=first, products=next_first - first, start=start, end=end)
            for index, ((first, start), (next_first, end)) in enumerate(
                zip(starts, ends, strict=True)
            )
        ]
    with (run_dir / INGEST_HOLDS).open("w", encoding="utf-8") as stream:
        json.dump(holds, stream, sort_keys=True)
    return StagedCatalog(
        snapshot=str(run_dir / SNAPSHOT),
        shards=shards,
        products=products,
        rejected_rows=len(rejected_rows),
        held=len(holds),
        warnings=warnings,
        holds=str(run_dir / INGEST_HOLDS),
    )


def check_catalog_read(
    staged: StagedCatalog, settings: Validation, run_dir: StoragePath | Path
) -> None:
    """Stop the run when the catalog read nothing, or rejected too many of its rows.

    Marketplaces read an empty (or half-empty) full feed as "delete everything that is
    missing", so such a catalog publishes nothing, first run or not.

    Raises:
        GateClosed: after writing ``gate_closed.txt`` with the reason.
    """
    products, rejected = staged["products"], staged["rejected_rows"]
    rows = products + rejected
    reason = None
    if products == 0:
        reason = (
            f"the catalog read 0 products ({count(rejected, 'row')} rejected, see the ingest "
            "findings); "
            "nothing is published"
        )
    elif rejected / rows > settings.max_rejected_share:
        reason = (
            f"{rejected} of {rows} catalog rows ({rejected / rows:.1%}) could not be read; "
            f"the limit is {settings.max_rejected_share:.1%}. Fix the export (see the ingest "
            "findings) or raise validation.max_rejected_share."
        )
    if reason is not None:
        record_stop(run_dir, reason)
        raise GateClosed(reason)


def record_stop(run_dir: StoragePath | Path, reason: str) -> None:
    """Write why the run stopped (``gate_closed.txt``), for the summary to say."""
    ensure_dir(run_dir)
    with (run_dir / GATE_CLOSED).open("w", encoding="utf-8") as stream:
        stream.write(f"{reason}\n")


def record_extract_failure(run_dir: StoragePath | Path, error: BaseException) -> str:
    """Name why extract failed, as a finding and as the run's stop reason; return it."""
    from schemas.characters import remove_invisible

    reason = remove_invisible(f"extract failed: {error}")[0]
    ensure_dir(run_dir)
    finding = Finding(
        stage="ingest",
        severity="error",
        sku=None,
        field="(file)",
        rule="catalog_unreadable",
        message=f"{reason}; nothing was published",
    )
    with (run_dir / INGEST_FINDINGS).open("a", encoding="utf-8") as stream:
        write_findings_jsonl((finding,), stream)
    record_stop(run_dir, reason)
    return reason


def stage_rates(
    pricing: Pricing, run_dir: StoragePath | Path, *, run_day: date | None = None
) -> str:
    """Keep the run's ECB rates beside its snapshot, fetched once per logical date.

    A rerun of the same date reuses the staged file, so its prices do not move
    because the ECB published a newer day in between.

    Given the run's logical date, ``run_day``, the rates' age is checked
    (`transforms.pricing.rates_freshness`), on a rerun too. Rates older than
    ``pricing.max_rate_age_business_days`` TARGET business days write a ``stale_rates``
    finding to the ingest findings: with ``stale_rates = "fail"`` an error, the run's
    stop reason and `StaleRates`, before anything is staged; with ``"warn"`` a warning,
    and the rates are staged.

    Returns:
        The staged file's path.

    Raises:
        RatesError: the file is not in the ECB's format.
        StaleRates: the rates are too old and ``pricing.stale_rates`` is ``fail``.
    """
    from transforms.pricing.ecb_rates import parse_ecb_rates
    from transforms.pricing.rates_freshness import StaleRates, check_rates_age

    ensure_dir(run_dir)
    staged = run_dir / RATES
    if staged.exists():
        with staged.open("rb") as stream:
            data = stream.read()
    elif pricing.rates.startswith(("https://", "http://")):
        from urllib.request import urlopen

        with urlopen(pricing.rates, timeout=30) as response:  # noqa: S310 - configured URL
            data = response.read()
    else:
        data = Path(pricing.rates).read_bytes()
    rates = parse_ecb_rates(io.BytesIO(data))  # refuse a broken file before anything uses it
    too_old = check_rates_age(rates.day, run_day, pricing) if run_day is not None else None
    if too_old is not None:
        fail = pricing.stale_rates == "fail"
        if fail:
            message = (
                f"{too_old}: the rates source has not updated. Fix it, or set [pricing] "
                'stale_rates = "warn" to convert with these rates'
            )
        else:
            message = f'{too_old}; prices are converted with them ([pricing] stale_rates = "warn")'
        finding = Finding(
            stage="ingest",
            severity="error" if fail else "warning",
            sku=None,
            field="pricing.rates",
            rule="stale_rates",
            message=f"{message}; nothing was published" if fail else message,
            value=str(rates.day),
        )
        with (run_dir / INGEST_FINDINGS).open("a", encoding="utf-8") as stream:
            write_findings_jsonl((finding,), stream)
        if fail:
            record_stop(run_dir, message)
            raise StaleRates(message)
    if staged.exists():
        return str(staged)
    temporary = run_dir / f"{RATES}.partial"
    with temporary.open("wb") as stream:
        stream.write(data)
    try:
        publish_atomically(temporary, staged)
    finally:
        temporary.unlink()
    return str(staged)


def load_rates(path: StoragePath | Path) -> EcbRates:
    """The ECB rates staged for a run."""
    from transforms.pricing.ecb_rates import parse_ecb_rates

    with path.open("rb") as stream:
        return parse_ecb_rates(stream)


class ExtractFailed(Exception):
    """Extract could not read the catalog or its rates; the reason is already recorded
    (a ``catalog_unreadable`` finding and the run's stop reason)."""


def extract(
    config: PipelineConfig,
    run_dir: StoragePath | Path,
    run_day: date,
    *,
    conninfo: str | None = None,
    akeneo_api: Any = None,
) -> Extracted:
    """The ``extract`` task: stage the catalog's snapshot and the run's ECB rates.

    Returns:
        What `stage_catalog` returns, with the staged rates and their day.

    Raises:
        GateClosed: the catalog read nothing, or too many of its rows were rejected.
        StaleRates: the rates are too old and ``[pricing] stale_rates`` is ``fail``.
        ExtractFailed: anything else that cannot heal by a retry (a bad file, bad
            config); errors that may heal (network, database, object storage) propagate
            as they are, for the scheduler to retry.
    """
    from transforms.infra.faults import heals_by_retry
    from transforms.pricing.rates_freshness import StaleRates

    try:
        staged = stage_catalog(
            read_catalog(config.catalog, conninfo=conninfo, akeneo_api=akeneo_api),
            run_dir,
            shard_products=config.scale.shard_products,
        )
        check_catalog_read(staged, config.validation, run_dir)
        rates = stage_rates(config.pricing, run_dir, run_day=run_day)
        rates_day = load_rates(path_like(run_dir, rates)).day
    except (GateClosed, StaleRates):  # finding and stop reason already written
        raise
    except Exception as error:
        if heals_by_retry(error):
            raise
        raise ExtractFailed(record_extract_failure(run_dir, error)) from error
    return Extracted(**staged, rates=rates, rates_day=str(rates_day), run_day=run_day.isoformat())
