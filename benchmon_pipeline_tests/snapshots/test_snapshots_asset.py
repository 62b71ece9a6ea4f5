"""The benchmark_snapshots asset folds what nobody folded and tells what changed."""

import json
from datetime import UTC, datetime

import dagster as dg
import psycopg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline_tests.helpers import rows


def _raw_insert(conn, model, f1, run):
    # A client that appends without folding (e.g. plain SQL): the asset must catch up.
    conn.execute(
        """INSERT INTO benchmark_transactions (created_at, model_version, dataset_version,
               prompt_version, environment, metrics, run_id, branch_name)
           VALUES (%s, %s, 'd', 'p', 'ci', %s, %s, 'main')""",
        (datetime(2026, 5, 1, tzinfo=UTC), model, json.dumps({"f1": f1}), run),
    )


def _materialize(instance, db_url):
    from benchmon_pipeline.defs.snapshots import benchmark_snapshots

    return dg.materialize(
        [benchmark_snapshots],
        instance=instance,
        resources={"postgres": PostgresResource(database_url=db_url)},
    )


def test_the_asset_folds_new_rows_and_reports_the_changes(db_url, dagster_instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        _raw_insert(conn, "model-a", 0.8, "r1")
        _raw_insert(conn, "model-b", 0.6, "r2")
    first = _materialize(dagster_instance, db_url)
    meta = first.asset_materializations_for_node("benchmark_snapshots")[0].metadata
    assert meta["versions_created"].value == 2
    assert meta["configurations_touched"].value == 2
    assert meta["folded_by_this_run"].value == 2
    assert "| new_version | model-a |" in meta["changes"].value

    with psycopg.connect(db_url, autocommit=True) as conn:
        _raw_insert(conn, "model-a", 0.9, "r3")
    second = _materialize(dagster_instance, db_url)
    meta = second.asset_materializations_for_node("benchmark_snapshots")[0].metadata
    assert (meta["versions_created"].value, meta["configurations_touched"].value) == (1, 1)
    with psycopg.connect(db_url) as conn:
        current = rows(
            conn,
            "SELECT model_version, snapshot_version FROM benchmark_snapshots"
            " WHERE is_current ORDER BY 1",
        )
    assert current == [
        {"model_version": "model-a", "snapshot_version": 2},
        {"model_version": "model-b", "snapshot_version": 1},
    ]

    third = _materialize(dagster_instance, db_url)
    meta = third.asset_materializations_for_node("benchmark_snapshots")[0].metadata
    assert meta["versions_created"].value == 0, "nothing new: nothing folded twice"


def test_changes_are_counted_from_the_last_materialization_about_the_same_database(
    fresh_database, dagster_instance
):
    """An instance that also serves another database (the session's daemon does, so can a
    user's) reports each database's changes since its own last materialization."""
    here, elsewhere = fresh_database(), fresh_database()
    with psycopg.connect(here, autocommit=True) as conn:
        _raw_insert(conn, "model-a", 0.8, "r1")
        _raw_insert(conn, "model-b", 0.6, "r2")
    assert _materialize(dagster_instance, here).success
    with psycopg.connect(elsewhere, autocommit=True) as conn:
        _raw_insert(conn, "model-c", 0.7, "r9")
    assert _materialize(dagster_instance, elsewhere).success  # the latest is about elsewhere

    with psycopg.connect(here, autocommit=True) as conn:
        _raw_insert(conn, "model-a", 0.9, "r3")
    result = _materialize(dagster_instance, here)
    meta = result.asset_materializations_for_node("benchmark_snapshots")[0].metadata
    assert (meta["versions_created"].value, meta["configurations_touched"].value) == (1, 1), (
        "only what changed here since here was last materialized"
    )


def test_snapshots_are_materialized_eagerly_after_the_log():
    spec = defs.resolve_assets_def("benchmark_snapshots")
    condition = spec.automation_conditions_by_key[dg.AssetKey("benchmark_snapshots")]
    assert condition is not None
    sensor = defs.resolve_sensor_def("benchmon_automation")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
