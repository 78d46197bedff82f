"""How fast a catalog reader streams, measured one way for every format's benchmark.

`read_all` drains a reader and counts what it yields; `report` prints the figures every
reader benchmark gives, so that the formats compare line by line: products per second of
wall time and per CPU second (the machine's other load left out), findings, and the
process's peak RSS (a reader whose memory grows with the file shows it between runs of
10k, 100k and 1M products).
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.product import Product

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.findings import Finding


@dataclass(frozen=True, slots=True)
class Reading:
    """What one read of a catalog yielded, and what it cost."""

    products: int
    variants: int
    findings: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        """Products per second of wall time."""
        return self.products / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Products per CPU second of this process."""
        return self.products / self.cpu_seconds if self.cpu_seconds else 0.0


def read_all(items: Iterable[Product | Finding]) -> Reading:
    """Drain ``items`` (a reader's stream), counting products, variants and findings."""
    products = variants = findings = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for item in items:
        if isinstance(item, Product):
            products += 1
            variants += item.group is not None
        else:
            findings += 1
    return Reading(
        products,
        variants,
        findings,
        time.perf_counter() - started,
        time.process_time() - cpu_started,
    )


def peak_rss_mib() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, reading: Reading, *, file_mib: float, written_seconds: float) -> None:
    """Print one benchmark's figures in the form every reader benchmark shares."""
    print(f"{label}: {file_mib:,.1f} MiB file written in {written_seconds:.1f} s")
    print(
        f"read: {reading.products:,} products ({reading.variants:,} variants), "
        f"{reading.findings:,} findings in {reading.seconds:.1f} s"
    )
    print(
        f"      {reading.rate:,.0f} products/s ({reading.cpu_rate:,.0f} per CPU second), "
        f"peak RSS {peak_rss_mib():.0f} MiB"
    )
