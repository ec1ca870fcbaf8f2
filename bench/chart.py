"""A horizontal bar chart as a small, dependency-free SVG (docs/performance-*.svg)."""

from __future__ import annotations

from html import escape

BAR_H, GAP, LABEL_W, CHART_W, PAD = 26, 10, 170, 420, 16


def bar_chart(title: str, bars: list[tuple[str, float]], unit: str) -> str:
    """``bars``: (label, value) drawn top to bottom, scaled to the largest value."""
    top = max((v for _, v in bars), default=0) or 1
    height = PAD * 2 + 28 + len(bars) * (BAR_H + GAP)
    width = LABEL_W + CHART_W + 120
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="{PAD + 12}" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = PAD + 28 + i * (BAR_H + GAP)
        w = max(1.0, CHART_W * value / top)
        colour = "#2b6cb0" if i == 0 else "#a0aec0"
        parts += [
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H * 0.68:.1f}" text-anchor="end">'
            f"{escape(label)}</text>",
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>',
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + BAR_H * 0.68:.1f}">'
            f"{value:,.0f} {escape(unit)}</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
