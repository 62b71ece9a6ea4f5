"""The rules run over a real database: what evaluate() finds, for the tracked branch and for
a pull request's branch judged against the tracked baseline and history."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from benchmon_pipeline.regressions.evaluation import RegressionSettings, evaluate
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    STALE,
    TRADEOFF,
)
from benchmon_pipeline.regressions.reading import Scope
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline

START = datetime(2026, 1, 1, tzinfo=UTC)
OTHER = ("llama-3-8b", "benchmark-set-v3", "analysis-v4", "production")


def push(conn, config, metrics, *, at, branch=None, commit=None):
    conn.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s,"
        " commit_sha => %s, branch_name => %s)",
        (*config, json.dumps(metrics), at, commit, branch),
    )


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def test_the_design_cases_against_the_baseline(conn):
    push(conn, CONFIG, {"f1": 0.90, "latency_ms": 400, "cost": 0.010}, at=START)
    set_baseline(conn, CONFIG, 1)
    push(conn, CONFIG, {"f1": 0.91, "latency_ms": 380, "cost": 0.009}, at=START + timedelta(days=1))
    assert evaluate(conn, [BASELINE]).findings == [], "an improvement is not a regression"

    push(
        conn,
        CONFIG,
        {"f1": 0.85, "latency_ms": 480, "cost": 0.02},
        at=START + timedelta(days=2),
        commit="abc123",
        branch="main",
    )
    found = {f.metric: f for f in evaluate(conn, [BASELINE]).findings}
    assert set(found) == {"f1", "latency_ms", "cost"}, "F1 down, latency and cost up"
    f1 = found["f1"]
    assert (f1.current, f1.reference, f1.delta) == (
        Decimal("0.85"),
        Decimal("0.90"),
        Decimal("-0.05"),
    ), "a drop equal to the threshold"
    assert f1.percent == Decimal("-5.56") and f1.severity == "WARN" and f1.direction == "higher"
    assert (f1.commit_sha, f1.branch_name) == ("abc123", "main")
    assert found["latency_ms"].direction == "lower" and found["latency_ms"].delta == 80

    push(conn, CONFIG, {"f1": 0.84, "latency_ms": 400, "cost": 0.010}, at=START + timedelta(days=3))
    (f1,) = evaluate(conn, [BASELINE]).findings
    assert (f1.metric, f1.severity, f1.run_length) == ("f1", "ERROR", 2), "persisted: ERROR"


def test_tradeoffs_are_said_in_one_sentence(conn):
    push(conn, CONFIG, {"f1": 0.90, "cost": 0.010}, at=START)
    set_baseline(conn, CONFIG, 1)
    push(conn, CONFIG, {"f1": 0.909, "cost": 0.014}, at=START + timedelta(days=1))
    evaluation = evaluate(conn, [BASELINE, TRADEOFF])
    (tradeoff,) = evaluation.of(TRADEOFF)
    assert tradeoff.metric == "cost"
    assert "f1 +1.0 %" in tradeoff.reason and "cost +40.0 %" in tradeoff.reason
    assert [f.metric for f in evaluation.of(BASELINE)] == ["cost"]
    assert evaluation.judged == {BASELINE: 2, TRADEOFF: 2}
    # a rule not asked for judged nothing, though both read the same comparisons
    assert evaluate(conn, [BASELINE]).judged == {BASELINE: 2}
    assert evaluate(conn, [TRADEOFF]).judged == {TRADEOFF: 2}


def _steady_history(conn, config, n, *, start=START, every=timedelta(hours=1), branch=None):
    for i in range(n):
        push(
            conn,
            config,
            {"f1": 0.90 + 0.002 * ((i * 7) % 5 - 2), "latency_ms": 400 + (i % 3)},
            at=start + i * every,
            branch=branch,
            commit=f"c{i}",
        )


def test_history_warns_on_a_step_then_errors_when_it_persists(conn):
    _steady_history(conn, CONFIG, 30)
    _steady_history(conn, OTHER, 30)
    assert evaluate(conn, [HISTORY]).findings == []
    assert evaluate(conn, [HISTORY]).judged[HISTORY] == 4

    settings = RegressionSettings(history_confirm_results=3)
    push(conn, CONFIG, {"f1": 0.80, "latency_ms": 401}, at=START + timedelta(hours=30))
    (first,) = evaluate(conn, [HISTORY], settings=settings).findings
    assert (first.metric, first.severity, first.configuration) == ("f1", "WARN", CONFIG)
    for i in (31, 32):
        push(
            conn, CONFIG, {"f1": 0.80 - i / 1000, "latency_ms": 400}, at=START + timedelta(hours=i)
        )
    (confirmed,) = evaluate(conn, [HISTORY], settings=settings).findings
    assert confirmed.severity == "ERROR" and confirmed.run_length == 3
    assert evaluate(conn, [HISTORY], scope=Scope(model_version=OTHER[0])).findings == []


def test_a_pull_request_is_judged_against_the_tracked_baseline_and_history(conn):
    _steady_history(conn, CONFIG, 20, branch="main")
    # A baseline restarts the history rule's reference (sql/0023): on the first version it
    # leaves the whole tracked history to judge the pull request against.
    set_baseline(conn, CONFIG, 1)
    push(
        conn, CONFIG, {"f1": 0.70}, at=START + timedelta(hours=21), branch="feature-x", commit="pr1"
    )
    # the tracked snapshots did not move
    assert evaluate(conn, [BASELINE, HISTORY]).findings == []

    found = evaluate(
        conn, [BASELINE, HISTORY, MISSING_METRIC], scope=Scope(branch="feature-x")
    ).findings
    assert {(f.rule, f.metric) for f in found} == {
        (BASELINE, "f1"),
        (HISTORY, "f1"),
        (MISSING_METRIC, "latency_ms"),
    }
    assert all(f.branch_name == "feature-x" and f.commit_sha == "pr1" for f in found)
    baseline = next(f for f in found if f.rule == BASELINE)
    assert baseline.reference == Decimal(str(round(0.90 + 0.002 * ((0 * 7) % 5 - 2), 3)))
    assert evaluate(conn, [BASELINE], scope=Scope(branch="nobody")).findings == []


def test_a_baseline_restarts_the_history_rule_at_its_version(conn):
    """Marking a version the baseline says its level is intended: the history rule's
    reference starts at that version's result, so results before it no longer count."""
    _steady_history(conn, CONFIG, 20, branch="main")
    set_baseline(conn, CONFIG, 16)
    push(conn, CONFIG, {"f1": 0.70}, at=START + timedelta(hours=21), branch="feature-x")
    evaluation = evaluate(conn, [HISTORY], scope=Scope(branch="feature-x"))
    assert evaluation.findings == []
    assert evaluation.not_judged == [
        f"{' / '.join(CONFIG)} f1: 5 earlier result(s); 10 needed before the history rule"
        " judges (the reference restarted at the baseline)"
    ]
    set_baseline(conn, CONFIG, 1)
    assert [
        f.rule for f in evaluate(conn, [HISTORY], scope=Scope(branch="feature-x")).findings
    ] == [HISTORY]


def test_stale_configurations_and_vanished_metrics(conn):
    _steady_history(conn, CONFIG, 12)
    _steady_history(conn, OTHER, 12)
    for i in range(12, 18):  # OTHER keeps reporting, without latency_ms
        push(conn, OTHER, {"f1": 0.9}, at=START + timedelta(hours=i))
    now = START + timedelta(hours=19)  # CONFIG silent for 8 of its hourly intervals
    evaluation = evaluate(conn, [STALE, MISSING_METRIC], now=now)
    (stale,) = evaluation.of(STALE)
    assert stale.configuration == CONFIG and stale.severity == "ERROR"
    assert "silent for" in stale.reason
    (missing,) = evaluation.of(MISSING_METRIC)
    assert (missing.configuration, missing.metric, missing.severity) == (
        OTHER,
        "latency_ms",
        "ERROR",
    )


def test_a_finding_without_a_commit_beside_one_with_a_commit_has_none(conn):
    # the pairs come back as a DataFrame whose text columns hold NaN for a missing value
    # when another row has text: a NaN commit reached the findings table and the check
    # failed with "'float' object is not subscriptable"
    from benchmon_pipeline.regressions.markdown import findings_table

    for config, commit in ((CONFIG, "abc123"), (OTHER, None)):
        push(conn, config, {"f1": 0.90}, at=START)
        set_baseline(conn, config, 1)
        push(conn, config, {"f1": 0.80}, at=START + timedelta(days=1), commit=commit)
    found = {f.model_version: f for f in evaluate(conn, [BASELINE]).findings}
    assert found[CONFIG[0]].commit_sha == "abc123"
    assert found[OTHER[0]].commit_sha is None and found[OTHER[0]].branch_name is None
    table = findings_table(list(found.values()), repo_url="https://example.org/r")
    assert "abc123" in table
