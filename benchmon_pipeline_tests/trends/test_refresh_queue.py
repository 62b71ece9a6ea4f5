"""Trend refreshes never starve ingestion: a tick of the late-data sensor is one run however
scattered its days, that run rebuilds only those days, and the run queue puts ingest runs
first and lets trend refreshes hold one slot (the instance's dagster.yaml, as Dagster loads
it)."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import psycopg
import yaml

from benchmon_pipeline.db import packaged
from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.trends import plan_refresh, trend_late_data_sensor
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.trends.ranges import RANGE_END_TAG, RANGE_START_TAG
from benchmon_pipeline.warehouse import append_results

# An imported year of history: 34 runs, each on its own day, 10 days apart.
HISTORY_DAYS = [date(2025, 1, 6) + timedelta(days=10 * n) for n in range(34)]


def test_the_plan_for_scattered_days_is_one_request():
    marked = [(day, 100 + n) for n, day in enumerate(HISTORY_DAYS)] + [(date(2023, 5, 1), 7)]
    plan = plan_refresh(marked, after=6, first_day=date(2024, 1, 1))
    assert (plan.cursor, plan.days, plan.too_early) == ("133", 34, 1)
    assert plan.request.run_key == "late-2025-01-06-2025-12-02-133"
    assert plan.request.tags == {
        "benchmon/reason": "new results",
        RANGE_START_TAG: "2025-01-06",
        RANGE_END_TAG: "2025-12-02",
    }
    config = plan.request.run_config["ops"]["daily_performance_trends"]["config"]
    assert config == {"days": [day.isoformat() for day in HISTORY_DAYS]}
    # contiguous days: the range alone; one day: its partition; nothing new: no run
    week = [(date(2026, 2, d), d) for d in range(1, 8)]
    assert plan_refresh(week, 0, date(2024, 1, 1)).request.run_config == {}
    one = plan_refresh([(date(2026, 2, 3), 9)], 0, date(2024, 1, 1)).request
    assert (one.partition_key, one.run_config) == ("2026-02-03", {})
    assert (
        plan_refresh([], 5, date(2024, 1, 1)).request,
        plan_refresh([], 5, date(2024, 1, 1)).cursor,
    ) == (None, "5")
    only_early = plan_refresh([(date(2023, 1, 1), 8)], 5, date(2024, 1, 1))
    assert (only_early.request, only_early.cursor, only_early.too_early) == (None, "8", 1)


def _result(day: date, n: int) -> Result:
    return Result(
        model_version="imported",
        dataset_version="d",
        prompt_version="p",
        environment="ci",
        metrics={"ns_per_op": 100.0 + n},
        run_id=f"h{n}",
        created_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9),
    )


def _trend_days(db_url) -> dict[date, datetime]:
    with psycopg.connect(db_url) as conn:
        return dict(conn.execute("SELECT day, refreshed_at FROM daily_performance_trends"))


def test_an_imported_history_is_one_refresh_run_of_exactly_its_days(db_url, dagster_instance):
    resources = {"postgres": PostgresResource(database_url=db_url)}
    with psycopg.connect(db_url) as conn:
        append_results(conn, [_result(day, n) for n, day in enumerate(HISTORY_DAYS)], ["t"] * 34)
        conn.commit()

    tick = trend_late_data_sensor(
        dg.build_sensor_context(instance=dagster_instance, definitions=defs, resources=resources)
    )

    assert len(tick.run_requests) == 1, [r.tags for r in tick.run_requests]
    (request,) = tick.run_requests
    first, last = HISTORY_DAYS[0].isoformat(), HISTORY_DAYS[-1].isoformat()
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (first, last)
    result = defs.resolve_job_def("refresh_trends").execute_in_process(
        instance=dagster_instance,
        run_config=request.run_config,
        tags=request.tags,
        resources=resources,
    )
    assert result.success
    assert result.dagster_run.tags["benchmon/kind"] == "trends"  # the job's tag reaches runs
    refreshed = _trend_days(db_url)
    assert set(refreshed) == set(HISTORY_DAYS)
    materialized = {
        m.partition for m in result.asset_materializations_for_node("daily_performance_trends")
    }
    assert len(materialized) == (HISTORY_DAYS[-1] - HISTORY_DAYS[0]).days + 1

    # A day in a gap of the next tick's days is not rebuilt; the marked ones are.
    with psycopg.connect(db_url) as conn:
        append_results(
            conn, [_result(HISTORY_DAYS[0], 90), _result(HISTORY_DAYS[-1], 91)], ["t"] * 2
        )
        conn.commit()
    again = trend_late_data_sensor(
        dg.build_sensor_context(
            instance=dagster_instance, definitions=defs, resources=resources, cursor=tick.cursor
        )
    )
    (request,) = again.run_requests
    assert (
        defs.resolve_job_def("refresh_trends")
        .execute_in_process(
            instance=dagster_instance,
            run_config=request.run_config,
            tags=request.tags,
            resources=resources,
        )
        .success
    )
    after = _trend_days(db_url)
    changed = {day for day in HISTORY_DAYS if after[day] != refreshed[day]}
    assert changed == {HISTORY_DAYS[0], HISTORY_DAYS[-1]}


def test_a_refresh_naming_a_day_outside_its_partitions_fails_clearly(db_url, dagster_instance):
    result = defs.resolve_job_def("refresh_trends").execute_in_process(
        instance=dagster_instance,
        run_config={"ops": {"daily_performance_trends": {"config": {"days": ["2025-03-09"]}}}},
        partition_key="2025-03-01",
        resources={"postgres": PostgresResource(database_url=db_url)},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "2025-03-09 are not among this run's partitions 2025-03-01" in (
        failure.step_failure_data.error.message
    )


def test_the_run_queue_puts_ingestion_first_and_gives_trends_one_slot():
    config = yaml.safe_load(packaged.instance_template().read_text())
    with dg.instance_for_test(overrides={"run_coordinator": config["run_coordinator"]}) as inst:
        queue = inst.run_coordinator.get_run_queue_config()
    limits = {
        (limit["key"], limit.get("value")): limit["limit"] for limit in queue.tag_concurrency_limits
    }
    trends = defs.resolve_job_def("refresh_trends").tags
    ingest = defs.resolve_job_def("ingest_inbox").tags
    (kind,) = [(k, v) for k, v in trends.items() if (k, v) in limits]
    assert limits[kind] == 1 < queue.max_concurrent_runs
    assert kind not in ingest.items()
    assert int(ingest["dagster/priority"]) > int(trends.get("dagster/priority", 0))
