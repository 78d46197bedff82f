"""The nightly DAG on the Celery cluster with one worker, then with two: the wall-time ratio.

    python benchmarks/cluster_scaling.py --products 1000000 --markets DE

Setup, not timed: a seeded synthetic Akeneo catalog (`benchmarks.synthetic_catalog`,
every channel's categories), a configuration that is config/markets.toml pointed at it,
and a PostgreSQL translation memory (tasks on Celery refuse a SQLite one) seeded with a
passing entry for every segment the markets need (as ``benchmarks/nightly.py`` does), so
translation sends nothing; each run gets a copy of it (``CREATE DATABASE ... TEMPLATE``).

Then, for each worker count (``--workers 1 2``): ``examples/cluster/cluster.sh up`` with
that many Celery workers of one task slot each (PostgreSQL metadata in a database of its
own, Redis broker, scheduler, API server, DAG processor, triggerer), a fresh copy of the
seeded memory database, staging and output on the local disk (both workers are on this machine),
``[scale] shard_products`` from ``--shard-products``; ``localize_catalog`` is triggered
for the run day of the checked-in ECB rates and waited for, then the cluster is stopped
and its database dropped.

Printed per run: the run's wall time (the DAG run's start to end, as Airflow recorded
it), and per task the number of task instances, their summed seconds, the longest one,
and the workers that ran them; at the end the wall-time ratio (with two cores the ideal
is 2x; the scheduler, API server and PostgreSQL share those cores with the workers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("GRENZENLOS_BENCHMARK_REDIS", "redis://127.0.0.1:6379/13")
POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def write_config(work: Path) -> Path:
    """config/markets.toml with the synthetic catalog and every path made absolute."""
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    text = text.replace('"../examples/sample_catalog/products.csv"', f'"{work / "products.csv"}"')
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith("product_models_path")
    )
    text = text.replace('"../', f'"{ROOT}/')
    for name in ("glossary.toml", "categories.toml", "vat.toml", "sizes.toml"):
        text = text.replace(f'"{name}"', f'"{ROOT}/config/{name}"')
    config = work / "markets.toml"
    config.write_text(text + "\n", encoding="utf-8")
    return config


def _database(statement: str, *names: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(sql.SQL(statement).format(*(sql.Identifier(name) for name in names)))


def prepare(work: Path, products: int, markets: list[str], seed: str) -> tuple[Path, str]:
    """The catalog, its configuration and the seeded memory (database ``seed``); the
    run day."""
    from benchmarks import nightly

    started = time.perf_counter()
    nightly.generate_catalog(work, products)
    config_path = write_config(work)
    staged = nightly.extract(work)
    _database("create database {}", seed)
    seeded = nightly.seed_memory(
        work,
        staged["snapshot"],
        markets,
        conninfo=POSTGRES.replace("dbname=postgres", f"dbname={seed}"),
    )
    run_day = str(nightly._run_day(nightly._config(work)))
    shutil.rmtree(work / "staging", ignore_errors=True)
    print(
        f"setup: {products:,} products, {seeded:,} memory entries seeded, run day {run_day} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    return config_path, run_day


def run_on_cluster(
    work: Path,
    workers: int,
    *,
    config: Path,
    seed: str,
    run_day: str,
    markets: list[str],
    shard_products: int,
    timeout: float,
) -> dict[str, Any]:
    from tests.cluster import CeleryCluster

    name = f"grenzenlos_bench_{uuid.uuid4().hex[:8]}"
    folder = work / f"workers-{workers}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = ["worker-a", "worker-b"][:workers]
    _database("create database {}", name)
    _database("create database {} template {}", f"{name}_memory", seed)
    environment = {
        **os.environ,
        "GRENZENLOS_CONFIG": str(config),
        "GRENZENLOS_STAGING_URL": (folder / "staging").as_uri(),
        "GRENZENLOS_OUTPUT_URL": (folder / "output").as_uri(),
        "AIRFLOW_CONN_GRENZENLOS_MEMORY": f"postgresql://postgres@127.0.0.1:5432/{name}_memory",
        "GRENZENLOS_TRANSLATION_MEMORY_CONN_ID": "grenzenlos_memory",
        "GRENZENLOS_SHARD_PRODUCTS": str(shard_products),
        "GRENZENLOS_CLUSTER_DATABASE": name,
        "GRENZENLOS_CLUSTER_REDIS": REDIS_URL,
        "GRENZENLOS_CLUSTER_NAME": name,
        "GRENZENLOS_CLUSTER_WORKERS": " ".join(names),
        "GRENZENLOS_CLUSTER_WORKER_CONCURRENCY": "1",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    cluster = CeleryCluster(folder / "cluster", environment)
    try:
        cluster.up()
        cluster.api("PATCH", "/dags/localize_catalog", {"is_paused": False})
        run = cluster.api(
            "POST",
            "/dags/localize_catalog/dagRuns",
            {"logical_date": f"{run_day}T00:00:00Z", "conf": {"markets": markets}},
        )
        run_url = cluster.run_url("localize_catalog", run["dag_run_id"])
        state = cluster.wait_for_run("localize_catalog", run["dag_run_id"], timeout=timeout)
        details = cluster.api("GET", run_url)
        instances = cluster.api("GET", f"{run_url}/taskInstances?limit=1000")["task_instances"]
    finally:
        cluster.down()
        for database in (name, f"{name}_memory"):
            _database("drop database if exists {} with (force)", database)
    tasks: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "seconds": 0.0, "longest": 0.0, "hosts": set()}
    )
    for ti in instances:
        entry = tasks[ti["task_id"]]
        entry["count"] += 1
        seconds = float(ti.get("duration") or 0.0)
        entry["seconds"] += seconds
        entry["longest"] = max(entry["longest"], seconds)
        if ti.get("hostname"):
            entry["hosts"].add(ti["hostname"])
    wall = (
        datetime.fromisoformat(details["end_date"]) - datetime.fromisoformat(details["start_date"])
    ).total_seconds()
    summary = folder / "output" / "runs" / run_day / "summary.txt"
    return {
        "workers": workers,
        "state": state,
        "wall": wall,
        "tasks": tasks,
        "summary": summary.read_text(encoding="utf-8") if summary.exists() else "",
    }


def report(result: dict[str, Any]) -> None:
    print(
        f"\n{result['workers']} worker(s): run {result['state']}, wall {result['wall']:.0f} s",
        flush=True,
    )
    print(f"  {'task':<20} {'count':>5} {'sum s':>8} {'longest s':>10}  workers")
    for task, entry in sorted(result["tasks"].items(), key=lambda item: -item[1]["seconds"]):
        print(
            f"  {task:<20} {entry['count']:>5} {entry['seconds']:>8.1f} {entry['longest']:>10.1f}"
            f"  {', '.join(sorted(entry['hosts']))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--markets", nargs="+", default=["DE"])
    parser.add_argument("--shard-products", type=int, default=200_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument("--work", type=Path, help="folder to keep (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="grenzenlos-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    seed = f"grenzenlos_bench_seed_{uuid.uuid4().hex[:8]}"
    try:
        config, run_day = prepare(work, args.products, args.markets, seed)
        results = []
        for workers in args.workers:
            result = run_on_cluster(
                work,
                workers,
                config=config,
                seed=seed,
                run_day=run_day,
                markets=args.markets,
                shard_products=args.shard_products,
                timeout=args.timeout,
            )
            report(result)
            results.append(result)
        if len(results) == 2 and all(r["state"] == "success" for r in results):
            ratio = results[0]["wall"] / results[1]["wall"]
            print(
                f"\nwall time {results[0]['workers']} -> {results[1]['workers']} workers: "
                f"{results[0]['wall']:.0f} s -> {results[1]['wall']:.0f} s, ratio {ratio:.2f}x"
            )
        print(json.dumps({r["workers"]: r["wall"] for r in results}))
    finally:
        _database("drop database if exists {} with (force)", seed)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
