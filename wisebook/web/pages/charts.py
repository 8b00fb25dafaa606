"""Charts of the dashboard, drawn on the server as inline SVG: no script, no CDN, readable
without colour (each series also has a legend and the month-by-month table below)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 440, 210
LEFT, RIGHT, TOP, BOTTOM = 48, 6, 10, 26


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its name (in the legend), its values per month, its CSS class."""

    name: str
    values: Sequence[int | None]  # None: no figure that month (the year before had fewer)
    css: str


def nice_step(span: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) cutting ``span`` into about ``ticks``."""
    raw = max(span, 1) / ticks  # float-ok: a drawing's scale, never money
    power = 1
    while power * 10 <= raw:
        power *= 10
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def chart(
    kind: str,
    label: str,
    months: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[int], str],
    axis: Callable[[int], str] | None = None,
) -> Markup:
    """A ``line`` or ``bar`` chart of some series over the months: each point's exact figure
    in ``fmt`` (its tooltip), the y axis's round steps in ``axis`` (short: ``5 M``)."""
    axis = axis or fmt
    values = [v for s in series for v in s.values if v is not None]
    low, high = min([0, *values]), max([0, *values])
    step = nice_step(high - low)
    low, high = (low // step) * step, -(-high // step) * step
    high = high if high > low else low + step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(months), 1)  # float-ok: pixels

    def y(value: int) -> float:  # float-ok: pixels
        return TOP + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg class="graphique" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in range(low, high + 1, step):
        ty = y(tick)
        css = "axe-zero" if tick == 0 else "grille"
        parts.append(f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(
            f'<text class="graduation" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{escape(axis(tick))}</text>'
        )
    for i, month in enumerate(months):
        parts.append(
            f'<text class="mois" x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(month)}</text>'
        )
    if kind == "bar":
        width = slot * 0.8 / max(len(series), 1)
        for n, s in enumerate(series):
            for i, value in enumerate(s.values):
                if not value:  # nothing that month: no bar
                    continue
                top, bottom = sorted((y(value), y(0)))
                x = LEFT + slot * (i + 0.1) + width * n
                sign = " negatif" if value < 0 else ""
                parts.append(
                    f'<rect class="{s.css}{sign}" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{max(bottom - top, 0.5):.1f}">'
                    f"<title>{escape(s.name)} · {escape(months[i])} : {escape(fmt(value))}</title></rect>"
                )
    else:
        for s in series:
            points = [
                f"{LEFT + slot * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(s.values) if v is not None
            ]
            parts.append(f'<polyline class="{s.css}" fill="none" points="{" ".join(points)}"/>')
            for i, v in enumerate(s.values):
                if v is not None:
                    parts.append(
                        f'<circle class="{s.css}" cx="{LEFT + slot * (i + 0.5):.1f}" cy="{y(v):.1f}" r="2.5">'
                        f"<title>{escape(s.name)} · {escape(months[i])} : {escape(fmt(v))}</title></circle>"
                    )
    parts.append("</svg>")
    legend = "".join(f'<span class="legende {s.css}">{escape(s.name)}</span>' for s in series)
    # Every text in it went through escape(); classes and numbers are ours.
    return Markup("".join(parts) + f'<p class="legendes">{legend}</p>')  # noqa: S704
