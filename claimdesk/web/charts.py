"""Charts as inline SVG, drawn on the server: no script, readable by screen readers
(role="img" with a label, and the figures written next to the bars)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 120
BAR_WIDTH = 210
VALUE_WIDTH = 110


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}".removesuffix(".0")


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    fmt: Callable[[float | None], str] = number,
    empty: str = "—",
) -> Markup:
    """Horizontal bars, one per row, scaled to the largest value; None draws no bar."""
    if not rows:
        return Markup('<p class="hint">{}</p>').format(empty)
    largest = max((v for _, v in rows if v is not None), default=0) or 1
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT * 0.7
        length = 0 if value is None else max(1.0, BAR_WIDTH * float(value) / float(largest))
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y:.1f}" text-anchor="end" '
            f'font-size="13" fill="#1b1f24">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="#0b5cad" rx="3"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{text_y:.1f}" font-size="13" '
            f'fill="#1b1f24">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
