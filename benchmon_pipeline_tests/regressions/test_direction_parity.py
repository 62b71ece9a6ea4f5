"""The Python name rule and the database's metric_direction_by_name() never disagree.

The baseline functions in SQL and the checks in Python both apply one name rule
(docs/regressions.md#which-way-is-worse); two implementations that drift apart would call
the same metric better in one place and worse in the other.
"""

from __future__ import annotations

from benchmon_pipeline.regressions import direction_from_name, uses_log_scale
from benchmon_pipeline_tests.regressions.test_directions import HIGHER_NAMES, LOWER_NAMES

TRICKY = [
    "latencies_p50",
    "Latency",
    "LATENCY_MS",
    "x__time",
    "uptime",
    "timeout_rate",
    "lossless",
    "memoryless",
    "cost2",
    "p50-latency",
    "ttft.time",
    "mae_x",
    "gemma",
    "MAEScore",
    "avgCPUTime",
    "errorRate",
    "throughputPerCost",
    "",
    "_",
    "time_",
    "failover_time",
    "retry",
    "crashless_score",
    "warningCount",
    "unflaky",
]


def test_python_and_sql_name_rules_agree(db):
    for name in LOWER_NAMES + HIGHER_NAMES + TRICKY:
        (in_sql,) = db.execute("SELECT metric_direction_by_name(%s)", (name,)).fetchone()
        assert direction_from_name(name) == in_sql, name


def test_log_scale_names_are_a_subset_of_lower_is_better_names():
    for name in LOWER_NAMES + HIGHER_NAMES + TRICKY:
        if uses_log_scale(name, "lower", [1.0]):
            assert direction_from_name(name) == "lower", name
