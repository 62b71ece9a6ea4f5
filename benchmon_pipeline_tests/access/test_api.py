"""BenchmarkDataAccess on a real PostgreSQL: columns and dtypes, filters, buckets, the
design's example calls (docs/foundations.md §6), a login granted only benchmon_reader, the cache
and its bypass, and every example of docs/api.md."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.thresholds import Threshold
from benchmon_pipeline_tests.db.logins import login_url
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline, upsert

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
OTHER = ("llama-3/8b", "benchmark-set-v3", "analysis-v4", "production")
LOCAL = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v5", "local")
TIME = "datetime64[us, UTC]"


def seed(db) -> None:
    """The design's timeline (v1 0.89 → v2 0.91 baseline → v3 0.85), a second model on the
    same dataset, an A/B prompt in `local`, and the trend tables refreshed."""
    upsert(db, CONFIG, {"f1_score": 0.89, "precision": 0.90, "recall": 0.88, "latency_ms": 420})
    upsert(db, CONFIG, {"f1_score": 0.91, "precision": 0.92, "recall": 0.90, "latency_ms": 412})
    set_baseline(db, CONFIG, 2)
    upsert(db, CONFIG, {"f1_score": 0.85, "precision": 0.87, "recall": 0.83, "latency_ms": 425})
    upsert(db, OTHER, {"f1_score": 0.88, "precision": 0.86, "recall": 0.90, "latency_ms": 300})
    upsert(db, LOCAL, {"f1_score": 0.93, "latency_ms": 390}, tags=["prompt-ab"])
    db.execute("SELECT refresh_daily_trends(current_date - 1, current_date + 1)")


@pytest.fixture
def seeded(db, db_url) -> str:
    seed(db)
    return db_url


@pytest.fixture
def api(seeded):
    with BenchmarkDataAccess.connect(seeded) as access:
        yield access


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def test_latest_snapshots_one_row_per_configuration(api):
    latest = api.get_latest_snapshots()
    assert len(latest) == 3
    assert dtypes(latest) | {} == {
        "model_version": "str",
        "dataset_version": "str",
        "prompt_version": "str",
        "environment": "str",
        "snapshot_version": "int64",
        "is_baseline": "bool",
        "baseline_version": "float64",
        "run_count": "int64",
        "created_at": TIME,
        "first_seen_at": TIME,
        "last_updated_at": TIME,
        "transaction_id": "str",
        "f1_score": "float64",
        "precision": "float64",
        "recall": "float64",
        "latency_ms": "float64",
        "baseline_f1": "float64",
        "metrics": "object",
    }
    production = api.get_latest_snapshots(environment="production")
    assert set(production.model_version) == {"medgemma-v1.2", "llama-3/8b"}
    medgemma = api.get_latest_snapshots(environment="production", model_version=CONFIG[0])
    (row,) = medgemma.itertuples()
    assert (row.snapshot_version, row.f1_score, row.baseline_version, row.baseline_f1) == (
        3,
        0.85,
        2.0,
        0.91,
    )
    assert row.metrics["latency_ms"] == 425
    assert api.get_latest_snapshots(environment="nowhere").empty
    assert dtypes(api.get_latest_snapshots(environment="nowhere")) == dtypes(latest)


def test_transactions_filters_and_limit(api, db):
    everything = api.get_transactions()
    assert len(everything) == 5
    assert list(everything.seq) == sorted(everything.seq, reverse=True)  # newest first
    assert dtypes(everything)["created_at"] == TIME
    assert dtypes(everything)["duration_seconds"] == "float64"
    assert len(api.get_transactions(model_version=CONFIG[0])) == 4
    assert len(api.get_transactions(model_version=CONFIG[0], environment="local")) == 1
    upsert(db, OTHER, {"f1_score": 0.7}, branch="feature-x")  # kept in the log only
    assert list(api.get_transactions(branch="feature-x", fresh=True).metrics) == [{"f1_score": 0.7}]
    assert list(api.get_transactions(fresh=True).tags)[-1] == []
    assert len(api.get_transactions(limit=2)) == 2
    old = datetime(2026, 1, 10, 12, tzinfo=UTC)
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, '{\"f1_score\": 0.5}'::jsonb,"
        " created_at => %s, commit_sha => 'abc123')",
        (*OTHER, old),
    )
    since = api.get_transactions(since="2026-01-10", until=datetime(2026, 1, 11), fresh=True)
    assert list(since.created_at) == [pd.Timestamp(old)]
    assert list(api.get_transactions(commit="abc123").metrics) == [{"f1_score": 0.5}]
    assert api.get_transactions(until="2026-01-10").empty


def test_compare_versions_the_design_example(api):
    compared = api.compare_versions(CONFIG, 2, 3)
    assert dtypes(compared) == {
        "metric": "str",
        "a": "float64",
        "b": "float64",
        "delta": "float64",
        "percent": "float64",
        "direction": "str",
        "change": "str",
    }
    rows = {r.metric: r for r in compared.itertuples()}
    expected = {
        "f1_score": (0.91, 0.85, -0.06, -6.59, "higher", "worse"),
        "precision": (0.92, 0.87, -0.05, -5.43, "higher", "worse"),
        "recall": (0.90, 0.83, -0.07, -7.78, "higher", "worse"),
        "latency_ms": (412, 425, 13, 3.16, "lower", "worse"),
    }
    for metric, (a, b, delta, percent, direction, change) in expected.items():
        row = rows[metric]
        assert (row.a, row.b, row.delta, row.percent) == pytest.approx((a, b, delta, percent))
        assert (row.direction, row.change) == (direction, change)
    backwards = api.compare_versions(
        {
            "model_version": CONFIG[0],
            "dataset_version": CONFIG[1],
            "prompt_version": CONFIG[2],
            "environment": CONFIG[3],
        },
        3,
        2,
    )
    assert set(backwards.change) == {"better"}
    with pytest.raises(LookupError, match="no snapshot version 9"):
        api.compare_versions(CONFIG, 2, 9)
    with pytest.raises(ValueError, match="four strings"):
        api.compare_versions(CONFIG[:3], 1, 2)


def test_snapshot_history_newest_first(api):
    history = api.get_snapshot_history(CONFIG, n=2)
    assert list(history.snapshot_version) == [3, 2]
    assert list(history.is_current) == [True, False]
    assert list(history.is_baseline) == [False, True]
    assert list(history.f1_score) == [0.85, 0.91]
    assert dtypes(history)["created_at"] == TIME
    assert len(api.get_snapshot_history(CONFIG)) == 3


def test_compare_models_ranks_by_direction(api):
    compared = api.compare_models(
        ["medgemma-v1.2", "llama-3/8b"], metrics=["f1_score", "latency_ms"]
    )
    assert dtypes(compared) == {
        "model_version": "str",
        "dataset_version": "str",
        "prompt_version": "str",
        "environment": "str",
        "snapshot_version": "int64",
        "metric": "str",
        "value": "float64",
        "direction": "str",
        "rank": "int64",
    }
    production = compared[compared.environment == "production"]
    best = production[production["rank"] == 1].set_index("metric").model_version
    assert best.to_dict() == {"f1_score": "llama-3/8b", "latency_ms": "llama-3/8b"}
    table = production.pivot_table(index="metric", columns="model_version", values="value")
    assert table.loc["f1_score", "medgemma-v1.2"] == 0.85
    assert set(api.compare_models(["medgemma-v1.2"], environment="local").metric) == {
        "f1_score",
        "latency_ms",
    }


def test_compare_models_directions_as_metric_direction_says(api, db):
    """Stated directions and per-configuration overrides win over the metric's own."""
    upsert(db, LOCAL, {"f1_score": 0.9, "latency_ms": 380})
    db.execute(
        "INSERT INTO metric_overrides (model_version, dataset_version, prompt_version,"
        " environment, metric, direction) VALUES (%s, %s, %s, %s, 'latency_ms', 'higher')",
        OTHER,
    )
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, metric_directions => %s::jsonb)",
        (*CONFIG, json.dumps({"f1_score": 0.8, "latency_ms": 430}), '{"f1_score": "lower"}'),
    )
    compared = api.compare_models(["medgemma-v1.2", "llama-3/8b"])
    direction = {
        (r.model_version, r.environment, r.metric): r.direction for r in compared.itertuples()
    }
    assert direction[("llama-3/8b", "production", "latency_ms")] == "higher"  # override
    assert direction[("medgemma-v1.2", "production", "latency_ms")] == "lower"
    assert direction[("medgemma-v1.2", "production", "f1_score")] == "lower"  # stated
    assert direction[("llama-3/8b", "production", "f1_score")] == "higher"
    assert direction[("medgemma-v1.2", "local", "latency_ms")] == "lower"  # the name rule
    for row in compared.itertuples():
        (expected,) = db.execute(
            "SELECT metric_direction(%s, t.metric_directions ->> %s, s.model_version,"
            " s.dataset_version, s.prompt_version, s.environment)"
            " FROM benchmark_snapshots s JOIN benchmark_transactions t ON t.id = s.transaction_id"
            " WHERE s.is_current AND (s.model_version, s.dataset_version, s.prompt_version,"
            " s.environment) = (%s, %s, %s, %s)",
            (
                row.metric,
                row.metric,
                row.model_version,
                row.dataset_version,
                row.prompt_version,
                row.environment,
            ),
        ).fetchone()
        assert row.direction == expected


def test_detect_regressions_reuses_the_baseline_rule(api):
    found = api.detect_regressions("medgemma-v1.2", threshold=0.05)
    assert dtypes(found)["is_regression"] == "bool"
    assert dtypes(found)["current"] == "float64"
    rows = {r.metric: r for r in found.itertuples()}
    # a drop equal to the threshold counts (0.92 → 0.87 precision)
    assert {m for m, r in rows.items() if r.is_regression} == {
        "f1_score",
        "precision",
        "recall",
        "latency_ms",
    }
    assert rows["f1_score"].severity == "WARN"
    assert rows["f1_score"].delta == pytest.approx(-0.06)
    assert rows["f1_score"].threshold == "0.05"
    only_large = api.detect_regressions("medgemma-v1.2", threshold=0.065, metrics=["f1_score"])
    assert list(only_large.is_regression) == [False]
    relative = api.detect_regressions("medgemma-v1.2", threshold=Threshold(relative=0.05))
    assert set(relative[relative.is_regression].metric) == {"f1_score", "precision", "recall"}
    stored = api.detect_regressions("medgemma-v1.2")  # the default relative threshold
    assert len(stored) == 4
    assert api.detect_regressions("llama-3/8b").empty  # no baseline


def test_baselines_read_what_detect_regressions_judges_against(api, db):
    baselines = api.get_baselines()
    assert dtypes(baselines) == {
        "model_version": "str",
        "dataset_version": "str",
        "prompt_version": "str",
        "environment": "str",
        "baseline_version": "int64",
        "metric": "str",
        "baseline": "float64",
        "direction": "str",
    }
    # only the configuration with a baseline (v2 of the design's timeline), a row per metric
    assert {tuple(r) for r in baselines[["model_version", "environment"]].values} == {
        ("medgemma-v1.2", "production")
    }
    judged = api.detect_regressions("medgemma-v1.2", threshold=0.05)
    read = baselines.set_index("metric")
    for row in judged.itertuples():
        assert (read.loc[row.metric, "baseline"], read.loc[row.metric, "direction"]) == (
            row.baseline,
            row.direction,
        )
    assert set(read.baseline_version) == {2}
    assert list(api.get_baselines(metrics=["latency_ms"]).direction) == ["lower"]
    assert api.get_baselines("llama-3/8b").empty
    assert api.get_baselines(environment="local").empty
    # a direction stated per configuration wins, as in detect_regressions
    db.execute(
        "INSERT INTO metric_overrides (model_version, dataset_version, prompt_version,"
        " environment, metric, direction) VALUES (%s, %s, %s, %s, 'recall', 'lower')",
        CONFIG,
    )
    overridden = api.get_baselines(metrics=["recall"], fresh=True)
    assert list(overridden.direction) == ["lower"]
    judged = api.detect_regressions(threshold=0.05, metrics=["recall"], fresh=True)
    assert list(judged.direction) == ["lower"]


def test_detect_regressions_confirms_as_the_environment_says(api, monkeypatch):
    monkeypatch.setenv("BENCHMON_CONFIRM_RESULTS", "1")
    found = api.detect_regressions("medgemma-v1.2", 0.05, metrics=["f1_score"])
    assert list(found.severity) == ["ERROR"]


def test_time_series_day_buckets_from_the_trend_table(api, db):
    series = api.get_time_series("medgemma-v1.2", "f1_score", days_back=30)
    assert dtypes(series) == {
        "bucket_start": TIME,
        "model_version": "str",
        "dataset_version": "str",
        "prompt_version": "str",
        "environment": "str",
        "metric": "str",
        "sample_count": "int64",
        "mean": "float64",
        "min": "float64",
        "max": "float64",
    }
    today = pd.Timestamp(datetime.now(UTC).date(), tz="UTC")
    production = series[series.environment == "production"]
    assert list(production.bucket_start) == [today]
    (row,) = production.itertuples()
    assert (row.sample_count, row.min, row.max) == (3, 0.85, 0.91)
    assert row.mean == pytest.approx((0.89 + 0.91 + 0.85) / 3)
    assert len(api.get_time_series("medgemma-v1.2", "f1_score", environment="local")) == 1
    assert api.get_time_series("medgemma-v1.2", "f1_score", branch="main").empty
    assert len(api.get_time_series("medgemma-v1.2", "f1_score", branch="")) == 2
    # a week: days combined (mean weighted by samples), aligned to Mondays
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, '{\"f1_score\": 0.5}'::jsonb,"
        " created_at => now() - interval '1 day')",
        CONFIG,
    )
    db.execute("SELECT refresh_daily_trends(current_date - 1, current_date + 1)")
    week = api.get_time_series("medgemma-v1.2", "f1_score", 30, "7 days", environment="production")
    monday = today - pd.Timedelta(days=today.weekday())
    assert week.bucket_start.max() == monday
    assert week.sample_count.sum() == 4
    assert all(ts.weekday() == 0 for ts in week.bucket_start)


def test_time_series_days_not_refreshed_yet_come_from_the_log(api, db):
    """A result the trends job has not folded in yet (its day is marked dirty) is counted:
    its day is read whole from the log, the other days from the trend table."""
    upsert(db, CONFIG, {"f1_score": 0.95})  # after the refresh: today is dirty again
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, '{\"f1_score\": 0.5}'::jsonb,"
        " created_at => now() - interval '2 days')",
        CONFIG,
    )
    db.execute("SELECT refresh_daily_trends(current_date - 2, current_date - 2)")
    series = api.get_time_series("medgemma-v1.2", "f1_score", environment="production")
    assert list(series.sample_count) == [1, 4]
    assert series["max"].tolist() == [0.5, 0.95]
    assert series["mean"].iloc[1] == pytest.approx((0.89 + 0.91 + 0.85 + 0.95) / 4)


def test_time_series_of_several_models_by_model_day_configuration(api, db):
    """Two models, each with two configurations and results on three days over two
    branches: one row per model, day and configuration (branches merged, means weighted by
    their results), in that order, as the log's own results give them."""
    results = []
    for day in (2, 1, 0):
        for model, dataset in (("zz-model", "b"), ("aa-model", "b"), ("zz-model", "a")):
            for branch, value in (("main", 0.5 + day / 10), ("feature", 0.6 + day / 10)):
                config = (model, dataset, "p", "ci")
                results.append((config, branch, value, day))
                db.execute(
                    "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, branch_name => %s,"
                    " created_at => now() - make_interval(days => %s))",
                    (*config, json.dumps({"acc": value}), branch, day),
                )
    db.execute("SELECT refresh_daily_trends(current_date - 3, current_date)")
    series = api.get_time_series(["zz-model", "aa-model"], "acc", days_back=5)
    keys = list(zip(series.model_version, series.bucket_start, series.dataset_version, strict=True))
    assert keys == sorted(keys)
    assert len(series) == 9  # 3 configurations × 3 days
    today = pd.Timestamp(datetime.now(UTC).date(), tz="UTC")
    expected = (
        pd.DataFrame(
            [
                (c[0], today - pd.Timedelta(days=day), c[1], value)
                for c, _branch, value, day in results
            ],
            columns=["model_version", "bucket_start", "dataset_version", "acc"],
        )
        .groupby(["model_version", "bucket_start", "dataset_version"])
        .acc.agg(["count", "mean", "min", "max"])
        .reset_index()
    )
    assert series.sample_count.tolist() == expected["count"].tolist()
    assert series["mean"].tolist() == pytest.approx(expected["mean"].tolist())
    assert series["min"].tolist() == expected["min"].tolist()
    assert series["max"].tolist() == expected["max"].tolist()
    assert (series.metric == "acc").all()


def test_time_series_of_nothing_keeps_its_columns(api):
    empty = api.get_time_series(["no-such-model"], "acc")
    assert empty.empty
    assert dtypes(empty)["bucket_start"] == TIME
    assert dtypes(empty)["sample_count"] == "int64"


def test_time_series_hour_buckets_from_the_log(api, db):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    for minutes, value in ((5, 0.7), (50, 0.8), (65, 0.9)):
        db.execute(
            "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s)",
            (*OTHER, json.dumps({"acc": value}), hour + timedelta(minutes=minutes)),
        )
    series = api.get_time_series("llama-3/8b", "acc", days_back=1, bucket="1 hour")
    assert list(series.bucket_start) == [
        pd.Timestamp(hour),
        pd.Timestamp(hour + timedelta(hours=1)),
    ]
    assert list(series.sample_count) == [2, 1]
    assert series["mean"].tolist() == pytest.approx([0.75, 0.9])
    assert str(series.bucket_start.dtype) == TIME
    with pytest.raises(ValueError, match="bucket"):
        api.get_time_series("llama-3/8b", "acc", bucket="fortnightly")


def test_performance_trends_per_day_model_environment_branch(api):
    trends = api.get_performance_trends()
    assert dtypes(trends)["day"] == TIME
    assert dtypes(trends)["avg_f1"] == "float64"
    assert dtypes(trends)["run_count"] == "int64"
    medgemma = api.get_performance_trends("medgemma-v1.2", environment="production")
    (row,) = medgemma.itertuples()
    assert row.run_count == 3
    assert row.avg_f1 == pytest.approx(0.8833333)
    (local,) = api.get_performance_trends(environment="local").itertuples()
    assert pd.isna(local.branch_name) and local.avg_f1 == 0.93


def test_discovery(api, db):
    assert list(api.models().model_version) == ["llama-3/8b", "medgemma-v1.2"]
    assert list(api.models().configurations) == [1, 2]
    assert list(api.datasets().dataset_version) == ["benchmark-set-v3"]
    assert list(api.prompts().prompt_version) == ["analysis-v4", "analysis-v5"]
    assert list(api.environments().environment) == ["local", "production"]
    assert dtypes(api.models())["last_version_at"] == TIME
    # narrowed to the configurations holding a metric, or of an environment
    assert list(api.models(metric="precision").model_version) == ["llama-3/8b", "medgemma-v1.2"]
    assert list(api.models(metric="recall", environment="local").model_version) == []
    assert list(api.prompts(environment="local").prompt_version) == ["analysis-v5"]
    assert api.environments(metric="no-such-metric").empty
    db.execute(
        "INSERT INTO metric_definitions (name, direction, unit, abs_threshold)"
        " VALUES ('latency_ms', 'lower', 'ms', 10)"
    )
    metrics = api.metrics().set_index("metric")
    assert metrics.loc["latency_ms", "direction"] == "lower"
    assert metrics.loc["latency_ms", "unit"] == "ms"
    assert metrics.loc["latency_ms", "abs_threshold"] == 10.0
    assert pd.isna(metrics.loc["latency_ms", "rel_threshold"])
    assert metrics.loc["f1_score", "direction"] == "higher"
    assert metrics.loc["f1_score", "rel_threshold"] > 0  # the default relative threshold
    assert metrics.loc["f1_score", "configurations"] == 3
    assert dtypes(api.metrics())["abs_threshold"] == "float64"


def test_cache_and_its_bypass(api, db):
    first = api.get_latest_snapshots()
    upsert(db, OTHER, {"f1_score": 0.99})
    cached = api.get_latest_snapshots()
    assert cached.equals(first)  # within the TTL: the same answer, no query
    cached.loc[0, "model_version"] = "changed by the caller"
    assert api.get_latest_snapshots().equals(first)  # the cache keeps its own copy
    fresh = api.get_latest_snapshots(fresh=True)
    assert 0.99 in fresh.f1_score.tolist()
    assert api.get_latest_snapshots().equals(fresh)  # the fresh answer is kept
    api.cache_ttl = 0
    upsert(db, OTHER, {"f1_score": 0.42})
    assert 0.42 in api.get_latest_snapshots().f1_score.tolist()


def test_the_cache_expires(seeded, db):
    with BenchmarkDataAccess.connect(seeded, cache_ttl=0.2) as api:
        api.models()
        upsert(db, ("new/model", "d", "p", "e"), {"f1_score": 0.5})
        assert len(api.models()) == 2
        import time

        time.sleep(0.25)
        assert len(api.models()) == 3


def test_a_reader_login_can_use_every_method(seeded):
    with login_url(seeded, "benchmon_reader") as url, BenchmarkDataAccess.connect(url) as api:
        assert api.conn.execute("SELECT current_user").fetchone()[0].startswith("t_reader_")
        assert len(api.get_latest_snapshots()) == 3
        assert len(api.get_transactions()) == 5
        assert not api.get_time_series("medgemma-v1.2", "f1_score").empty
        assert not api.get_time_series("medgemma-v1.2", "f1_score", bucket="1 hour").empty
        assert not api.get_performance_trends().empty
        assert not api.compare_models(["medgemma-v1.2", "llama-3/8b"]).empty
        assert len(api.compare_versions(CONFIG, 2, 3)) == 4
        assert len(api.get_snapshot_history(CONFIG)) == 3
        assert api.detect_regressions("medgemma-v1.2", 0.05).is_regression.any()
        for discover in (api.models, api.datasets, api.prompts, api.environments, api.metrics):
            assert not discover().empty


def test_the_session_is_read_only(api):
    with pytest.raises(Exception, match="read-only transaction"):
        api.conn.execute("SELECT set_baseline(%s, %s, %s, %s, 3)", CONFIG)


def test_connect_from_the_settings(seeded, monkeypatch):
    monkeypatch.setenv("BENCHMON_DATABASE_URL", seeded)
    with BenchmarkDataAccess.connect() as api:
        assert len(api.models()) == 2


def python_examples(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


def test_every_example_in_the_api_guide_runs(seeded, monkeypatch):
    """docs/api.md's ```python blocks, in order, in one namespace, against the seeded
    database named by BENCHMON_DATABASE_URL."""
    monkeypatch.setenv("BENCHMON_DATABASE_URL", seeded)
    examples = python_examples(DOC.read_text())
    assert len(examples) >= 5
    namespace: dict = {}
    for number, example in enumerate(examples, 1):
        try:
            exec(compile(example, f"docs/api.md example {number}", "exec"), namespace)  # noqa: S102
        except Exception as error:  # pragma: no cover - the message names the example
            raise AssertionError(f"docs/api.md example {number} failed:\n{example}") from error
    namespace["api"].close()
