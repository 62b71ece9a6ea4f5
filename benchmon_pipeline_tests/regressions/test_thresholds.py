"""The baseline rule on docs/foundations.md's cases: direction, exact comparison, confirmation."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from benchmon_pipeline.regressions import (
    BOTH,
    ERROR,
    WARN,
    Threshold,
    check_baseline,
    compare_to_baseline,
)
from benchmon_pipeline.regressions.thresholds import breaches


def test_design_case_f1_090_to_085_at_005_is_a_regression():
    verdict = compare_to_baseline(0.85, 0.90, metric="f1", threshold=Threshold(absolute=0.05))
    assert not verdict.passed
    assert verdict.severity == WARN  # the first version that breaches; ERROR needs K
    assert verdict.delta == -0.05  # computed on the decimals, not -0.050000000000000044
    assert verdict.percent == pytest.approx(-5.5556, abs=1e-4)


@pytest.mark.parametrize(
    ("baseline", "current"), [(0.90, 0.85), (0.85, 0.80), (0.3, 0.25), (0.7, 0.65), (1.0, 0.95)]
)
def test_a_drop_exactly_equal_to_the_threshold_counts_despite_float_rounding(baseline, current):
    # 0.85 - 0.80 is 0.04999999999999993 in binary floating point
    assert breaches(current, baseline, "higher", Threshold(absolute=0.05))


def test_a_drop_smaller_than_the_threshold_is_not_a_regression():
    verdict = compare_to_baseline(0.86, 0.90, metric="f1", threshold=Threshold(absolute=0.05))
    assert verdict.passed and verdict.severity is None
    assert "less than the threshold" in verdict.reason


def test_an_improvement_is_not_a_regression_however_large():
    verdict = compare_to_baseline(0.99, 0.90, metric="f1", threshold=Threshold(absolute=0.0))
    assert verdict.passed
    assert "better than" in verdict.reason


@pytest.mark.parametrize("metric", ["latency_ms", "cost", "cost_usd", "p99LatencyMs"])
def test_a_rise_in_a_lower_is_better_metric_is_a_regression(metric):
    verdict = compare_to_baseline(460.0, 400.0, metric=metric, threshold=Threshold(relative=0.10))
    assert verdict.direction == "lower"
    assert not verdict.passed
    assert verdict.percent == pytest.approx(15.0)


def test_a_fall_in_a_lower_is_better_metric_is_an_improvement():
    verdict = compare_to_baseline(
        300.0, 400.0, metric="latency_ms", threshold=Threshold(relative=0.10)
    )
    assert verdict.passed


def test_a_relative_threshold_reached_exactly_counts():
    assert breaches(1.1, 1.0, "lower", Threshold(relative=0.1))
    assert not breaches(1.09, 1.0, "lower", Threshold(relative=0.1))


def test_a_relative_threshold_cannot_judge_a_baseline_of_zero():
    # as detect_metric_regressions() in SQL: 10 % of nothing is not a yardstick
    assert not breaches(0.01, 0.0, "lower", Threshold(relative=0.1))
    assert breaches(0.01, 0.0, "lower", Threshold(absolute=0.01, relative=0.1))
    verdict = compare_to_baseline(0.01, 0.0, metric="error_rate", threshold=Threshold(relative=0.1))
    assert verdict.passed and verdict.percent is None


def test_the_stated_direction_beats_the_name_rule():
    # "time_to_solve" reads lower-is-better; the adapter said higher (e.g. a score)
    verdict = compare_to_baseline(
        8.0, 10.0, metric="time_to_solve", direction="higher", threshold=Threshold(absolute=1.0)
    )
    assert verdict.direction == "higher" and not verdict.passed


def test_either_or_both_thresholds():
    either = Threshold(absolute=5.0, relative=0.5)
    both = Threshold(absolute=5.0, relative=0.5, require=BOTH)
    # +6 ms on 400 ms: beyond the absolute part only
    assert breaches(406.0, 400.0, "lower", either)
    assert not breaches(406.0, 400.0, "lower", both)
    assert breaches(600.0, 400.0, "lower", both)


def test_error_only_after_k_consecutive_breaching_versions():
    threshold = Threshold(absolute=0.05)
    first = compare_to_baseline(0.84, 0.90, metric="f1", threshold=threshold, previous=[0.90])
    second = compare_to_baseline(
        0.84, 0.90, metric="f1", threshold=threshold, previous=[0.90, 0.83]
    )
    interrupted = compare_to_baseline(
        0.84, 0.90, metric="f1", threshold=threshold, previous=[0.83, 0.89]
    )
    assert (first.severity, first.run_length) == (WARN, 1)
    assert (second.severity, second.run_length) == (ERROR, 2)
    assert interrupted.severity == WARN
    three = compare_to_baseline(
        0.84, 0.90, metric="f1", threshold=threshold, previous=[0.83, 0.83], confirm_results=3
    )
    assert three.severity == ERROR
    assert (
        compare_to_baseline(
            0.84, 0.90, metric="f1", threshold=threshold, previous=[0.83], confirm_results=3
        ).severity
        == WARN
    )


def test_design_versioning_timeline_compare_v2_v3():
    v2 = {"f1": 0.91, "precision": 0.92, "recall": 0.90, "latency_ms": 412}
    v3 = {"f1": 0.85, "precision": 0.87, "recall": 0.83, "latency_ms": 425}
    thresholds = {name: Threshold(absolute=0.05) for name in ("f1", "precision", "recall")}
    thresholds["latency_ms"] = Threshold(relative=0.05)
    verdicts = {v.metric: v for v in check_baseline("medgemma", v3, v2, thresholds)}
    assert {m: v.delta for m, v in verdicts.items()} == {
        "f1": -0.06,
        "latency_ms": 13.0,
        "precision": -0.05,
        "recall": -0.07,
    }
    assert [round(verdicts[m].percent, 2) for m in ("f1", "precision", "recall", "latency_ms")] == [
        -6.59,
        -5.43,
        -7.78,
        3.16,
    ]
    assert {m for m, v in verdicts.items() if not v.passed} == {"f1", "precision", "recall"}


def test_metrics_without_a_threshold_or_baseline_value_are_not_judged():
    verdicts = check_baseline(
        "c",
        {"f1": 0.5, "new_metric": 1.0, "bleu": 20.0},
        {"f1": 0.9, "bleu": 30.0},
        {"f1": Threshold(absolute=0.1)},
    )
    assert [v.metric for v in verdicts] == ["f1"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"absolute": -0.1}, {"relative": float("nan")}, {"absolute": 1.0, "require": "any"}],
)
def test_invalid_thresholds_are_refused(kwargs):
    with pytest.raises(ValueError):
        Threshold(**kwargs)


def test_numpy_and_decimal_inputs_compare_exactly_and_nan_is_refused():
    assert breaches(np.float64(0.80), np.float64(0.85), "higher", Threshold(absolute=0.05))
    assert breaches(Decimal("0.80"), "0.85", "higher", Threshold(absolute=0.05))
    assert breaches(np.int64(105), 100, "lower", Threshold(relative=0.05))
    with pytest.raises(ValueError, match="finite"):
        breaches(float("nan"), 0.85, "higher", Threshold(absolute=0.05))
