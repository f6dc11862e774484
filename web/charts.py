"""Small server-rendered SVG charts: no script, no CDN, readable on any phone."""
from markupsafe import Markup, escape


def progress_svg(points, total: int, needed: int | None = None, width: int = 600, height: int = 200) -> Markup:
    """Agreeing flats over time as a line, with the pass line dashed; points are (moment, agree, participating)."""
    pad = 30
    if not points or total <= 0:
        return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="暂无数据">'
                      f'<text x="{pad}" y="{height // 2}">暂无投票</text></svg>')
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1)

    def xy(moment, value):
        x = pad + (width - 2 * pad) * ((moment - start).total_seconds() / span)
        y = height - pad - (height - 2 * pad) * (value / total)
        return f"{x:.1f},{y:.1f}"

    agree = " ".join(xy(m, a) for m, a, _ in points)
    part = " ".join(xy(m, p) for m, _, p in points)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="同意户数变化">',
             f'<polyline fill="none" stroke="#bbb" stroke-width="2" points="{part}"/>',
             f'<polyline fill="none" stroke="#1b6e2a" stroke-width="3" points="{agree}"/>']
    if needed:
        y = height - pad - (height - 2 * pad) * (needed / total)
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="#a11" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{width - pad}" y="{y - 4:.1f}" text-anchor="end" font-size="14">需 {needed} 户</text>')
    parts.append(f'<text x="{pad}" y="{height - 8}" font-size="13">{escape(start.strftime("%m-%d"))}</text>')
    parts.append(f'<text x="{width - pad}" y="{height - 8}" text-anchor="end" font-size="13">{escape(end.strftime("%m-%d"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(rows, label: str, width: int = 600, bar: int = 26, total: int | None = None) -> Markup:
    """Horizontal bars, biggest first as given: rows are (name, value); `total` scales them (else the largest)."""
    if not rows:
        return Markup(f'<svg class="chart" viewBox="0 0 {width} 40" role="img" aria-label="{escape(label)}：暂无数据">'
                      '<text x="10" y="25">暂无数据</text></svg>')
    scale = total or max(value for _, value in rows) or 1
    name_width, pad = 170, 8
    height = len(rows) * (bar + pad) + pad
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">']
    for n, (name, value) in enumerate(rows):
        y = pad + n * (bar + pad)
        length = (width - name_width - 60) * (value / scale)
        parts.append(f'<text x="{name_width - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" font-size="15">'
                     f'{escape(name)}</text>')
        parts.append(f'<rect x="{name_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#1b6e2a" rx="3"/>')
        parts.append(f'<text x="{name_width + length + 6:.1f}" y="{y + bar * 0.72:.1f}" font-size="15">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
