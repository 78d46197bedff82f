"""End-to-end nightly run on a synthetic catalog: every configured market and channel.

    python benchmarks/nightly.py --products 100000

Runs the steps of ``dags/localize_catalog.py`` with the arguments the DAG gives them
(config/markets.toml, its categories, VAT table and checked-in ECB file), each step in
a fresh process so that its peak RSS is its own, without Airflow around them:

1. setup, not timed as a step: a seeded Akeneo CSV (`benchmarks.synthetic_catalog`
   with ``every_channel``: categories that config/categories.toml maps for every
   channel and market, and the bullet points Amazon requires), and,
   after extract, a SQLite translation memory seeded with a machine entry for every
   segment every market needs (`transforms.translation.planning.segments_for`, keyed by
   `Segment.machine_key`, the source text as its translation, no QA problem), so the
   translate step finds every text in the memory and sends nothing (no DeepL key);
2. extract (read the catalog, stage the snapshot and the ECB rates; the run's day is
   ``[pricing] offline_rates_day``, so the checked-in file passes the freshness check),
   validate (the catalog rules with Great Expectations and Data Docs), translate
   (memory only), one build per market (`build_market_feeds`), at most two at a time
   as the DAG's ``localize_market`` runs them on this 2-core machine, the feed shrink
   check and publish.

Printed: seconds and CPU seconds (measured in the step's process, its imports included;
on a shared machine the CPU seconds are the figure to compare) and peak RSS of every
step, one build line per market and the build phase's wall time; then, per channel, the
localize + write rate. The rate comes from a build of that channel alone for one market
that has it (DE where it can, else the first configured market; two at a time, as
above): listings written divided by the seconds of `build_market_feeds` (the writer's
imports done before the clock starts), which reads the snapshot and the market's
translations, localizes every product, checks completeness, writes the feed and checks
the file: everything a channel costs when it runs on its own. The floor is a bare
``lxml.etree.xmlfile`` loop writing as many 12-field ``<item>`` elements (the shape of a
Google item) in this benchmark's own process (best of three, while no step runs), and
each channel's rate is shown as a share of it. ``--profile MARKET`` adds a
cProfile of that market's build; ``--markets DE FR`` limits the run to those markets
(the memory seeded for them, their translation, their builds and the channels they have
for the rates).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from schemas.config.pipeline import PipelineConfig

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "markets.toml"
PARALLEL = 2
"""Markets built at once: the DAG's ``max_active_tis_per_dagrun`` for localize_market."""
RATE_MARKET = "DE"
"""Where a channel's rate is measured when the market has it."""


def _config(work: Path) -> PipelineConfig:
    """The checked-in configuration, pointed at the synthetic catalog and ``work``."""
    from schemas.config.loader import load_config

    config = load_config(
        CONFIG,
        env={
            "GRENZENLOS_STAGING_URL": (work / "staging").as_uri(),
            "GRENZENLOS_OUTPUT_URL": (work / "output").as_uri(),
            "GRENZENLOS_TRANSLATION_MEMORY": str(work / "translation_memory.sqlite"),
        },
    )
    catalog = config.catalog.model_copy(
        update={"path": str(work / "products.csv"), "product_models_path": None}
    )
    return config.model_copy(update={"catalog": catalog})


def _run_day(config: PipelineConfig) -> date:
    """The run's date: the day of the checked-in rates, so they pass as fresh."""
    from pipeline.extract import load_rates

    return config.pricing.offline_rates_day or load_rates(Path(config.pricing.rates)).day


def _run_dir(work: Path) -> Path:
    return work / "staging" / str(_run_day(_config(work)))


def _quarantine(validated: dict[str, Any]) -> dict[str, list[str]]:
    with Path(validated["quarantine"]).open("r", encoding="utf-8") as stream:
        loaded: dict[str, list[str]] = json.load(stream)
    return loaded


class StepFailed(Exception):
    """A step failed in its process (its traceback as text: not every error pickles)."""


def _measured(step: Callable[..., Any], *args: Any) -> tuple[Any, float, float, float]:
    """Run one step in this (fresh) process: its result, seconds, peak RSS in MiB and CPU
    seconds (`time.process_time`: on a shared machine other processes take wall time from
    a step, hardly CPU time)."""
    import traceback

    started = time.perf_counter()
    cpu_started = time.process_time()
    try:
        result = step(*args)
    except Exception:
        raise StepFailed(f"{step.__name__}: {traceback.format_exc()}") from None
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, cpu


def generate_catalog(work: Path, products: int) -> int:
    from benchmarks.synthetic_catalog import generate

    work.mkdir(parents=True, exist_ok=True)
    generate(work / "products.csv", products, every_channel=True)
    return products


def extract(work: Path) -> dict[str, Any]:
    from pipeline.extract import extract as stage

    config = _config(work)
    return stage(config, _run_dir(work), _run_day(config))


def seed_memory(work: Path, snapshot: str, codes: list[str], conninfo: str | None = None) -> int:
    """Store a passing machine entry for every segment the markets ``codes`` need; return
    how many. The memory is the SQLite file of the configuration, or the PostgreSQL
    database ``conninfo`` names."""
    from pipeline.layout import read_snapshot
    from transforms.translation.glossary import load_glossary
    from transforms.translation.memory import NewEntry, TranslationMemory
    from transforms.translation.planning import segments_for
    from transforms.translation.qa import check_translation

    config = _config(work)
    settings = config.translation
    glossary = load_glossary(
        Path(settings.glossary_path) if settings.glossary_path else None, settings.source_lang
    )
    markets = [config.market(code) for code in codes]
    assert settings.memory_path is not None
    stored = checked = 0
    batch: dict[str, NewEntry] = {}
    opened = (
        TranslationMemory.open_postgres(conninfo)
        if conninfo
        else TranslationMemory.open_sqlite(settings.memory_path)
    )
    with opened as memory:
        for product in read_snapshot(Path(snapshot)):
            for market in markets:
                for _name, _index, segment in segments_for(product, market, settings, glossary):
                    text = segment.source_text
                    if checked < 1000:  # the source as its own translation passes QA
                        problems = check_translation(
                            text,
                            text,
                            html=segment.tag_handling == "html",
                            glossary=glossary.applicable(text, segment.target),
                        )
                        assert not problems, (text, problems)
                        checked += 1
                    batch[segment.machine_key] = NewEntry(
                        segment.machine_key,
                        "machine",
                        segment.source_lang,
                        segment.target,
                        segment.variant,
                        text,
                        text,
                    )
            if len(batch) >= 10_000:
                memory.store(list(batch.values()), "seed")
                stored += len(batch)
                batch = {}
        memory.store(list(batch.values()), "seed")
        stored += len(batch)
    return stored


def validate(work: Path, staged: dict[str, Any]) -> dict[str, Any]:
    from pipeline.validate import validate_snapshot

    config = _config(work)
    output = work / "output"
    run_key = str(_run_day(config))
    return validate_snapshot(
        Path(staged["snapshot"]), config.validation, output / "runs" / run_key, output, run_key
    )


def translate(
    work: Path, staged: dict[str, Any], validated: dict[str, Any], markets: list[str]
) -> dict[str, Any]:
    from pipeline.translate import translate_snapshot

    config = _config(work)
    run_key = str(_run_day(config))
    result = translate_snapshot(
        Path(staged["snapshot"]),
        [config.market(code) for code in markets],
        config.translation,
        _run_dir(work),
        work / "output" / "runs" / run_key,
        auth_key=None,
        run_id=run_key,
        quarantine=_quarantine(validated),
        glossary_targets=sorted({m.deepl_target for m in config.markets.values()}),
    )
    return {"files": result["files"], "report": result["report"]}


def build(
    work: Path,
    market: str,
    staged: dict[str, Any],
    validated: dict[str, Any],
    translated: dict[str, Any],
    channel: str | None = None,
) -> dict[str, Any]:
    """One market's feeds, as ``localize_market`` builds them; or one channel's alone."""
    from pipeline.build import build_market_feeds
    from pipeline.extract import load_rates
    from schemas.categories import load_category_map

    config = _config(work)
    chosen = config.market(market)
    market_dir = _run_dir(work) / market
    live_dir: Path | None = work / "output" / market
    if channel is not None:  # beside the run, as if it were the first night
        chosen = chosen.model_copy(update={"channels": [channel]})
        market_dir = work / "channel_rates" / f"{market}-{channel}"
        live_dir = None
    categories = Path(config.categories_path) if config.categories_path else None
    return build_market_feeds(
        Path(staged["snapshot"]),
        chosen,
        market_dir,
        pricing=config.pricing,
        rates=load_rates(Path(staged["rates"])),
        requirements={c: config.requirements(chosen, c) for c in chosen.channels},
        quarantine=_quarantine(validated),
        translations=Path(translated["files"][market]),
        source_locale=config.translation.source_locale,
        channel_settings=config.channels,
        category_map=load_category_map(categories, markets=config.markets),
        mode="full",
        live_dir=live_dir,
    )


def channel_rate(
    work: Path,
    market: str,
    channel: str,
    staged: dict[str, Any],
    validated: dict[str, Any],
    translated: dict[str, Any],
) -> tuple[int, float]:
    """Listings one channel alone lists for ``market``, and the seconds of its build.

    The channel's writer module is imported before the clock starts: an import is paid
    once per process, not per listing.
    """
    from pipeline.build import build_market_feeds  # noqa: F401 - imported, not timed
    from pipeline.channels import writer_class

    writer_class(channel)
    started = time.perf_counter()
    result = build(work, market, staged, validated, translated, channel)
    return result["channels"][channel]["listed"], time.perf_counter() - started


def check_gates(work: Path, built: list[dict[str, Any]]) -> dict[str, Any]:
    from pipeline.publish import check_feed_shrink

    config = _config(work)
    return check_feed_shrink(built, config.validation, work / "output", _run_dir(work))


def publish(
    work: Path, staged: dict[str, Any], built: list[dict[str, Any]], held: dict[str, Any]
) -> list[dict[str, Any]]:
    from pipeline.publish import publish_run

    config = _config(work)
    run_key = str(_run_day(config))
    return publish_run(
        built, held, work / "output", _run_dir(work), run_id=run_key, products=staged["products"]
    )


def profile_build(
    work: Path,
    market: str,
    staged: dict[str, Any],
    validated: dict[str, Any],
    translated: dict[str, Any],
) -> str:
    """cProfile of one market's build: the functions with the most time of their own."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(build, work, market, staged, validated, translated)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    return text.getvalue()


def lxml_floor(path: Path, items: int) -> float:
    """Items per second of a bare ``etree.xmlfile`` loop writing 12-field Google-shaped items."""
    from lxml import etree

    g = "http://base.google.com/ns/1.0"
    tags = [
        f"{{{g}}}{name}"
        for name in (
            "id title description link image_link availability price brand gtin "
            "product_type google_product_category shipping_weight"
        ).split()
    ]
    words = "robust leicht kompakt leise schnell edelstahl recycelt wasserdicht".split()
    descriptions = [" ".join(words[(n + k) % len(words)] for k in range(40)) for n in range(64)]
    started = time.perf_counter()
    with path.open("wb") as stream, etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("rss", version="2.0", nsmap={"g": g}), xf.element("channel"):
            for n in range(items):
                item = etree.Element("item", nsmap={"g": g})
                for tag, text in zip(
                    tags,
                    (
                        f"SYN-{n:08d}",
                        f"Nordquell Bottles {n} robust",
                        descriptions[n % 64],
                        f"https://shop.grenzenlos.example/de-de/p/SYN-{n:08d}",
                        f"https://assets.grenzenlos.example/files/bottles/{n}.jpg",
                        "in_stock",
                        f"{n % 1000}.99 EUR",
                        "Nordquell",
                        "4012345678901",
                        "drinkware > bottles",
                        "2169",
                        f"{n % 5000} g",
                    ),
                    strict=True,
                ):
                    etree.SubElement(item, tag).text = text
                xf.write(item)
                xf.write("\n")
    return items / (time.perf_counter() - started)


def _row(
    label: str, seconds: float, rss: float | None, note: str = "", cpu: float | None = None
) -> None:
    memory = f"{rss:9,.0f}" if rss is not None else " " * 9
    cpu_text = f"{cpu:9.1f}" if cpu is not None else " " * 9
    print(f"  {label:<28} {seconds:9.1f} {cpu_text} {memory}   {note}")


def run(
    work: Path, products: int, profile_market: str | None, markets: list[str] | None = None
) -> None:
    """The run, the channel rates and the floor, printed as they are known; ``markets``
    limits it to those configured markets (all when None)."""
    config = _config(work)
    codes = sorted(config.markets)
    if markets:
        unknown = sorted(set(markets) - set(codes))
        if unknown:
            raise SystemExit(f"--markets: {', '.join(unknown)} not configured; known: {codes}")
        codes = sorted(set(markets))
    feeds = sum(len(config.market(c).channels) for c in codes)
    spawn = multiprocessing.get_context("spawn")

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(PARALLEL, mp_context=spawn, max_tasks_per_child=1)

    print(
        f"nightly: {products:,} products, {len(codes)} markets, {feeds} feeds, "
        f"{PARALLEL} processes at a time, run day {_run_day(config)}, scratch {work}"
    )
    with pool() as executor:

        def step(function: Callable[..., Any], *step_args: Any) -> tuple[Any, float, float, float]:
            return executor.submit(_measured, function, work, *step_args).result()

        _, generate_seconds, _, _ = step(generate_catalog, products)
        run_started = time.perf_counter()
        staged, extract_seconds, extract_rss, extract_cpu = step(extract)
        paused = time.perf_counter()
        seeded, seed_seconds, _, _ = step(seed_memory, staged["snapshot"], codes)
        seeding = time.perf_counter() - paused
        validated, validate_seconds, validate_rss, validate_cpu = step(validate, staged)
        translated, translate_seconds, translate_rss, translate_cpu = step(
            translate, staged, validated, codes
        )
        build_started = time.perf_counter()
        futures = {
            code: executor.submit(_measured, build, work, code, staged, validated, translated)
            for code in codes
        }
        market_builds = {code: future.result() for code, future in futures.items()}
        build_wall = time.perf_counter() - build_started
        built = [result for result, _, _, _ in market_builds.values()]
        held, gates_seconds, gates_rss, gates_cpu = step(check_gates, built)
        published, publish_seconds, publish_rss, publish_cpu = step(publish, staged, built, held)
        run_wall = time.perf_counter() - run_started - seeding

    print(
        f"setup (outside the run): catalog generated in {generate_seconds:.1f} s; "
        f"translation memory seeded with {seeded:,} machine entries in {seed_seconds:.1f} s"
    )
    print(f"  {'step':<28} {'seconds':>9} {'CPU s':>9} {'peak MiB':>9}")
    _row(
        "extract",
        extract_seconds,
        extract_rss,
        f"{staged['products']:,} products, {staged['rejected_rows']} rejected rows",
        extract_cpu,
    )
    _row(
        "validate",
        validate_seconds,
        validate_rss,
        f"{validated['quarantined']:,} quarantined, {validated['warnings']:,} warnings",
        validate_cpu,
    )
    languages = translated["report"]["languages"]
    segments = sum(lang["segments"] for lang in languages.values())
    pending = sum(lang["pending"] + lang["flagged"] for lang in languages.values())
    _row(
        "translate",
        translate_seconds,
        translate_rss,
        f"{segments:,} segments in {len(languages)} languages, {pending:,} pending or flagged",
        translate_cpu,
    )
    for code, (result, seconds, rss, cpu) in market_builds.items():
        written = sum(feed["items"] for feed in result["feeds"])
        channels = result["channels"]
        aside = {c: info["reasons"] for c, info in channels.items() if info["set_aside"]}
        note = f"{', '.join(channels)}: {written:,} items written"
        if aside:
            note += f"; set aside {aside}"
        _row(f"build {code}", seconds, rss, note, cpu)
    build_seconds = sum(seconds for _, seconds, _, _ in market_builds.values())
    build_cpu = sum(cpu for _, _, _, cpu in market_builds.values())
    _row(
        f"build, {len(codes)} markets",
        build_wall,
        max(rss for _, _, rss, _ in market_builds.values()),
        f"wall, {PARALLEL} at a time ({build_seconds:,.1f} s of builds)",
        build_cpu,
    )
    _row(
        "check_gates",
        gates_seconds,
        gates_rss,
        f"{len(held['feeds'])} feeds held back",
        gates_cpu,
    )
    _row("publish", publish_seconds, publish_rss, f"{len(published)} files published", publish_cpu)
    print(f"  {'extract to publish (wall)':<28} {run_wall:9.1f}   (without seeding the memory)")

    # Best of three: a floor is what the loop can do, and this machine's speed drifts.
    floor = max(lxml_floor(work / "lxml_floor.xml", products) for _ in range(3))
    print(
        f"bare lxml floor (this process, best of 3): {products:,} 12-field items, "
        f"{floor:,.0f} items/s"
    )
    rate_runs = {}
    for channel in sorted({c for code in codes for c in config.market(code).channels}):
        having = [code for code in codes if channel in config.market(code).channels]
        rate_runs[channel] = RATE_MARKET if RATE_MARKET in having else having[0]
    with pool() as executor:
        rate_futures = {
            channel: executor.submit(
                _measured, channel_rate, work, code, channel, staged, validated, translated
            )
            for channel, code in rate_runs.items()
        }
        profile_future = (
            executor.submit(
                _measured, profile_build, work, profile_market, staged, validated, translated
            )
            if profile_market
            else None
        )
        rates = {channel: future.result() for channel, future in rate_futures.items()}
        profile = profile_future.result() if profile_future else None
    print("localize + write, one channel per process (build_market_feeds with that channel only)")
    print(
        f"  {'channel':<10} {'market':<6} {'listed':>9} {'seconds':>8} "
        f"{'listings/s':>11} {'x floor':>8} {'peak MiB':>9} {'CPU s':>8}"
    )
    for channel, ((listed, seconds), _, rss, cpu) in rates.items():
        rate = listed / seconds
        print(
            f"  {channel:<10} {rate_runs[channel]:<6} {listed:>9,} {seconds:8.1f} "
            f"{rate:>11,.0f} {rate / floor:8.2f} {rss:9,.0f} {cpu:8.1f}"
        )
    if profile is not None:
        print(f"cProfile of build {profile_market} ({profile[1]:.1f} s under the profiler):")
        print(profile[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None, help="parent of the scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--profile", metavar="MARKET", help="also profile this market's build")
    parser.add_argument(
        "--markets",
        nargs="+",
        metavar="MARKET",
        help="only these configured markets (translate, builds, channel rates); default all",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grenzenlos-nightly-", dir=args.workdir))
    try:
        run(work, args.products, args.profile, args.markets)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
