"""The input shapes: DataFrames and records, non-finite values, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from benchmon_pipeline.regressions import observations
from benchmon_pipeline.regressions.observations import by_series, results_of


def test_frames_and_records_give_the_same_observations():
    rows = [
        {
            "configuration": ("m", "d", "p", "ci"),
            "metric": "f1",
            "created_at": datetime(2026, 1, 1),
            "value": 0.9,
            "direction": None,
        }
    ]
    from_frame = observations(pd.DataFrame(rows))
    from_records = observations(rows)
    from_tuples = observations([(("m", "d", "p", "ci"), "f1", datetime(2026, 1, 1), 0.9)])
    assert from_frame == from_records == from_tuples
    assert from_frame[0].created_at.tzinfo is UTC  # naive times are UTC
    assert from_frame[0].direction is None


def test_non_finite_values_are_not_metrics():
    rows = [("c", "f1", 0, v) for v in (0.5, float("nan"), float("inf"), None)]
    assert [o.value for o in observations(rows)] == [0.5]


def test_times_in_any_zone_compare_correctly():
    plus_two = timezone(timedelta(hours=2))
    rows = [
        ("c", "f1", datetime(2026, 1, 1, 1, tzinfo=plus_two), 1.0),  # 23:00 UTC
        ("c", "f1", "2026-01-01T00:30:00", 2.0),
        ("c", "f1", pd.Timestamp("2025-12-31T22:00:00Z"), 0.0),
    ]
    (series,) = by_series(observations(rows)).values()
    assert [o.value for o in series] == [0.0, 1.0, 2.0]


def test_sample_groups_become_one_result_each():
    rows = [
        ("c", "t", i, v, None, g)
        for i, (v, g) in enumerate(
            [(1.0, "a"), (1.1, "a"), (2.0, None), (3.0, "b"), (3.1, "b"), (3.2, "b")]
        )
    ]
    (series,) = by_series(observations(rows)).values()
    assert results_of(series) == [[1.0, 1.1], 2.0, [3.0, 3.1, 3.2]]


def test_a_frame_without_the_needed_columns_is_refused():
    with pytest.raises(ValueError, match="value"):
        observations(pd.DataFrame({"configuration": ["c"], "metric": ["f1"], "created_at": [0]}))
