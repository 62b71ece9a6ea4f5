"""A long window is refreshed in chunks of days on parallel workers (sql/0011): its rows
equal a pandas recomputation and the rows of refreshing each day on its own; days whose
results hold no metric are still counted; a stated direction wins; Dagster's batched
event recording (trends/event_log_settings.py) still records every day."""

import itertools
import math
import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import psycopg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.trends import event_log_settings
from benchmon_pipeline.trends.ranges import RANGE_END_TAG, RANGE_START_TAG
from benchmon_pipeline.warehouse import append_results
from benchmon_pipeline_tests.helpers import rows

CONFIGS = [("m/a", "d1", "p1", "ci"), ("m/a", "d2", "p1", "ci"), ("m/b", "d1", "p2", "prod")]
GROUP = [
    "day",
    "model_version",
    "dataset_version",
    "prompt_version",
    "environment",
    "branch_name",
    "metric",
]
STATS = ["sample_count", "mean", "min", "max", "stddev", "p50", "p95"]
FIRST, LAST = date(2025, 3, 1), date(2025, 4, 25)  # 56 days: three chunks of ≥ 14 days
_run = itertools.count()


def _results(seed: int, count: int) -> list[Result]:
    rng = random.Random(seed)
    results = []
    for _ in range(count):
        model, dataset, prompt, env = rng.choice(CONFIGS)
        names = rng.sample(["f1", "latency_ms", "loss", "accuracy"], rng.randint(1, 4))
        day = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))
        results.append(
            Result(
                model_version=model,
                dataset_version=dataset,
                prompt_version=prompt,
                environment=env,
                branch_name=rng.choice([None, "main", "pr-3"]),
                metrics={n: rng.uniform(-50, 50) for n in names},
                run_id=f"c{next(_run)}",
                duration_seconds=rng.choice([None, rng.randint(1, 90)]),
                created_at=datetime.combine(day, datetime.min.time(), UTC)
                + timedelta(seconds=rng.randrange(86_400)),
            )
        )
    return results


def _store(url, results):
    with psycopg.connect(url) as conn:
        append_results(conn, results, ["test"] * len(results))
        conn.commit()


def _refresh(url, first, last):
    with psycopg.connect(url) as conn:
        # two workers and the leader: three chunks, whatever the server's default
        conn.execute("SET max_parallel_workers_per_gather = 2")
        conn.execute("SELECT refresh_daily_trends(%s, %s)", (first, last))
        conn.commit()


def _trends(url):
    with psycopg.connect(url) as conn:
        return rows(
            conn,
            f"""SELECT {", ".join(GROUP)}, direction, {", ".join(STATS)}
            FROM daily_performance_trends ORDER BY {", ".join(GROUP)}""",
        )


def _counts(url):
    with psycopg.connect(url) as conn:
        return rows(
            conn,
            """SELECT day, model_version, dataset_version, prompt_version,
            environment, branch_name, result_count, mean_duration_seconds
            FROM daily_configuration_counts ORDER BY 1, 2, 3, 4, 5, 6""",
        )


def _close(a, b) -> bool:
    return (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_a_chunked_window_equals_a_pandas_recomputation(db_url):
    results = _results(seed=11, count=700)
    _store(db_url, results)
    _refresh(db_url, FIRST, LAST)

    frame = pd.DataFrame(
        [
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
    )
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
    got = _trends(db_url)
    assert len(got) == len(expected)
    for row, want in zip(got, expected.sort_values(GROUP).to_dict("records"), strict=True):
        assert [row[k] for k in GROUP] == [want[k] for k in GROUP]
        assert row["sample_count"] == want["sample_count"]
        for stat in ("mean", "min", "max", "p50", "p95"):
            assert _close(row[stat], want[stat]), stat
        if want["sample_count"] == 1:
            assert row["stddev"] is None
        else:
            assert math.isclose(row["stddev"], want["stddev"], rel_tol=1e-7, abs_tol=1e-7)

    per_config_day = pd.DataFrame(
        [
            {
                "day": r.created_at.date(),
                "model_version": r.model_version,
                "dataset_version": r.dataset_version,
                "prompt_version": r.prompt_version,
                "environment": r.environment,
                "branch_name": r.branch_name or "",
                "duration": r.duration_seconds,
            }
            for r in results
        ]
    )
    keys = GROUP[:-1]
    want_counts = (
        per_config_day.groupby(keys)
        .agg(result_count=("duration", "size"), mean_duration=("duration", "mean"))
        .reset_index()
    )
    got_counts = _counts(db_url)
    assert [[c[k] for k in keys] + [c["result_count"]] for c in got_counts] == [
        [w[k] for k in keys] + [w["result_count"]]
        for w in want_counts.sort_values(keys).to_dict("records")
    ]
    for count, want in zip(
        got_counts, want_counts.sort_values(keys).to_dict("records"), strict=True
    ):
        if pd.isna(want["mean_duration"]):
            assert count["mean_duration_seconds"] is None
        else:
            assert math.isclose(count["mean_duration_seconds"], want["mean_duration"])


def test_a_chunked_window_equals_refreshing_each_day_alone(db_url):
    _store(db_url, _results(seed=5, count=400))
    _refresh(db_url, FIRST, LAST)
    whole = _trends(db_url)
    whole_counts = _counts(db_url)
    day = FIRST
    while day <= LAST:
        _refresh(db_url, day, day)
        day += timedelta(days=1)
    alone = _trends(db_url)
    assert _counts(db_url) == whole_counts
    assert len(alone) == len(whole)
    for a, w in zip(alone, whole, strict=True):
        # a day's values may be summed in another order: the last binary digit may differ
        assert {k: a[k] for k in a if k not in ("mean", "stddev")} == {
            k: w[k] for k in w if k not in ("mean", "stddev")
        }
        assert _close(a["mean"], w["mean"]) and _close(a["stddev"], w["stddev"])


def test_results_without_metrics_are_counted_but_have_no_trend_rows(db_url):
    day = date(2025, 5, 2)
    with psycopg.connect(db_url) as conn:
        conn.execute(
            """INSERT INTO benchmark_transactions (created_at, model_version, dataset_version,
                   prompt_version, environment, metrics)
               VALUES (%s, 'm/empty', 'd', 'p', 'ci', '{}')""",
            (datetime.combine(day, datetime.min.time(), UTC),),
        )
        conn.commit()
    _refresh(db_url, day - timedelta(days=20), day + timedelta(days=20))
    assert _trends(db_url) == []
    assert [(c["day"], c["model_version"], c["result_count"]) for c in _counts(db_url)] == [
        (day, "m/empty", 1)
    ]


def test_a_direction_stated_by_a_result_wins_over_the_name_rule(db_url):
    day = date(2025, 6, 3)
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    _store(
        db_url,
        [
            Result(
                model_version="m",
                dataset_version="d",
                prompt_version="p",
                environment="ci",
                metrics={"f1": 0.4, "latency_ms": 3.0},
                directions={"f1": "lower"},
                run_id="stated",
                created_at=at,
            ),
            Result(
                model_version="m",
                dataset_version="d2",
                prompt_version="p",
                environment="ci",
                metrics={"f1": 0.5},
                run_id="unstated",
                created_at=at,
            ),
        ],
    )
    _refresh(db_url, day, day + timedelta(days=30))
    assert [(t["dataset_version"], t["metric"], t["direction"]) for t in _trends(db_url)] == [
        ("d", "f1", "lower"),
        ("d", "latency_ms", "lower"),
        ("d2", "f1", "higher"),
    ]


def test_event_log_settings_keep_values_set_explicitly():
    environ = {"DAGSTER_EVENT_BATCH_SIZE": "50"}
    assert event_log_settings.apply(environ) == {
        "DAGSTER_EVENT_BATCH_SIZE": "50",
        "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
    }


def test_a_range_run_with_batched_event_recording_materializes_every_day(
    db_url, dagster_instance, monkeypatch
):
    for name, value in event_log_settings.RANGE_RUN_EVENT_SETTINGS.items():
        monkeypatch.setenv(name, value)
    days = [date(2025, 7, 1) + timedelta(days=d) for d in range(20)]
    _store(
        db_url,
        [
            Result(
                model_version="m",
                dataset_version="d",
                prompt_version="p",
                environment="ci",
                metrics={"f1": 0.5},
                run_id=f"b{d}",
                created_at=datetime.combine(d, datetime.min.time(), UTC),
            )
            for d in days
        ],
    )
    result = defs.resolve_job_def("refresh_trends").execute_in_process(
        instance=dagster_instance,
        tags={RANGE_START_TAG: days[0].isoformat(), RANGE_END_TAG: days[-1].isoformat()},
        resources={"postgres": PostgresResource(database_url=db_url)},
    )
    assert result.success
    assert {
        m.partition for m in result.asset_materializations_for_node("daily_performance_trends")
    } == {d.isoformat() for d in days}
    recorded = dagster_instance.fetch_materializations(
        defs.resolve_assets_def("daily_performance_trends").key, limit=100
    )
    assert {r.partition_key for r in recorded.records if r.run_id == result.run_id} == {
        d.isoformat() for d in days
    }
