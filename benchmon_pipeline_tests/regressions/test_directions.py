"""docs/foundations.md §7's direction order and name rule, and when the log scale applies."""

from __future__ import annotations

import pytest

from benchmon_pipeline.regressions import (
    direction_from_name,
    resolve_direction,
    uses_log_scale,
)

LOWER_NAMES = [
    "latency_ms",
    "p99LatencyMs",
    "duration_seconds",
    "time",
    "runtime_s",
    "wallTime",
    "TimeToFirstToken",
    "cost",
    "costs_usd",
    "cost_per_hour",
    "time_per_token",
    "error_rate",
    "errors",
    "failures",
    "failed_tests",
    "numWarnings",
    "crashes",
    "flaky_tests",
    "retries",
    "timeouts",
    "lint_violations",
    "val_loss",
    "losses",
    "perplexity",
    "peak_memory_mb",
    "mae",
    "rmse",
    "RMSE",
    "word_error_rate",
    "ppl",
    "bits_per_byte",
    "ter",
    "wer",
    "cer",
    "brier_score",
    "ece",
    "nll",
    "mse",
    "mape",
]
HIGHER_NAMES = [
    "f1",
    "accuracy",
    "precision",
    "recall",
    "throughput",
    "tokens_per_second",
    "requestsPerSecond",
    "ops/s",
    "bleu",
    "gemma_score",
    "exact_match",
    "timestamp_ok",
    "errorless_score",
    "tests_passed",
    "pass_rate",
]


@pytest.mark.parametrize("name", LOWER_NAMES)
def test_lower_is_better_names(name):
    assert direction_from_name(name) == "lower"


@pytest.mark.parametrize("name", HIGHER_NAMES)
def test_higher_is_better_names(name):
    assert direction_from_name(name) == "higher"


def test_resolution_order_override_then_stated_then_defined_then_name():
    assert resolve_direction("latency_ms") == "lower"
    assert resolve_direction("latency_ms", defined="higher") == "higher"
    assert resolve_direction("latency_ms", stated="lower", defined="higher") == "lower"
    assert resolve_direction("latency_ms", override="higher", stated="lower") == "higher"


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError):
        resolve_direction("f1", stated="up")


def test_log_scale_only_for_positive_lower_is_better_latency_like_metrics():
    assert uses_log_scale("latency_ms", "lower", [1.0, 2.0])
    assert uses_log_scale("peak_memory_mb", "lower", [1.0])
    assert not uses_log_scale("latency_ms", "lower", [1.0, 0.0])  # log(0) is meaningless
    assert not uses_log_scale("latency_ms", "higher", [1.0])
    assert not uses_log_scale("error_rate", "lower", [0.1])  # lower-is-better, not skewed
    assert not uses_log_scale("f1", "higher", [0.5])
