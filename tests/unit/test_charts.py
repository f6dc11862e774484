"""The vote progress chart's time axis: a day's ballots in hours, a drive's in days, one ballot still a line."""
import re
from datetime import datetime, timedelta, timezone

from web.charts import progress_svg

UTC = timezone.utc


def _labels(svg: str) -> list[str]:
    return re.findall(r'class="tick-label"[^>]*>([^<]+)<', svg)


def _xs(svg: str) -> set[float]:
    points = re.search(r'class="agree"[^>]*points="([^"]+)"', svg).group(1)
    return {float(p.split(",")[0]) for p in points.split()}


def test_ballots_within_an_hour_get_hour_ticks_in_beijing_time_and_a_wide_line():
    at = datetime(2026, 11, 26, 2, 10, tzinfo=UTC)  # 10:10 in Beijing
    points = [(at + timedelta(minutes=n * 7), n + 1, n + 1) for n in range(5)]
    svg = str(progress_svg(points, 30, 20))
    assert _labels(svg) and all(re.fullmatch(r"\d\d:00", label) for label in _labels(svg))
    assert "10:00" in _labels(svg) or "11:00" in _labels(svg)
    assert max(_xs(svg)) - min(_xs(svg)) > 400
    assert "2026-11-26（北京时间）" in svg
    assert ">同意</text>" in svg and ">已投</text>" in svg and ">30</text>" in svg and "需 20 人同意" in svg  # legend, scale


def test_one_ballot_is_still_a_line_and_an_opening_a_week_ago_gives_day_ticks():
    at = datetime(2026, 11, 26, 2, 10, tzinfo=UTC)
    lone = str(progress_svg([(at, 1, 1)], 10))
    assert len(_xs(lone)) >= 2 and _labels(lone)
    week = str(progress_svg([(at, 1, 1)], 10, opened=at - timedelta(days=7), until=at + timedelta(hours=1)))
    assert all(re.fullmatch(r"\d\d-\d\d", label) for label in _labels(week)) and len(_labels(week)) >= 3
