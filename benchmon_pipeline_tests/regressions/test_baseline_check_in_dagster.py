"""The baseline check executed through Dagster, its results read back from the instance."""

import dagster as dg
import psycopg

from benchmon_pipeline.regressions.checks import baseline_regressions
from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.snapshots.assets import benchmark_snapshots
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline, upsert

CHECK = dg.AssetCheckKey(dg.AssetKey("benchmark_snapshots"), "baseline_regressions")


def _run_check(instance, db_url):
    result = dg.materialize([benchmark_snapshots, baseline_regressions], instance=instance,
                            resources={"postgres": PostgresResource(database_url=db_url)})
    assert result.success
    (record,) = instance.event_log_storage.get_asset_check_execution_history(CHECK, limit=1)
    evaluation = record.event.dagster_event.event_specific_data
    assert record.run_id == result.run_id
    return evaluation


def test_baseline_check_warns_then_errors_and_knows_directions(db_url, dagster_instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.90, "latency_ms": 400, "cost": 0.010})
        set_baseline(conn, CONFIG, 1)
        # an improvement everywhere is not a regression
        upsert(conn, CONFIG, {"f1": 0.93, "latency_ms": 380, "cost": 0.009})
    passed = _run_check(dagster_instance, db_url)
    assert passed.passed and passed.metadata["regressions"].value == 0

    with psycopg.connect(db_url, autocommit=True) as conn:
        # F1 0.90 → 0.85 at threshold 0.05 is a regression; latency and cost rising too
        upsert(conn, CONFIG, {"f1": 0.85, "latency_ms": 480, "cost": 0.02})
    first = _run_check(dagster_instance, db_url)
    assert not first.passed
    assert first.severity == dg.AssetCheckSeverity.WARN, "one breach: WARN"
    assert first.metadata["regressions"].value == 3
    details = first.metadata["details"].value
    assert "| WARN | medgemma-v1.2 |" in details and "f1 (higher is better) | 0.85 | 0.9 |" in details
    assert "latency_ms (lower is better)" in details and "cost (lower is better)" in details

    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.84, "latency_ms": 401, "cost": 0.010})
    second = _run_check(dagster_instance, db_url)
    assert second.severity == dg.AssetCheckSeverity.ERROR, "f1 persisted: ERROR"
    assert (second.metadata["regressions"].value, second.metadata["confirmed"].value) == (1, 1)
