"""The run report's charts, written as SVG here rather than drawn by a charting library.

The charts are simple (bars and lines over at most 30 runs), and so: the project takes on
no dependency for them; a chart shows without running any script (a mail client's preview,
a locked-down browser, the plugin's strict Content-Security-Policy); it prints as sharp as
the text; it needs no network, so the report works offline; and it adds a few kilobytes to
the file, not a library's hundreds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from pipeline.run_report.formatting import percent, signed
from pipeline.run_report.prices import to_decimal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from pipeline.run_report.prices import PriceMove
    from pipeline.run_report.record import FeedEntry, LanguageFigures, RunRecord

PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#d55e00",
    "#cc79a7",
    "#56b4e9",
    "#8c6d31",
    "#6b6ecf",
    "#b5cf6b",
    "#843c39",
    "#7f7f7f",
    "#17becf",
)
"""Series colours, the first eight Okabe and Ito's (told apart with most colour blindness)."""


_FONT = 'font-family="system-ui,sans-serif" font-size="12"'


def _svg(chart_id: str, width: int, height: int, title: str, body: Iterable[str]) -> Markup:
    """One chart: an ``<svg>`` with its accessible title; ``body`` is SVG already escaped."""
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def reasons_chart(feeds: Sequence[FeedEntry], colours: Mapping[str, str]) -> Markup:
    """Products set aside per feed, one stacked bar per feed and one segment per reason
    (stacked in the order of ``colours``, the legend's)."""
    label_width, bar_width, row = 116, 270, 22
    most = max((f.set_aside or 0 for f in feeds), default=0) or 1
    body = []
    for n, feed in enumerate(feeds):
        y = n * row + 4
        market, channel = escape(feed.market), escape(feed.channel)
        body.append(f'<text x="0" y="{y + 13}">{market} {channel}</text>')
        x = float(label_width)
        reasons = feed.reasons
        for rule in (rule for rule in colours if rule in reasons):
            number = reasons[rule]
            width = bar_width * number / most
            body.append(
                f'<rect class="mark" x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" '
                f'fill="{colours[rule]}" data-market="{market}" data-channel="{channel}" '
                f'data-reason="{escape(rule)}" data-count="{number}">'
                f"<title>{market} {channel}: {escape(rule)} {number}</title></rect>"
            )
            x += width
        body.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{feed.set_aside or 0}</text>')
    height = len(feeds) * row + 8
    return _svg("chart-reasons", label_width + bar_width + 40, height, "Set aside per feed", body)


def listing_charts(
    history: Sequence[RunRecord], feeds: Sequence[FeedEntry]
) -> list[dict[str, Any]]:
    """One small line chart per feed of this run: its listings in each run (oldest first)."""
    charts = []
    for feed in feeds:
        key = (feed.market, feed.channel)
        points = []
        for n, run in enumerate(history):
            for f in run.feeds:
                if (f.market, f.channel) == key and f.listed is not None:
                    points.append((n, f.listed, str(run.run_key)))
                    break
        chart_id = f"chart-listed-{key[0]}-{key[1]}"
        charts.append(
            {
                "market": key[0],
                "channel": key[1],
                "listed": feed.listed,
                "change": (
                    signed(points[-1][1] - points[-2][1])
                    if len(points) > 1 and points[-1][0] == len(history) - 1
                    else None
                ),
                "svg": _line_chart(
                    chart_id,
                    [(f"{key[0]} {key[1]}", PALETTE[0], points)],
                    runs=len(history),
                    width=200,
                    height=64,
                    scale=False,
                ),
            }
        )
    return charts


def translation_charts(history: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Characters billed and estimated cost per target language in each run."""
    languages = sorted(
        {target for run in history if run.translation for target in run.translation.languages}
    )
    if not languages:
        return []
    charts = []
    figures: tuple[tuple[str, str, Callable[[LanguageFigures], object]], ...] = (
        ("characters_billed", "Characters billed", lambda lang: lang.characters_billed),
        ("estimated_cost", "Estimated cost", lambda lang: lang.estimated_cost),
    )
    for figure, title, value_of in figures:
        series = []
        for n, target in enumerate(languages):
            points = []
            for x, run in enumerate(history):
                lang = run.translation.languages.get(target) if run.translation else None
                value = to_decimal(str(value_of(lang))) if lang is not None else None
                if value is not None:
                    points.append((x, value, str(run.run_key)))
            series.append((target, PALETTE[n % len(PALETTE)], points))
        charts.append(
            {
                "title": title,
                "svg": _line_chart(
                    f"chart-{figure.replace('_', '-')}",
                    series,
                    runs=len(history),
                    width=420,
                    height=160,
                    scale=True,
                ),
                "legend": [{"name": name, "colour": colour} for name, colour, _ in series],
            }
        )
    return charts


def _line_chart(
    chart_id: str,
    series: Sequence[tuple[str, str, Sequence[tuple[int, int | Decimal, str]]]],
    *,
    runs: int,
    width: int,
    height: int,
    scale: bool,
) -> Markup:
    """Lines over the runs (x: the run's position, oldest first), a dot on every value.

    The value axis starts at zero, so that a small change looks small; ``scale`` labels
    it (the small multiples go without)."""
    left, right, top, bottom = (44, 8, 8, 18) if scale else (6, 6, 6, 6)
    high = max((Decimal(v) for _, _, points in series for _, v, _ in points), default=Decimal(0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def at(x: int, value: int | Decimal) -> tuple[float, float]:
        across = left + (plot_w * x / (runs - 1) if runs > 1 else plot_w / 2)
        return across, top + plot_h - float(plot_h * Decimal(value) / (high or 1))

    body = [
        f'<path class="axis" d="M{left} {top}V{top + plot_h}H{left + plot_w}" '
        'fill="none" stroke="#999" stroke-width="1"/>'
    ]
    if scale:
        if high:
            body.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{high}</text>')
        body.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
        body.append(
            f'<text x="{left}" y="{height - 3}">{runs} run{"s" if runs != 1 else ""}, '
            "oldest left</text>"
        )
    for name, colour, points in series:
        xy = [at(x, v) for x, v, _ in points]
        if len(xy) > 1:
            body.append(
                f'<polyline class="mark" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}" '
                f'fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for (x, y), (_, value, run) in zip(xy, points, strict=True):
            body.append(
                f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
                f'data-series="{escape(name)}" data-run="{escape(run)}" data-value="{value}">'
                f"<title>{escape(name)}, {escape(run)}: {value}</title></circle>"
            )
    return _svg(chart_id, width, height, ", ".join(name for name, _, _ in series), body)


def price_counts_chart(counts: Sequence[tuple[str, int]]) -> Markup:
    """How many prices went up, down or stayed, one bar each."""
    colours = {"up": "#d55e00", "down": "#0072b2", "unchanged": "#999999"}
    label_width, bar_width, row = 90, 300, 22
    most = max((n for _, n in counts), default=0) or 1
    body = []
    for n, (name, number) in enumerate(counts):
        y = n * row + 4
        width = max(bar_width * number / most, 1.0 if number else 0.0)
        body.append(f'<text x="0" y="{y + 13}">{escape(name)}</text>')
        body.append(
            f'<rect class="mark" x="{label_width}" y="{y}" width="{width:.1f}" height="16" '
            f'fill="{colours.get(name, PALETTE[0])}" data-kind="{escape(name)}" '
            f'data-count="{number}"><title>{escape(name)}: {number}</title></rect>'
        )
        body.append(f'<text x="{label_width + width + 4:.1f}" y="{y + 13}">{number}</text>')
    return _svg(
        "chart-price-counts",
        label_width + bar_width + 60,
        len(counts) * row + 8,
        "Prices up, down, unchanged",
        body,
    )


def price_moves_chart(moves: Sequence[PriceMove]) -> Markup:
    """The largest price moves as bars left (down) or right (up) of a middle line."""
    label_width, half, row = 150, 130, 22  # 420 wide, as the other charts
    most = max((abs(m.change) for m in moves), default=Decimal(0)) or Decimal(1)
    middle = label_width + half
    body = [
        f'<path class="axis" d="M{middle} 0V{len(moves) * row + 8}" stroke="#999" '
        'stroke-width="1"/>'
    ]
    for n, move in enumerate(moves):
        y = n * row + 4
        width = max(float(half * abs(move.change) / most), 1.0)
        x = middle if move.change > 0 else middle - width
        colour = "#d55e00" if move.change > 0 else "#0072b2"
        label = f"{escape(move.market)} {escape(move.sku)}"
        body.append(f'<text x="0" y="{y + 13}">{label}</text>')
        body.append(
            f'<rect class="mark" x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" '
            f'fill="{colour}" data-sku="{escape(move.sku)}" data-market="{escape(move.market)}" '
            f'data-change="{percent(move.change)}"><title>{label}: {move.before} -> '
            f"{move.after} {escape(move.currency)} ({percent(move.change)})</title></rect>"
        )
    return _svg(
        "chart-price-moves",
        label_width + 2 * half + 10,
        len(moves) * row + 8,
        "Largest price moves",
        body,
    )
