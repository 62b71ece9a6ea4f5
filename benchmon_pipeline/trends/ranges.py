"""Days → ranges: contiguous days are one partition range (the late-data sensor's days,
however scattered, are one run over the range they span: defs/trends.py `refresh_request`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
TREND_ASSET = "daily_performance_trends"


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    ordered = sorted(set(days))
    ranges: list[tuple[date, date]] = []
    for day in ordered:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
