"""Days → the fewest runs: contiguous days become one partition range (one run each)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import dagster as dg

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    ordered = sorted(set(days))
    ranges: list[tuple[date, date]] = []
    for day in ordered:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def range_request(
    first: date, last: date, run_key: str | None = None, tags: dict[str, str] | None = None
) -> dg.RunRequest:
    """One run that rebuilds every day of [first, last] (the asset's single-run policy)."""
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first.isoformat(), tags=tags or {})
    return dg.RunRequest(
        run_key=run_key,
        tags={**(tags or {}), RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
    )
