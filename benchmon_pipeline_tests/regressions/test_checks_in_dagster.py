"""The regression checks executed through Dagster, their results read back from the instance
(severity, passed, metadata), the alerts they open and the webhook they call."""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg
import pytest

from benchmon_pipeline.defs.regressions import regression_checks
from benchmon_pipeline.defs.resources import (
    PostgresResource,
    RegressionRulesResource,
    WebhookResource,
)
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline, upsert
from benchmon_pipeline_tests.webhook_receiver import webhook_receiver

SNAPSHOTS = dg.AssetKey("benchmark_snapshots")
BASELINE = dg.AssetCheckKey(SNAPSHOTS, "baseline_regressions")
HISTORY = dg.AssetCheckKey(SNAPSHOTS, "history_regressions")
STALE = dg.AssetCheckKey(SNAPSHOTS, "missing_or_stale_data")


def _run_checks(instance, db_url, webhook_url=""):
    result = dg.materialize(
        [benchmark_snapshots, *regression_checks],
        instance=instance,
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "regression_rules": RegressionRulesResource(),
            "webhook": WebhookResource(url=webhook_url, backoff_seconds=0.01),
        },
    )
    assert result.success
    found = {}
    for key in (BASELINE, HISTORY, STALE):
        # This run's evaluation, not simply the latest: the session's daemon (`running_dev`)
        # shares the instance and may evaluate the same checks on its own database meanwhile.
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=50)
        (record,) = [r for r in history if r.run_id == result.run_id]
        assert record.status.value in ("SUCCEEDED", "FAILED"), f"{key.name} evaluated"
        found[key] = record.event.dagster_event.event_specific_data
    return found


def _open_alerts(db_url):
    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "SELECT rule, metric, severity, status, times_seen"
            "  FROM regression_alerts ORDER BY rule, metric"
        ).fetchall()


def test_baseline_check_warns_then_errors_and_knows_directions(db_url, dagster_instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.90, "latency_ms": 400, "cost": 0.010})
        set_baseline(conn, CONFIG, 1)
        # an improvement everywhere is not a regression
        upsert(conn, CONFIG, {"f1": 0.93, "latency_ms": 380, "cost": 0.009})
    passed = _run_checks(dagster_instance, db_url)[BASELINE]
    assert passed.passed and passed.metadata["findings"].value == 0
    assert passed.metadata["judged"].value == 3

    with psycopg.connect(db_url, autocommit=True) as conn:
        # F1 0.90 → 0.85 at threshold 0.05 is a regression; latency and cost rising too
        upsert(conn, CONFIG, {"f1": 0.85, "latency_ms": 480, "cost": 0.02})
    first = _run_checks(dagster_instance, db_url)[BASELINE]
    assert not first.passed
    assert first.severity == dg.AssetCheckSeverity.WARN, "one breach: WARN"
    assert first.metadata["findings"].value == 3
    table = {row.data["metric"]: row.data for row in first.metadata["offending"].value.records}
    assert set(table) == {"f1", "latency_ms", "cost"}
    assert (table["f1"]["current"], table["f1"]["reference"]) == (0.85, 0.9)
    assert table["f1"]["delta"] == pytest.approx(-0.05) and table["f1"]["percent"] == -5.56
    assert table["latency_ms"]["direction"] == "lower" and table["latency_ms"]["delta"] == 80
    assert table["f1"]["model_version"] == CONFIG[0] and table["f1"]["severity"] == "WARN"
    details = first.metadata["details"].value
    assert "f1 (higher is better)" in details and "latency_ms (lower is better)" in details

    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.84, "latency_ms": 401, "cost": 0.010})
    second = _run_checks(dagster_instance, db_url)[BASELINE]
    assert second.severity == dg.AssetCheckSeverity.ERROR, "f1 persisted: ERROR"
    assert (second.metadata["findings"].value, second.metadata["errors"].value) == (1, 1)
    assert _open_alerts(db_url) == [
        ("baseline", "cost", "WARN", "resolved", 1),
        ("baseline", "f1", "ERROR", "open", 2),
        ("baseline", "latency_ms", "WARN", "resolved", 1),
    ]


def test_a_persisting_regression_reaches_the_webhook_exactly_once(db_url, dagster_instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.90})
        set_baseline(conn, CONFIG, 1)
    with webhook_receiver() as receiver:
        _run_checks(dagster_instance, db_url, receiver.url)
        assert receiver.received == [], "nothing wrong, nothing sent"
        for i in range(4):  # the same regression, run after run
            with psycopg.connect(db_url, autocommit=True) as conn:
                upsert(conn, CONFIG, {"f1": 0.80 - i / 100})
            checks = _run_checks(dagster_instance, db_url, receiver.url)
            assert not checks[BASELINE].passed
        assert len(receiver.received) == 1, "one regression, one message"
        (message,) = receiver.received
        assert "f1" in json.dumps(message) and CONFIG[0] in json.dumps(message)
        assert message["text"] and message["blocks"], "Slack-compatible payload"
    assert _open_alerts(db_url) == [("baseline", "f1", "ERROR", "open", 4)]


def test_history_and_staleness_checks_judge_the_log(db_url, dagster_instance):
    start = datetime.now(UTC) - timedelta(hours=40)
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i in range(30):  # hourly, steady, then it stopped 10 hours ago
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s)",
                (*CONFIG, json.dumps({"f1": 0.90 + (i % 3) / 1000}), start + timedelta(hours=i)),
            )
        for i in range(3):  # … except three results far below the rest
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s)",
                (*CONFIG, json.dumps({"f1": 0.70}), start + timedelta(hours=30, minutes=i)),
            )
    checks = _run_checks(dagster_instance, db_url)
    history, stale = checks[HISTORY], checks[STALE]
    assert not history.passed and history.severity == dg.AssetCheckSeverity.ERROR
    (row,) = history.metadata["offending"].value.records
    assert (row.data["metric"], row.data["current"], row.data["consecutive"]) == ("f1", 0.7, 3)
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.ERROR
    assert "silent for" in stale.metadata["details"].value
    baseline = checks[BASELINE]  # no baseline marked: nothing to judge against, no pass
    assert not baseline.passed and baseline.severity == dg.AssetCheckSeverity.WARN
    assert baseline.metadata["details"].value.startswith("Nothing judged: no configuration")
    assert history.metadata["configurations_judged_fresh"].value == 1
    assert history.metadata["why_judged"].value == "first run of the rule: 1"

    # Nothing new: the history check judges nothing and still fails on the open regression;
    # the staleness check still looks at every configuration.
    again = _run_checks(dagster_instance, db_url)
    history, stale = again[HISTORY], again[STALE]
    assert not history.passed and history.severity == dg.AssetCheckSeverity.ERROR
    assert history.metadata["configurations_judged_fresh"].value == 0
    assert history.metadata["configurations_carried_forward"].value == 1
    assert history.metadata["findings_carried_forward"].value == 1
    assert history.metadata["why_judged"].value == "nothing new since the last run"
    assert "carried forward" in history.metadata["details"].value
    assert not stale.passed and stale.metadata["judged"].value == 1


def test_a_blocking_error_stops_the_report_downstream(
    db_url, dagster_instance, tmp_path, monkeypatch
):
    from benchmon_pipeline.defs.regressions import build_regression_checks
    from benchmon_pipeline.defs.reports import regression_report

    monkeypatch.setenv("BENCHMON_HOME", str(tmp_path))
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.90})
        set_baseline(conn, CONFIG, 1)
        upsert(conn, CONFIG, {"f1": 0.80})
    resources = {
        "postgres": PostgresResource(database_url=db_url),
        "regression_rules": RegressionRulesResource(),
        "webhook": WebhookResource(),
    }
    assets = [benchmark_snapshots, regression_report]

    def report_materialized(checks):
        result = dg.materialize(
            [*assets, *checks], instance=dagster_instance, resources=resources, raise_on_error=False
        )
        return bool(result.asset_materializations_for_node("regression_report"))

    assert report_materialized(build_regression_checks(blocking=False)), "WARN: not blocked"
    assert "open regression alerts" in (tmp_path / "reports" / "regressions.md").read_text()
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.79})  # persisted: ERROR
    assert report_materialized(build_regression_checks(blocking=False)), "not blocking"
    assert not report_materialized(build_regression_checks(blocking=True)), (
        "a blocking ERROR stops the report"
    )


def _hourly(db_url, values, start):
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i, f1 in enumerate(values):
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s)",
                (*CONFIG, json.dumps({"f1": f1}), start + timedelta(hours=i)),
            )


def test_a_check_that_judged_nothing_does_not_pass(db_url, dagster_instance):
    """One result, no baseline: no rule can judge anything, and no check says it passed.
    Each fails with WARN and says what it needs; once there is enough, they pass; and the
    history check, which judges only what is new, keeps passing on a run with nothing new."""
    start = datetime.now(UTC) - timedelta(hours=12)
    _hourly(db_url, [0.90], start)
    for _ in range(2):  # and again with nothing new: still nothing judged
        checks = _run_checks(dagster_instance, db_url)
        for key, needs in (
            (BASELINE, "`benchmon baseline set"),
            (HISTORY, "no series has 10 earlier results yet"),
            (STALE, "no configuration has 5 results yet"),
        ):
            check = checks[key]
            assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN, key.name
            assert check.metadata["findings"].value == 0 and check.metadata["judged"].value == 0
            details = check.metadata["details"].value
            assert details.startswith("Nothing judged: ") and needs in details, details
        assert checks[HISTORY].metadata["configurations_judged_by_now"].value == 0

    _hourly(db_url, [0.90 + (i % 3) / 1000 for i in range(11)], start + timedelta(hours=1))
    with psycopg.connect(db_url, autocommit=True) as conn:
        set_baseline(conn, CONFIG, 1)
    for _ in range(2):  # the second run judges nothing fresh, yet the history was judged
        checks = _run_checks(dagster_instance, db_url)
        assert all(check.passed for check in checks.values()), {
            key.name: check.metadata["details"].value for key, check in checks.items()
        }
        assert checks[HISTORY].metadata["configurations_judged_by_now"].value == 1
    assert checks[HISTORY].metadata["configurations_judged_fresh"].value == 0
