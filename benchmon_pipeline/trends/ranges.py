"""Days → runs: contiguous days are one partition range, and the late-data sensor's days,
however scattered, are one run over the range they span (see `refresh_request`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import dagster as dg

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


def refresh_request(
    days: Iterable[date], run_key: str | None = None, tags: dict[str, str] | None = None
) -> dg.RunRequest | None:
    """One run that rebuilds exactly `days`, however scattered: None for no day.

    Dagster would make a run per contiguous range (a single-run backfill of scattered
    partitions, too, is split at every gap), and an imported history of a year makes dozens
    that fill the run queue ahead of ingestion. So the run covers the range from the first
    to the last day, and when the days have gaps its config names them: the asset rebuilds
    only those, and a day in a gap is left as it is — it was not marked, so its trend rows
    already match the log, and the range's materialization tells the truth about it.
    """
    ordered = sorted(set(days))
    if not ordered:
        return None
    request = range_request(ordered[0], ordered[-1], run_key=run_key, tags=tags)
    if len(contiguous_ranges(ordered)) == 1:
        return request  # every day of the range: no list needed
    config = {"days": [day.isoformat() for day in ordered]}
    return request.with_replaced_attrs(run_config={"ops": {TREND_ASSET: {"config": config}}})
