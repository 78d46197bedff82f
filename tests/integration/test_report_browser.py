"""The run report in a real browser: Debian's chromium, driven by Playwright, opens
``report.html`` of two sample runs from disk with every request that is not ``file:``
blocked, and reads what a person would see.

The runs are the sample catalog's, through the pipeline's steps as the DAG calls them
(extract, validate, translate from the translators' TMX only, build, gates, publish,
summary), the second on a copy of the catalog with some prices raised and one product
gone, so that the history and price charts have two runs to draw. Screenshots (desktop
and 390 px wide) are left in the test's temporary folder; their paths are printed.

Chromium missing means a skip, unless ``GRENZENLOS_REQUIRE_BROWSER=1`` (CI), then a failure.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ROOT, SAMPLE_CATALOG

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNS = ("2026-11-25", "2026-11-26")
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

_FEED_LINE = re.compile(
    r"^(?P<market>\w+)\s+(?P<channel>\w+)\s+(?P<listed>\d+) listed,\s+(?P<set_aside>\d+) set aside"
    r"(?: \((?P<reasons>[^)]*)\))?"
    r"(?: \[\w+: (?P<sent>\d+) sent, (?P<unchanged>\d+) unchanged, (?P<deleted>\d+) deleted\])?"
    r" -> "
)


def _browser_or_skip() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as error:  # pragma: no cover - it is a dev dependency
            reason = f"Playwright is not installed: {error}"
    if reason and os.environ.get("GRENZENLOS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"GRENZENLOS_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)


# The sample runs ---------------------------------------------------------------------------


def _changed_catalog(folder: Path) -> Path:
    """The sample catalog with a few EUR prices raised by a quarter and one product gone."""
    folder.mkdir(parents=True)
    for name in ("product_models.csv", "translations.tmx"):
        shutil.copy(SAMPLE_CATALOG / name, folder / name)
    with (SAMPLE_CATALOG / "products.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    header, body = rows[0], rows[1:]
    price = header.index("price-EUR")
    for row in body[:40:8]:
        if re.fullmatch(r"\d+\.\d\d", row[price]):
            row[price] = f"{float(row[price]) * 1.25:.2f}"
    with (folder / "products.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows([header, *body[1:]])
    return folder / "products.csv"


def _run(work: Path, run_key: str, catalog: Path | None) -> Path:
    """One sample run's steps, as the DAG calls them; returns its report folder."""
    from pipeline.build import build_market_feeds
    from pipeline.extract import load_rates, read_catalog, stage_catalog, stage_rates
    from pipeline.publish import check_feed_shrink, publish_run
    from pipeline.run_report.summary import RunParams, RunResults, write_run_report
    from pipeline.translate import translate_snapshot
    from pipeline.validate import validate_snapshot
    from schemas.categories import load_category_map
    from schemas.config.loader import load_config

    config = load_config(ROOT / "config" / "markets.toml", env={})
    if catalog is not None:
        config = config.model_copy(
            update={"catalog": config.catalog.model_copy(update={"path": str(catalog)})}
        )
    settings = config.translation.model_copy(
        update={"memory_path": str(work / "memory.sqlite"), "glossary_path": None}
    )
    run_dir = work / "staging" / run_key
    output = work / "output"
    report_dir = output / "runs" / run_key
    staged = stage_catalog(read_catalog(config.catalog), run_dir, shard_products=1_000_000)
    rates = load_rates(Path(stage_rates(config.pricing, run_dir, run_day=None)))
    snapshot = Path(staged["snapshot"])
    validated = validate_snapshot(snapshot, config.validation, report_dir, output, run_key)
    quarantine = json.loads(Path(validated["quarantine"]).read_text(encoding="utf-8"))
    markets = [config.market(code) for code in sorted(config.markets)]
    translated = translate_snapshot(
        snapshot,
        markets,
        settings,
        run_dir,
        report_dir,
        auth_key=None,
        run_id=run_key,
        quarantine=quarantine,
        glossary_targets=sorted({m.deepl_target for m in markets}),
    )
    categories = load_category_map(ROOT / "config" / "categories.toml", markets=config.markets)
    built = [
        build_market_feeds(
            snapshot,
            market,
            run_dir / market.code,
            channel_settings=config.channels,
            category_map=categories,
            pricing=config.pricing,
            rates=rates,
            requirements={c: config.requirements(market, c) for c in market.channels},
            quarantine=quarantine,
            translations=Path(translated["files"][market.code]),
            source_locale=config.translation.source_locale,
        )
        for market in markets
    ]
    held = check_feed_shrink(built, config.validation, output, run_dir)
    published = publish_run(
        built, held, output, run_dir, run_id=run_key, products=staged["products"]
    )
    write_run_report(
        RunParams(run_key=run_key),
        RunResults(
            staged=staged,
            validated=validated,
            translated=translated,
            built=built,
            published=published,
        ),
        run_dir,
        report_dir,
    )
    assert (report_dir / "run.json").exists() and (report_dir / "report.html").exists()
    return report_dir


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``report.html`` of the second of two sample runs."""
    _browser_or_skip()
    from pipeline.run_report.render import write_html_report, write_run_index

    work = tmp_path_factory.mktemp("report-runs")
    _run(work, RUNS[0], None)
    report_dir = _run(work, RUNS[1], _changed_catalog(work / "catalog"))
    runs_root = report_dir.parent
    for run_key in RUNS:
        if not (runs_root / run_key / "report.html").exists():
            write_html_report(runs_root / run_key, runs_root)
    if not (runs_root / "index.html").exists():
        write_run_index(runs_root)
    return report_dir / "report.html"


# The browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(report: Path) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, report: Path) -> Iterator[Page]:
    """The report open at desktop width; any request not to a ``file:`` URL is blocked and
    fails the test."""
    context = browser.new_context(viewport=DESKTOP)
    attempted: list[str] = []

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    opened = context.new_page()
    opened.goto(report.as_uri())
    opened.wait_for_load_state("load")
    yield opened
    context.close()
    assert attempted == []


def test_each_feed_shows_the_summary_figures(page: Page, report: Path) -> None:
    summary = (report.parent / "summary.txt").read_text(encoding="utf-8")
    expected = {}
    for line in summary.splitlines():
        if match := _FEED_LINE.match(line):
            figures = {k: v for k, v in match.groupdict().items() if v is not None}
            figures["reasons"] = sorted(p for p in figures.get("reasons", "").split(", ") if p)
            expected[(figures.pop("market"), figures.pop("channel"))] = figures
    shown = page.eval_on_selector_all(
        "#feeds-table tbody tr",
        """rows => rows.map(row => {
            const figures = {market: row.cells[0].innerText.trim(),
                             channel: row.cells[1].innerText.split(' ')[0].trim()};
            for (const cell of row.querySelectorAll('[data-figure]')) {
                figures[cell.dataset.figure] = cell.innerText.trim();
            }
            figures.reasons = [...row.querySelectorAll('.reasons li')]
                .map(li => li.innerText.trim().replace(/\\s+/g, ' ')).sort();
            return figures;
        })""",
    )
    assert len(expected) > 20 and len(shown) == len(expected)
    for feed in shown:
        want = expected[(feed["market"], feed["channel"])]
        got = {
            "listed": feed["listed"],
            "set_aside": feed["set-aside"],
            "reasons": feed["reasons"],
        }
        if "sent" in want:
            got |= {k: feed[k] for k in ("sent", "unchanged", "deleted")}
        assert got == want, (feed["market"], feed["channel"])


def test_every_chart_draws_a_shape(page: Page) -> None:
    charts = page.eval_on_selector_all(
        "svg.chart",
        """charts => charts.map(chart => ({
            id: chart.id,
            drawn: [...chart.querySelectorAll('rect, path, circle, polyline')]
                .map(shape => shape.getBoundingClientRect())
                .filter(box => box.width > 0 && box.height > 0).length,
        }))""",
    )
    ids = {chart["id"] for chart in charts}
    assert {"chart-reasons", "chart-characters-billed", "chart-estimated-cost"} <= ids
    assert {"chart-price-counts", "chart-price-moves", "chart-listed-DE-google"} <= ids
    assert [chart["id"] for chart in charts if not chart["drawn"]] == []


def test_the_history_charts_show_both_runs(page: Page) -> None:
    runs = page.eval_on_selector_all(
        "#chart-listed-DE-google circle", "dots => dots.map(d => d.dataset.run)"
    )
    assert runs == list(RUNS)


def test_picking_a_market_filters_the_findings(page: Page) -> None:
    rows = "#findings-table tbody tr"
    total = page.locator(rows).count()
    page.select_option("#filter-market", "PL")
    visible = page.eval_on_selector_all(
        rows, "rows => rows.filter(r => !r.hidden).map(r => r.dataset.market)"
    )
    assert 0 < len(visible) < total and set(visible) == {"PL"}
    assert page.inner_text("#findings-shown") == str(len(visible))
    page.fill("#filter-sku", "no-such-sku")
    assert page.inner_text("#findings-shown") == "0"


def test_the_report_is_screenshot_at_desktop_and_phone_width(
    browser: Browser, report: Path, tmp_path: Path
) -> None:
    shots = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        opened = context.new_page()
        opened.goto(report.as_uri())
        shots[name] = tmp_path / f"report-{name}.png"
        opened.screenshot(path=str(shots[name]), full_page=True)
        page_width = opened.evaluate("document.documentElement.scrollWidth")
        context.close()
        print(f"report screenshot ({name}): {shots[name]}")
        # Wide tables and charts scroll inside their boxes; the page itself does not.
        assert page_width <= viewport["width"], name
    assert all(shot.stat().st_size > 10_000 for shot in shots.values())
