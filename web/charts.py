"""Small server-rendered SVG charts: no script, no CDN, readable on any phone."""
from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape

from core.db import SHANGHAI


def local_time(moment: datetime) -> datetime:
    """A stored UTC moment in Beijing time (naive moments from SQLite are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(SHANGHAI)


# Tick steps the time axis picks from, shortest first: hours for a day's ballots, days for a drive.
TICK_STEPS = tuple(timedelta(hours=h) for h in (1, 2, 3, 6, 12)) + tuple(timedelta(days=d) for d in (1, 2, 7, 14, 30))


def _time_ticks(start: datetime, end: datetime, most: int = 6) -> tuple[list[datetime], str]:
    """Round moments between start and end (local time) and their label format: hours when the span is short."""
    span = end - start
    step = next((s for s in TICK_STEPS if span / s <= most), TICK_STEPS[-1])
    if step < timedelta(days=1):
        first = start.replace(minute=0, second=0, microsecond=0)
        hours = step.seconds // 3600
        first += timedelta(hours=(-first.hour) % hours)
        label = "%H:%M" if end.date() == start.date() else "%m-%d %H:%M"
    else:
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
        label = "%m-%d"
    if first < start:
        first += step
    ticks = []
    while first <= end:
        ticks.append(first)
        first += step
    return ticks, label


def progress_svg(points, total: int, needed: int | None = None, width: int = 600, height: int = 220,
                 opened: datetime | None = None, until: datetime | None = None) -> Markup:
    """Agreeing flats over time as a step line (participating flats in grey), with the pass line dashed.

    Points are (moment, agree, participating) in UTC; the axis runs from the opening (`opened`, else the first
    ballot) to `until` (now or the close, else the last ballot), scaled by time in Beijing time: in hours when
    that is less than a couple of days, so that a day's ballots are a curve, not a dot."""
    pad, bottom = 36, 44
    if not points or total <= 0:
        return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="暂无数据">'
                      f'<text x="{pad}" y="{height // 2}">暂无投票</text></svg>')
    moments = [local_time(m) for m, _, _ in points]
    first, last = moments[0], moments[-1]
    start = min(local_time(opened), first) if opened else first
    end = max(local_time(until), last) if until else last
    margin = max((end - start) * 0.03, timedelta(minutes=30))  # a lone ballot still gets an hour's width
    start, end = (start if opened else start - margin), end + margin
    span = (end - start).total_seconds()
    plot_h = height - pad - bottom

    def x(moment):
        return pad + (width - 2 * pad) * ((moment - start).total_seconds() / span)

    def y(value):
        return pad + plot_h - plot_h * (value / total)

    def steps(index):
        # From nothing before the first ballot, a level line to each ballot, then up (or down) to its count.
        coords = [(x(start), y(0))]
        level = 0
        for moment, point in zip(moments, points):
            coords.append((x(moment), y(level)))
            level = point[index]
            coords.append((x(moment), y(level)))
        coords.append((x(end), y(level)))
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="同意户数变化：{escape(first.strftime("%m-%d %H:%M"))} 至 {escape(last.strftime("%m-%d %H:%M"))}">',
             f'<line x1="{pad}" x2="{width - pad}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#888"/>']
    ticks, label = _time_ticks(start, end)
    for tick in ticks:
        tx = x(tick)
        parts.append(f'<line class="tick" x1="{tx:.1f}" x2="{tx:.1f}" y1="{pad}" y2="{y(0) + 4:.1f}" stroke="#eee"/>')
        parts.append(f'<text class="tick-label" x="{tx:.1f}" y="{height - bottom + 22}" text-anchor="middle" '
                     f'font-size="13">{escape(tick.strftime(label))}</text>')
    parts.append(f'<polyline fill="none" stroke="#bbb" stroke-width="2" points="{steps(2)}"/>')
    parts.append(f'<polyline class="agree" fill="none" stroke="#1b6e2a" stroke-width="3" points="{steps(1)}"/>')
    for moment, (_, agree, _) in zip(moments, points):
        parts.append(f'<circle cx="{x(moment):.1f}" cy="{y(agree):.1f}" r="3" fill="#1b6e2a"/>')
    if needed:
        ny = y(needed)
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{ny:.1f}" y2="{ny:.1f}" stroke="#a11" '
                     'stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{width - pad}" y="{ny - 4:.1f}" text-anchor="end" font-size="14">需 {needed} 人同意</text>')
    day = first.strftime("%Y-%m-%d") if first.date() == last.date() else \
        f'{first.strftime("%Y-%m-%d")} 至 {last.strftime("%Y-%m-%d")}'
    parts.append(f'<text x="{pad}" y="16" font-size="13">{escape(day)}（北京时间）</text>')
    # The scale (0 to every person of the vote) and what each line is.
    parts.append(f'<text class="axis" x="{pad - 4}" y="{y(0):.1f}" text-anchor="end" font-size="12">0</text>')
    parts.append(f'<text class="axis" x="{pad - 4}" y="{y(total) + 4:.1f}" text-anchor="end" font-size="12">{total}</text>')
    parts.append(f'<g class="legend" font-size="13"><rect x="{width - pad - 150}" y="6" width="14" height="4" fill="#1b6e2a"/>'
                 f'<text x="{width - pad - 132}" y="12">同意</text>'
                 f'<rect x="{width - pad - 80}" y="6" width="14" height="4" fill="#bbb"/>'
                 f'<text x="{width - pad - 62}" y="12">已投</text></g>')
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
