"""Charts drawn on the server as inline SVG (no script, no style attributes:
colours are presentation attributes and classes, so the strict CSP holds).

The geometry functions are shared with the PDF exports, so a chart looks the
same on the page and on paper. Every chart has a <title> and <desc> for screen
readers; pages also show the numbers in a table.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR_FILL = "#b3261e"
ALT_FILL = "#1a5fb4"
AXIS = "#5f5b66"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


def column_geometry(values, labels, *, width, height, left=34, bottom=22, top=8, right=6):
    """Vertical bars filling (width × height) with room for axes and labels."""
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([float(v or 0) for v in values] + [1.0])
    n = max(len(values), 1)
    slot = plot_w / n
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = plot_h * float(value or 0) / peak
        bars.append(
            Bar(
                x=left + i * slot + slot * 0.12,
                y=top + plot_h - h,
                width=slot * 0.76,
                height=h,
                label=str(label),
                value=float(value or 0),
            )
        )
    return bars, peak, (left, top, plot_w, plot_h)


def row_geometry(values, *, width, row_height=22, left=180, right=60, maximum=None):
    """Horizontal bars, one per row, for rates and buckets."""
    plot_w = width - left - right
    peak = maximum if maximum is not None else max([float(v or 0) for v in values] + [1.0])
    peak = peak or 1.0
    return [
        Bar(
            x=left,
            y=i * row_height + 4,
            width=plot_w * float(v or 0) / peak,
            height=row_height - 8,
            label="",
            value=float(v or 0),
        )
        for i, v in enumerate(values)
    ]


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def column_chart(values, labels, *, title, description, chart_id, width=640, height=220, every=1):
    """An SVG column chart; `every` labels every n-th column (e.g. hours)."""
    bars, peak, (left, top, plot_w, plot_h) = column_geometry(values, labels, width=width, height=height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}" stroke-width="1"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10" fill="{AXIS}">{_number(int(peak))}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10" fill="{AXIS}">0</text>',
    ]
    for i, bar in enumerate(bars):
        parts.append(
            f'<rect class="chart-bar" x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar.width:.1f}" height="{bar.height:.1f}" '
            f'fill="{BAR_FILL}"><title>{escape(bar.label)}: {_number(int(bar.value))}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{bar.x + bar.width / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10" '
                f'fill="{AXIS}">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is escaped or numeric


def bar_rows_chart(rows, *, title, description, chart_id, width=640, maximum=None, suffix=""):
    """Horizontal bars: rows = [(label, value, highlight)]."""
    row_height = 22
    bars = row_geometry([v for _l, v, _h in rows], width=width, row_height=row_height, maximum=maximum)
    height = max(len(rows), 1) * row_height + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for (label, value, highlight), bar in zip(rows, bars, strict=True):
        text = label if len(label) <= 28 else label[:27] + "…"
        fill = ALT_FILL if highlight else BAR_FILL
        parts.append(
            f'<text x="{bar.x - 6}" y="{bar.y + bar.height - 2:.1f}" text-anchor="end" font-size="11" fill="#1c1b1f">'
            f"{escape(text)}</text>"
        )
        parts.append(
            f'<rect class="chart-bar" x="{bar.x}" y="{bar.y:.1f}" width="{bar.width:.1f}" height="{bar.height:.1f}" '
            f'fill="{fill}"><title>{escape(label)}: {escape(_number(value))}{suffix}</title></rect>'
        )
        parts.append(
            f'<text x="{bar.x + bar.width + 4:.1f}" y="{bar.y + bar.height - 2:.1f}" font-size="11" fill="#1c1b1f">'
            f"{escape(_number(value))}{suffix}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is escaped or numeric


def hours_chart(by_hour, *, title, description, chart_id="hours"):
    labels = [f"{h:02d}h" for h in range(24)]
    return column_chart(by_hour, labels, title=title, description=description, chart_id=chart_id, every=3)


def buckets_chart(bucket_row, *, title, description, chart_id="buckets"):
    rows = [(str(label), count, key == "perfect") for key, label, count, _share in bucket_row.cells]
    return bar_rows_chart(rows, title=title, description=description, chart_id=chart_id)
