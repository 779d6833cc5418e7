"""Inline SVG charts for the brief, drawn without a plotting library.

Every label is escaped: category names can come from user rules or a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape

from .models import LIKELIHOODS, SEVERITIES

# Cell colours by risk level (severity index + likelihood index, 0..6): green to dark red.
_SCALE = ("#e8f5e9", "#c8e6c9", "#fff59d", "#ffcc80", "#ffab91", "#ef5350", "#b71c1c")
_INK_ON = {5: "#ffffff", 6: "#ffffff"}


def risk_matrix(pairs: Sequence[tuple[str, str]], *, cell: int = 56) -> str:
    """Severity (rows, critical on top) × likelihood (columns) with the count in each cell."""
    counts = Counter(pairs)
    left, top = 84, 30
    width = left + cell * len(LIKELIHOODS) + 10
    height = top + cell * len(SEVERITIES) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="risk-matrix" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Risk matrix: {sum(counts.values())} risks by severity and likelihood">',
        f'<text x="{left + cell * 2}" y="18" text-anchor="middle" font-size="12" '
        f'font-weight="bold">Likelihood →</text>',
    ]
    for row, severity in enumerate(reversed(SEVERITIES)):
        s = len(SEVERITIES) - 1 - row
        y = top + row * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" font-size="12">'
            f"{escape(severity)}</text>"
        )
        for col, likelihood in enumerate(LIKELIHOODS):
            x = left + col * cell
            level = s + col
            n = counts.get((severity, likelihood), 0)
            ink = _INK_ON.get(level, "#212121")
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_SCALE[level]}" '
                f'stroke="#9e9e9e" data-severity="{escape(severity)}" '
                f'data-likelihood="{escape(likelihood)}" data-count="{n}"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell / 2 + 7}" text-anchor="middle" '
                    f'font-size="20" font-weight="bold" fill="{ink}">{n}</text>'
                )
    for col, likelihood in enumerate(LIKELIHOODS):
        cx = left + col * cell + cell / 2
        cy = top + cell * len(SEVERITIES) + 16
        label = escape(likelihood)
        parts.append(f'<text x="{cx}" y="{cy}" text-anchor="middle" font-size="9.5">{label}</text>')
    parts.append(
        f'<text x="14" y="{top + cell * 2}" font-size="12" font-weight="bold" '
        f'transform="rotate(-90 14 {top + cell * 2})" text-anchor="middle">Severity</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def category_bars(categories: Sequence[str], *, width: int = 330, bar: int = 16) -> str:
    """Horizontal bars: how many of the brief's risks fall in each category."""
    counts = Counter(categories).most_common()
    label_w = 110
    height = 10 + len(counts) * (bar + 8) + 4
    most = max((n for _, n in counts), default=1)
    scale = (width - label_w - 40) / most
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="category-bars" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Risks per category">'
    ]
    for i, (name, n) in enumerate(counts):
        y = 10 + i * (bar + 8)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar - 4}" text-anchor="end" font-size="12">'
            f"{escape(name)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{n * scale:.1f}" height="{bar}" fill="#5c6bc0" '
            f'data-category="{escape(name)}" data-count="{n}"/>'
            f'<text x="{label_w + n * scale + 6:.1f}" y="{y + bar - 4}" font-size="12">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
