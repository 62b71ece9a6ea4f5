"""Daily trend partitions against a pandas recomputation, idempotence, late data,
single-run backfills and the schedule — on a real PostgreSQL and Dagster instance."""

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pandas as pd
import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.trends import refresh_recent_trends, trend_late_data_sensor
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.trends.ranges import RANGE_END_TAG, RANGE_START_TAG
from benchmon_pipeline.warehouse import append_results
from benchmon_pipeline_tests.helpers import rows

CONFIGS = [("m/a", "d1", "p1", "ci"), ("m/a", "d1", "p2", "ci"), ("m/b", "d2", "p1", "prod")]
BRANCHES = [None, "main", "pr-7"]
METRICS = ["f1", "latency_ms", "loss"]
GROUP = [
    "day",
    "model_version",
    "dataset_version",
    "prompt_version",
    "environment",
    "branch_name",
    "metric",
]
_window = itertools.count()
_run = itertools.count()


def _store(url, results):
    with psycopg.connect(url) as conn:
        append_results(conn, results, ["test"] * len(results))
        conn.commit()


def _trends(url, first, last):
    with psycopg.connect(url) as conn:
        return rows(
            conn,
            """SELECT day, model_version, dataset_version, prompt_version,
            environment, branch_name, metric, direction, sample_count, mean, min, max, stddev,
            p50, p95, refreshed_at FROM daily_performance_trends
            WHERE day BETWEEN %s AND %s ORDER BY 1, 2, 3, 4, 5, 6, 7""",
            first,
            last,
        )


def _refresh(url, first, last):
    with psycopg.connect(url) as conn:
        conn.execute("SELECT refresh_daily_trends(%s, %s)", (first, last))
        conn.commit()


samples = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 2),
        st.sampled_from(BRANCHES),
        st.integers(0, 23),
        st.dictionaries(
            st.sampled_from(METRICS), st.floats(-1e4, 1e4, allow_nan=False), min_size=1
        ),
    ),
    min_size=0,
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(samples)
def test_partitions_equal_a_pandas_recomputation(db_url, data):
    # Each example lives in its own 6-day window, so examples share one database.
    start = date(2025, 1, 1) + timedelta(days=10 * next(_window))
    results = []
    for offset, config, branch, hour, metrics in data:
        model, dataset, prompt, env = CONFIGS[config]
        results.append(
            Result(
                model_version=model,
                dataset_version=dataset,
                prompt_version=prompt,
                environment=env,
                branch_name=branch,
                metrics=metrics,
                run_id=f"r{next(_run)}",
                created_at=datetime.combine(
                    start + timedelta(days=offset), datetime.min.time(), UTC
                )
                + timedelta(hours=hour),
            )
        )
    if results:
        _store(db_url, results)
    last = start + timedelta(days=5)
    _refresh(db_url, start, last)
    got = _trends(db_url, start, last)

    records = [
        {
            "day": r.created_at.date(),
            "model_version": r.model_version,
            "dataset_version": r.dataset_version,
            "prompt_version": r.prompt_version,
            "environment": r.environment,
            "branch_name": r.branch_name or "",
            "metric": name,
            "value": value,
        }
        for r in results
        for name, value in r.metrics.items()
    ]
    if not records:
        assert got == []
        return
    frame = pd.DataFrame(records)
    expected = (
        frame.groupby(GROUP)["value"]
        .agg(
            sample_count="count",
            mean="mean",
            min="min",
            max="max",
            stddev="std",
            p50=lambda v: v.quantile(0.5),
            p95=lambda v: v.quantile(0.95),
        )
        .reset_index()
    )
    assert len(got) == len(expected)
    for row, want in zip(got, expected.sort_values(GROUP).to_dict("records"), strict=True):
        assert [row[k] for k in GROUP] == [want[k] for k in GROUP]
        assert row["sample_count"] == want["sample_count"]
        for stat in ("mean", "min", "max", "p50", "p95"):
            assert math.isclose(row[stat], want[stat], rel_tol=1e-9, abs_tol=1e-9), stat
        if want["sample_count"] == 1:
            assert row["stddev"] is None
        else:
            assert math.isclose(row["stddev"], want["stddev"], rel_tol=1e-7, abs_tol=1e-7)
        assert row["direction"] == (
            "lower" if row["metric"] in ("latency_ms", "loss") else "higher"
        )


def _result(day: date, f1: float, **extra) -> Result:
    return Result(
        model_version="m",
        dataset_version="d",
        prompt_version="p",
        environment="ci",
        metrics={"f1": f1},
        run_id=f"r{next(_run)}",
        created_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12),
        **extra,
    )


def test_rerunning_a_partition_gives_identical_rows(db_url):
    day = date(2026, 3, 1)
    _store(db_url, [_result(day, 0.5), _result(day, 0.7)])
    _refresh(db_url, day, day)
    first = [{k: v for k, v in r.items() if k != "refreshed_at"} for r in _trends(db_url, day, day)]
    _refresh(db_url, day, day)
    again = [{k: v for k, v in r.items() if k != "refreshed_at"} for r in _trends(db_url, day, day)]
    assert first == again and first[0]["sample_count"] == 2


def _materialize(instance, db_url, request: dg.RunRequest):
    job = defs.resolve_job_def("refresh_trends")
    return job.execute_in_process(
        instance=instance,
        run_config=request.run_config,
        partition_key=request.partition_key,
        tags=request.tags,
        resources={"postgres": PostgresResource(database_url=db_url)},
    )


def test_late_results_refresh_only_their_days(db_url, dagster_instance):
    days = [date(2026, 2, d) for d in (1, 2, 3, 10)]
    _store(db_url, [_result(d, 0.8) for d in days])
    context = dg.build_sensor_context(
        instance=dagster_instance,
        definitions=defs,
        resources={"postgres": PostgresResource(database_url=db_url)},
    )
    first = trend_late_data_sensor(context)
    # 1–3 and 10 February: one run over 1–10 February that rebuilds those four days only.
    (request,) = first.run_requests
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
        "2026-02-01",
        "2026-02-10",
    )
    assert request.run_config["ops"]["daily_performance_trends"]["config"]["days"] == [
        d.isoformat() for d in days
    ]
    result = _materialize(dagster_instance, db_url, request)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("daily_performance_trends")[:1]
    assert materialization.metadata["days_refreshed"].value == 4
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM trend_dirty_days").fetchone()[0] == 0
    before = {r["day"]: r["refreshed_at"] for r in _trends(db_url, days[0], days[-1])}
    assert set(before) == set(days)

    _store(db_url, [_result(date(2026, 2, 2), 0.2)])  # a late result for 2 February
    late = trend_late_data_sensor(
        dg.build_sensor_context(
            instance=dagster_instance,
            definitions=defs,
            cursor=first.cursor,
            resources={"postgres": PostgresResource(database_url=db_url)},
        )
    )
    (request,) = late.run_requests
    assert request.partition_key == "2026-02-02"
    assert _materialize(dagster_instance, db_url, request).success
    after = {r["day"]: r for r in _trends(db_url, days[0], days[-1])}
    assert after[date(2026, 2, 2)]["sample_count"] == 2
    changed = {d for d in days if after[d]["refreshed_at"] != before[d]}
    assert changed == {date(2026, 2, 2)}
    nothing = trend_late_data_sensor(
        dg.build_sensor_context(
            instance=dagster_instance,
            definitions=defs,
            cursor=late.cursor,
            resources={"postgres": PostgresResource(database_url=db_url)},
        )
    )
    assert nothing.run_requests == []


def test_a_range_backfill_is_one_run_materializing_every_day(db_url, dagster_instance):
    _store(db_url, [_result(date(2026, 1, d), d / 100) for d in range(1, 11)])
    result = defs.resolve_job_def("refresh_trends").execute_in_process(
        instance=dagster_instance,
        tags={RANGE_START_TAG: "2026-01-01", RANGE_END_TAG: "2026-01-10"},
        resources={"postgres": PostgresResource(database_url=db_url)},
    )
    assert result.success
    materialized = {
        m.partition for m in result.asset_materializations_for_node("daily_performance_trends")
    }
    assert materialized == {f"2026-01-{d:02d}" for d in range(1, 11)}
    assert len(_trends(db_url, date(2026, 1, 1), date(2026, 1, 10))) == 10


def test_the_schedule_refreshes_yesterday_and_today():
    when = datetime(2026, 11, 23, 5, 5, tzinfo=UTC)
    request = refresh_recent_trends(dg.build_schedule_context(scheduled_execution_time=when))
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
        "2026-11-22",
        "2026-11-23",
    )
    schedule = defs.resolve_schedule_def("refresh_recent_trends")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_v_performance_trends_reads_the_trend_table(db_url):
    day = date(2026, 4, 1)
    _store(
        db_url,
        [
            _result(day, 0.5, branch_name="main"),
            _result(day, 0.7, branch_name="main"),
            _result(day, 0.9, branch_name="pr-1"),
        ],
    )
    with psycopg.connect(db_url) as conn:
        assert rows(conn, "SELECT * FROM v_performance_trends WHERE day = %s", day) == []
    _refresh(db_url, day, day)
    with psycopg.connect(db_url) as conn:
        got = rows(
            conn,
            "SELECT branch_name, run_count, round(avg_f1, 6)::float8 AS f1"
            " FROM v_performance_trends WHERE day = %s ORDER BY 1",
            day,
        )
        raw = rows(
            conn,
            "SELECT branch_name, run_count, round(avg_f1, 6)::float8 AS f1"
            " FROM performance_trends('m') WHERE day = %s ORDER BY 1",
            day,
        )
    assert (
        got
        == raw
        == [
            {"branch_name": "main", "run_count": 2, "f1": 0.6},
            {"branch_name": "pr-1", "run_count": 1, "f1": 0.9},
        ]
    )
