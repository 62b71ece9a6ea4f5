"""One metric better, another worse beyond its threshold: said in one sentence."""

from __future__ import annotations

from benchmon_pipeline.regressions import Threshold, check_baseline, find_tradeoffs

THRESHOLDS = {
    "f1": Threshold(absolute=0.05),
    "cost_usd": Threshold(relative=0.10),
    "latency_ms": Threshold(relative=0.20),
}


def test_f1_up_one_percent_cost_up_forty_percent():
    verdicts = check_baseline(
        "cfg",
        {"f1": 0.909, "cost_usd": 0.14, "latency_ms": 400.0},
        {"f1": 0.90, "cost_usd": 0.10, "latency_ms": 400.0},
        THRESHOLDS,
    )
    (tradeoff,) = find_tradeoffs(verdicts)
    assert tradeoff.configuration == "cfg"
    assert [c.metric for c in tradeoff.improved] == ["f1"]
    assert [c.metric for c in tradeoff.worsened] == ["cost_usd"]
    assert tradeoff.description == (
        "f1 +1.0 % (0.9 → 0.909) while cost_usd +40.0 % (0.1 → 0.14) is worse beyond its threshold"
    )


def test_worse_within_its_threshold_is_no_tradeoff():
    verdicts = check_baseline(
        "cfg", {"f1": 0.95, "cost_usd": 0.105}, {"f1": 0.90, "cost_usd": 0.10}, THRESHOLDS
    )
    assert find_tradeoffs(verdicts) == []


def test_a_regression_without_any_improvement_is_no_tradeoff():
    verdicts = check_baseline(
        "cfg", {"f1": 0.80, "cost_usd": 0.14}, {"f1": 0.90, "cost_usd": 0.10}, THRESHOLDS
    )
    assert find_tradeoffs(verdicts) == []


def test_a_minimum_improvement_and_lower_is_better_improvements():
    verdicts = check_baseline(
        "cfg",
        {"f1": 0.901, "latency_ms": 300.0, "cost_usd": 0.2},
        {"f1": 0.90, "latency_ms": 400.0, "cost_usd": 0.1},
        THRESHOLDS,
    )
    (tradeoff,) = find_tradeoffs(verdicts, min_improvement_percent=1.0)
    assert [c.metric for c in tradeoff.improved] == ["latency_ms"]  # f1 +0.1 % is too little
    assert "latency_ms -25.0 %" in tradeoff.description


def test_tradeoffs_are_per_configuration():
    a = check_baseline("a", {"f1": 0.95}, {"f1": 0.90}, THRESHOLDS)
    b = check_baseline("b", {"cost_usd": 0.2}, {"cost_usd": 0.1}, THRESHOLDS)
    assert find_tradeoffs(a + b) == []
