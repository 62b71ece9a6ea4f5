"""Stale configurations and disappeared metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from benchmon_pipeline.regressions import (
    ERROR,
    WARN,
    StalenessSettings,
    disappeared_metrics,
    stale_configurations,
)

START = datetime(2026, 3, 1, tzinfo=UTC)


def daily(configuration="c", days=20, metrics=("f1", "latency_ms"), start=START):
    return [
        (configuration, metric, start + timedelta(days=i), 1.0)
        for i in range(days)
        for metric in metrics
    ]


def test_a_series_judged_by_its_own_rhythm():
    rows = daily("nightly") + [
        ("hourly", "f1", START + timedelta(hours=i), 1.0) for i in range(24 * 19)
    ]
    last = START + timedelta(days=19)
    found = {s.configuration: s for s in stale_configurations(rows, now=last + timedelta(days=1))}
    assert found["nightly"].passed and found["nightly"].typical_interval == timedelta(days=1)
    # the hourly one stopped a day ago: 24+ of its intervals
    assert found["hourly"].severity == ERROR and found["hourly"].missed > 20


@pytest.mark.parametrize(
    ("silent_days", "severity"),
    [(1, None), (2.9, None), (3, WARN), (5.9, WARN), (6, ERROR), (30, ERROR)],
)
def test_warn_then_error_as_the_silence_grows(silent_days, severity):
    last = START + timedelta(days=19)
    (found,) = stale_configurations(daily(), now=last + timedelta(days=silent_days))
    assert found.severity == severity
    assert found.passed == (severity is None)
    assert found.silent_for == timedelta(days=silent_days)


def test_too_few_results_have_no_rhythm_to_break():
    assert stale_configurations(daily(days=4), now=START + timedelta(days=100)) == []


def test_a_naive_now_is_utc():
    (found,) = stale_configurations(daily(), now=datetime(2026, 3, 21))
    assert found.silent_for == timedelta(days=1)


def test_a_metric_that_disappeared_warns_then_errors():
    rows = daily(days=20) + daily(days=2, metrics=("f1",), start=START + timedelta(days=20))
    (missing,) = disappeared_metrics(rows)
    assert (missing.metric, missing.absent_from, missing.severity) == ("latency_ms", 2, ERROR)
    assert missing.last_seen == START + timedelta(days=19)
    one = disappeared_metrics(
        daily(days=20) + daily(days=1, metrics=("f1",), start=START + timedelta(days=20))
    )
    assert [(m.metric, m.severity) for m in one] == [("latency_ms", WARN)]


def test_occasional_and_retired_metrics_are_not_missing():
    sometimes = [("c", "bonus", START + timedelta(days=i), 1.0) for i in range(0, 20, 3)]
    rows = (
        daily(days=20)
        + sometimes
        + daily(days=1, metrics=("f1", "latency_ms"), start=START + timedelta(days=20))
    )
    assert disappeared_metrics(rows) == []  # "bonus" was in 7 of 21 results
    settings = StalenessSettings(retired_after=5)
    retired = daily(days=20) + daily(days=5, metrics=("f1",), start=START + timedelta(days=20))
    assert disappeared_metrics(retired, settings) == []
    assert disappeared_metrics(retired) != []


def test_a_complete_latest_result_reports_nothing():
    assert disappeared_metrics(daily()) == []
