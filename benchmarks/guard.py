"""CI's regression guard: every channel's speed against a bare-lxml floor, and its baseline.

    python benchmarks/guard.py                      # measure, compare, exit 1 on a regression
    python benchmarks/guard.py --update-baseline "why the speed changed"

A short version of `benchmarks/nightly.py` (issue 30, item 4): a synthetic catalog of
``products`` products goes through extract and a memory-only translate for the markets
that carry a channel's rate (DE, and PL, NL and CN for the channels DE lacks; validation is
left out, so nothing is quarantined), then
every channel is built alone for its market (`nightly.channel_rate`, one fresh process each,
two at a time) ``repeat`` times. Each of those processes first measures the bare
``lxml.etree.xmlfile`` floor (`nightly.lxml_floor`, ``products`` Google-shaped items), so the
floor is measured throughout the run, beside the builds, on the same machine and under the
same load. Both are timed in CPU seconds of their process, which another process on a
shared machine hardly moves, where it can double wall seconds.

A channel's ratio is its best rate over the repetitions divided by the best floor of the
run: the "x floor" `nightly.py` prints (there in wall seconds: the same on a quiet machine,
where a build is one busy process), and, being a ratio to a same-run floor, a figure
that does not move with the machine's speed. Taking the best of several short repetitions
discards the ones another process slowed down; the first repetition also warms the page
cache.

The ratios are compared with `benchmarks/baseline.json` (the machine, the command and the
date they were measured with): the guard fails when a channel falls more than
`TOLERANCE` below its baseline ratio, names the channel and the two figures, and says how
to update the baseline. The baseline changes only with ``--update-baseline REASON``, in a
commit whose message says why.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "benchmarks" / "baseline.json"
PRODUCTS = 10_000
"""Products in the guard's catalog: short enough for CI, long enough to be steady."""
REPEAT = 3
"""Builds of each channel; its best counts."""
TOLERANCE = 0.15
"""How far below its baseline ratio a channel may fall before the guard fails."""
UPDATE_COMMAND = 'python benchmarks/guard.py --update-baseline "<why the speed changed>"'


class BaselineError(Exception):
    """The baseline cannot be compared with this run (a channel missing, another size)."""


@dataclass(frozen=True)
class Regression:
    """A channel slower, against the floor, than its baseline allows."""

    channel: str
    baseline: float
    measured: float

    def message(self, tolerance: float = TOLERANCE) -> str:
        """What CI prints: the channel, both ratios, the allowed minimum and the way out.

        >>> print(Regression("amazon", 0.10, 0.08).message())  # doctest: +NORMALIZE_WHITESPACE
        amazon: 0.080x floor, baseline 0.100x floor (-20 %; the guard allows down to 0.085x).
        If the slowdown is intended, update the baseline with
        python benchmarks/guard.py --update-baseline "<why the speed changed>"
        and commit benchmarks/baseline.json with a message saying why.
        """
        change = self.measured / self.baseline - 1
        return (
            f"{self.channel}: {self.measured:.3f}x floor, baseline {self.baseline:.3f}x floor "
            f"({change:+.0%}; the guard allows down to {self.baseline * (1 - tolerance):.3f}x).\n"
            f"If the slowdown is intended, update the baseline with\n{UPDATE_COMMAND}\n"
            f"and commit {BASELINE.relative_to(ROOT)} with a message saying why."
        ).replace("%", " %")


def compare(
    baseline: Mapping[str, float], measured: Mapping[str, float], tolerance: float = TOLERANCE
) -> list[Regression]:
    """The channels whose measured ratio is more than ``tolerance`` below their baseline.

    Every measured channel must have a baseline and every baseline channel a measurement:
    a channel added or removed changes the baseline, in a commit that says so.

    >>> compare({"google": 0.10}, {"google": 0.086})
    []
    >>> compare({"google": 0.10}, {"google": 0.084})
    [Regression(channel='google', baseline=0.1, measured=0.084)]
    """
    unmeasured = sorted(set(baseline) - set(measured))
    if unmeasured:
        raise BaselineError(
            f"{', '.join(unmeasured)} in {BASELINE.name} but not measured in this run; "
            f"if the channel is gone, update the baseline with {UPDATE_COMMAND}"
        )
    missing = sorted(set(measured) - set(baseline))
    if missing:
        raise BaselineError(
            f"{', '.join(missing)} measured but has no baseline ratio in {BASELINE.name}; "
            f"add it with {UPDATE_COMMAND}"
        )
    return [
        Regression(channel, baseline[channel], measured[channel])
        for channel in sorted(measured)
        if measured[channel] < baseline[channel] * (1 - tolerance)
    ]


def verdict(baseline: Mapping[str, float], measured: Mapping[str, float]) -> tuple[bool, str]:
    """Whether the run passes, and what the guard prints about it."""
    try:
        regressions = compare(baseline, measured)
    except BaselineError as error:
        return False, f"bench-guard: FAILED: {error}"
    if regressions:
        lines = [
            f"bench-guard: FAILED, {len(regressions)} channel(s) more than "
            f"{TOLERANCE * 100:.0f} % below their baseline ratio to the floor:"
        ]
        return False, "\n".join(lines + [regression.message() for regression in regressions])
    return True, f"bench-guard: every channel within {TOLERANCE * 100:.0f} % of its baseline"


def load_baseline(path: Path, products: int, repeat: int) -> dict[str, float]:
    """The baseline's ratios; an error when it was measured at another size."""
    if not path.exists():
        raise BaselineError(f"no baseline at {path}; measure one with {UPDATE_COMMAND}")
    stored = json.loads(path.read_text(encoding="utf-8"))
    if (stored["products"], stored["repeat"]) != (products, repeat):
        raise BaselineError(
            f"{path.name} was measured with {stored['products']:,} products, best of "
            f"{stored['repeat']}; this run has {products:,}, best of {repeat}: the ratios "
            "are only comparable at the same size"
        )
    ratios: dict[str, float] = stored["ratios"]
    return ratios


def write_baseline(
    path: Path, ratios: Mapping[str, float], products: int, repeat: int, reason: str, run: str
) -> None:
    """Store the run's ratios with what they were measured on and why they changed."""
    stored = {
        "reason": reason,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": f"python benchmarks/guard.py --products {products} --repeat {repeat}",
        "machine": _machine(),
        "run": run,
        "products": products,
        "repeat": repeat,
        "tolerance": TOLERANCE,
        "ratios": {channel: round(ratios[channel], 4) for channel in sorted(ratios)},
    }
    path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def floor_and_rate(
    work: Path,
    products: int,
    market: str,
    channel: str,
    staged: dict[str, Any],
    validated: dict[str, Any],
    translated: dict[str, Any],
) -> tuple[float, float]:
    """In one fresh process: the floor's items and the channel's listings per CPU second.

    CPU seconds of this process (`time.process_time`), not wall seconds: on a shared
    machine another process's work takes wall time from both, unevenly, but not CPU time.
    The writer is imported before the clock starts, as `nightly.channel_rate` does.
    """
    from benchmarks.nightly import build, lxml_floor
    from pipeline.build import build_market_feeds  # noqa: F401 - imported, not timed
    from pipeline.channels import writer_class

    started = time.process_time()
    lxml_floor(work / f"floor-{os.getpid()}.xml", products)
    floor = products / (time.process_time() - started)
    writer_class(channel)
    started = time.process_time()
    result = build(work, market, staged, validated, translated, channel)
    listed: int = result["channels"][channel]["listed"]
    return floor, listed / (time.process_time() - started)


def rate_markets(work: Path) -> dict[str, str]:
    """Each configured channel and the market its rate is measured in, as nightly.py picks."""
    from benchmarks.nightly import RATE_MARKET, _config

    config = _config(work)
    codes = sorted(config.markets)
    chosen = {}
    for channel in sorted({c for code in codes for c in config.market(code).channels}):
        having = [code for code in codes if channel in config.market(code).channels]
        chosen[channel] = RATE_MARKET if RATE_MARKET in having else having[0]
    return chosen


def setup(
    work: Path, products: int, codes: list[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The catalog, its snapshot and the translations of ``codes``, as nightly.py makes
    them, in one process; validation is left out (Great Expectations would be half the
    guard's time and no channel's rate): nothing is quarantined."""
    from benchmarks import nightly

    nightly.generate_catalog(work, products)
    staged = nightly.extract(work)
    nightly.seed_memory(work, staged["snapshot"], codes)
    quarantine = work / "quarantine.json"
    quarantine.write_text("{}", encoding="utf-8")
    validated = {"quarantine": str(quarantine)}
    return staged, validated, nightly.translate(work, staged, validated, codes)


@dataclass(frozen=True)
class Measurement:
    """One guard run: the best floor, every channel's rates and its ratio."""

    floor: float
    floors: list[float]
    rates: dict[str, list[float]]
    markets: dict[str, str]
    setup_seconds: float
    seconds: float

    @property
    def ratios(self) -> dict[str, float]:
        return {channel: max(rates) / self.floor for channel, rates in self.rates.items()}


def measure(work: Path, products: int, repeat: int) -> Measurement:
    """Set up the catalog, then build every channel ``repeat`` times beside the floor."""
    from benchmarks import nightly

    started = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")
    markets = rate_markets(work)
    with ProcessPoolExecutor(1, mp_context=spawn) as executor:
        staged, validated, translated = executor.submit(
            setup, work, products, sorted(set(markets.values()))
        ).result()
    setup_seconds = time.perf_counter() - started
    # Repetition by repetition, so a channel's builds are spread over the run's length.
    with ProcessPoolExecutor(nightly.PARALLEL, mp_context=spawn, max_tasks_per_child=1) as executor:
        futures = [
            (
                channel,
                executor.submit(
                    floor_and_rate, work, products, market, channel, staged, validated, translated
                ),
            )
            for _ in range(repeat)
            for channel, market in markets.items()
        ]
        floors: list[float] = []
        rates: dict[str, list[float]] = {channel: [] for channel in markets}
        for channel, future in futures:
            floor, rate = future.result()
            floors.append(floor)
            rates[channel].append(rate)
    return Measurement(
        max(floors), floors, rates, markets, setup_seconds, time.perf_counter() - started
    )


def report(measured: Measurement, baseline: Mapping[str, float] | None) -> None:
    print(
        f"floor: best {measured.floor:,.0f} items per CPU second of {len(measured.floors)} "
        f"(worst {min(measured.floors):,.0f}); setup {measured.setup_seconds:.0f} s, "
        f"whole guard {measured.seconds:.0f} s; {_load()}"
    )
    print(
        f"  {'channel':<10} {'market':<6} {'best /CPU s':>11} {'x floor':>8} {'baseline':>9}  rates"
    )
    for channel, ratio in measured.ratios.items():
        rates = measured.rates[channel]
        known = f"{baseline[channel]:9.3f}" if baseline and channel in baseline else " " * 9
        print(
            f"  {channel:<10} {measured.markets[channel]:<6} {max(rates):>11,.0f} "
            f"{ratio:8.3f} {known}  {', '.join(f'{rate:,.0f}' for rate in rates)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument(
        "--update-baseline",
        metavar="REASON",
        help="store this run's ratios as the baseline, with why (then commit it, saying why)",
    )
    parser.add_argument("--json", type=Path, help="also write this run's figures here")
    parser.add_argument("--workdir", type=Path, default=None, help="parent of the scratch folder")
    args = parser.parse_args()
    baseline = None
    if args.update_baseline is None:
        try:  # before measuring: a baseline that cannot be compared fails at once
            baseline = load_baseline(args.baseline, args.products, args.repeat)
        except BaselineError as error:
            raise SystemExit(f"bench-guard: {error}") from None
    print(
        f"bench-guard: {args.products:,} products, every channel best of {args.repeat}; {_load()}"
    )
    work = Path(tempfile.mkdtemp(prefix="grenzenlos-guard-", dir=args.workdir))
    try:
        measured = measure(work, args.products, args.repeat)
    finally:
        shutil.rmtree(work)
    report(measured, baseline)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "load": _load(),
                    "floor": measured.floor,
                    "floors": measured.floors,
                    "rates": measured.rates,
                    "ratios": measured.ratios,
                    "seconds": measured.seconds,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    if args.update_baseline is not None:
        run = f"floor {measured.floor:,.0f} items per CPU s, {measured.seconds:.0f} s, {_load()}"
        write_baseline(
            args.baseline, measured.ratios, args.products, args.repeat, args.update_baseline, run
        )
        print(f"bench-guard: baseline written to {args.baseline}; commit it saying why")
        return
    assert baseline is not None
    passed, verdict_text = verdict(baseline, measured.ratios)
    print(verdict_text)
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
