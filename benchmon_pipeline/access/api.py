"""`BenchmarkDataAccess`: the warehouse as pandas DataFrames, for notebooks, dashboards and
the CLI (docs/api.md).

Read-only by construction: the session is `default_transaction_read_only`, so a login
granted only `benchmon_reader` can use every method, and a bug here cannot write. Each
method reads the table made for its question — current versions from the snapshots, day
buckets from the daily trend table — not the log, which is the slow way to ask them (see
benchmarks/bench_access.py). Regressions are judged by the regression package's own rule,
not a copy of it.

Answers are kept for `cache_ttl` seconds (30 by default), keyed by method and arguments, so
a dashboard redrawing four tabs asks the database once; `fresh=True` on any call reads
again (and keeps the new answer), `cache_ttl=0` turns the cache off.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import psycopg

from benchmon_pipeline.access import queries
from benchmon_pipeline.access.frames import (
    BOOL,
    FLOAT,
    INT,
    OBJECT,
    TEXT,
    TIME,
    by_columns,
    frame,
    from_columns,
)
from benchmon_pipeline.db.server import prepare
from benchmon_pipeline.db.urls import libpq_url
from benchmon_pipeline.regressions.baseline_rule import judge_baselines
from benchmon_pipeline.regressions.environment import regression_settings
from benchmon_pipeline.regressions.reading import CONFIGURATION, Scope
from benchmon_pipeline.regressions.thresholds import Threshold
from benchmon_pipeline.settings import get_settings

DEFAULT_CACHE_TTL = 30.0
# date_bin's origin: a Monday, so '7 days' buckets are ISO weeks
BUCKET_ORIGIN = datetime(2001, 1, 1, tzinfo=UTC)

PARTS = {name: TEXT for name in CONFIGURATION}
# compare_versions() and compare_results(): per metric, judged in SQL (queries._JUDGED)
COMPARED = {
    "metric": TEXT,
    "a": FLOAT,
    "b": FLOAT,
    "delta": FLOAT,
    "percent": FLOAT,
    "direction": TEXT,
    "change": TEXT,
}


class BenchmarkDataAccess:
    """Read access to one benchmon database. Make one with `connect()`; close it with
    `close()` or a `with` block."""

    def __init__(self, conn: psycopg.Connection, cache_ttl: float = DEFAULT_CACHE_TTL):
        self.conn = conn
        self.cache_ttl = cache_ttl
        self._cache: dict[Hashable, tuple[float, pd.DataFrame]] = {}

    @classmethod
    def connect(
        cls, url: str | None = None, *, cache_ttl: float = DEFAULT_CACHE_TTL
    ) -> BenchmarkDataAccess:
        """Connect to `url`, or to the database the settings name (BENCHMON_DATABASE_URL,
        else the embedded server under BENCHMON_HOME), checked to be reachable and current."""
        url = prepare(get_settings()).results_url if url is None else libpq_url(url)
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        conn.prepare_threshold = None  # plan every query with its values (queries.py)
        conn.execute("SET default_transaction_read_only = on")
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET application_name = 'benchmon data access'")
        return cls(conn, cache_ttl)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BenchmarkDataAccess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def clear_cache(self) -> None:
        self._cache.clear()

    # The current state ---------------------------------------------------------------------

    def get_latest_snapshots(
        self,
        environment: str | None = None,
        model_version: str | None = None,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        *,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration: its current version.

        Columns: model_version, dataset_version, prompt_version, environment (str);
        snapshot_version (int64); is_baseline (bool); baseline_version (float64: NaN when
        the configuration has no baseline); run_count (int64); created_at (when the version
        was made), first_seen_at, last_updated_at (datetime64[us, UTC]); transaction_id
        (str: the log row shown); f1_score, precision, recall, latency_ms, baseline_f1
        (float64, NaN when absent); metrics (object: every metric as a dict).
        """
        params = _scope(model_version, dataset_version, prompt_version, environment)
        columns = {
            **PARTS,
            "snapshot_version": INT,
            "is_baseline": BOOL,
            "baseline_version": FLOAT,
            "run_count": INT,
            "created_at": TIME,
            "first_seen_at": TIME,
            "last_updated_at": TIME,
            "transaction_id": TEXT,
            "f1_score": FLOAT,
            "precision": FLOAT,
            "recall": FLOAT,
            "latency_ms": FLOAT,
            "baseline_f1": FLOAT,
            "metrics": OBJECT,
        }
        return self._ask("latest", queries.LATEST_SNAPSHOTS, params, columns, fresh)

    def get_transactions(
        self,
        model_version: str | None = None,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        *,
        branch: str | None = None,
        commit: str | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        limit: int | None = 1000,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per result in the log, newest first (`created_at`, then insertion order),
        at most `limit` (None: all). `since` is inclusive, `until` exclusive; a date or a
        time without a zone is UTC.

        Columns: id (str); seq (int64); created_at, ingested_at (datetime64[us, UTC]);
        model_version, dataset_version, prompt_version, environment, branch_name,
        commit_sha, run_id, model_provider, triggered_by, source (str, NaN when unset);
        duration_seconds (float64); tags (object: list of str); metrics (object: dict).
        """
        params = {
            **_scope(model_version, dataset_version, prompt_version, environment),
            "branch": branch,
            "commit": commit,
            "since": _utc(since),
            "until": _utc(until),
            "limit": limit,
        }
        columns = {
            "id": TEXT,
            "seq": INT,
            "created_at": TIME,
            "ingested_at": TIME,
            **PARTS,
            "branch_name": TEXT,
            "commit_sha": TEXT,
            "run_id": TEXT,
            "model_provider": TEXT,
            "duration_seconds": FLOAT,
            "triggered_by": TEXT,
            "source": TEXT,
            "tags": OBJECT,
            "metrics": OBJECT,
        }
        return self._ask("transactions", queries.TRANSACTIONS, params, columns, fresh)

    # Over time -----------------------------------------------------------------------------

    def get_time_series(
        self,
        model_version: str | Sequence[str],
        metric: str,
        days_back: int = 30,
        bucket: str | timedelta = "1 day",
        *,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        branch: str | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration of `model_version` and time bucket holding results with
        `metric`, over the last `days_back` days (buckets of whole days: since the start of
        the UTC day `days_back - 1` days ago). A list of models asks for all of them at once.

        `bucket` is a PostgreSQL interval ('1 day', '7 days', '6 hours', …) or a timedelta;
        buckets are aligned to 2001-01-01 00:00 UTC (a Monday: '7 days' are ISO weeks).
        Whole-day buckets are read from the daily trend table, except the days with results
        the trends job has not folded in yet (trend_dirty_days: today since the last
        refresh, late data), which are read from the log; shorter buckets from the log.
        `branch` None combines every branch; '' means results that named none. Rows come
        ordered by model, bucket, then configuration.

        Columns: bucket_start (datetime64[us, UTC]); model_version, dataset_version,
        prompt_version, environment, metric (str); sample_count (int64: results in the
        bucket); mean, min, max (float64).
        """
        interval = _interval(bucket)
        now = datetime.now(UTC)
        models = [model_version] if isinstance(model_version, str) else sorted(model_version)
        params = {
            **_scope(None, dataset_version, prompt_version, environment),
            "models": models,
            "metric": metric,
            "branch": branch,
            "bucket": interval,
        }
        if interval % timedelta(days=1) == timedelta(0):
            params |= {
                "origin": BUCKET_ORIGIN.replace(tzinfo=None),
                "first_day": now.date() - timedelta(days=days_back - 1),
            }

            def query() -> str:
                dirty = self.conn.execute(queries.DIRTY_SINCE, params).fetchone()[0]
                if interval == timedelta(days=1):
                    return queries.TIME_SERIES_DAYS if dirty else queries.TIME_SERIES_CLEAN_DAYS
                return queries.TIME_SERIES_BINS if dirty else queries.TIME_SERIES_CLEAN_BINS

        else:
            query = queries.TIME_SERIES_LOG
            params |= {"origin": BUCKET_ORIGIN, "since": now - timedelta(days=days_back)}
        columns = {
            "bucket_start": TIME,
            **PARTS,
            "metric": TEXT,
            "sample_count": INT,
            "mean": FLOAT,
            "min": FLOAT,
            "max": FLOAT,
        }
        key_params = {k: v for k, v in params.items() if k not in ("since", "first_day")}
        return self._ask(
            ("series", days_back, now.date()),
            query,
            params,
            columns,
            fresh,
            key_params,
            arrays=True,
        )

    def get_performance_trends(
        self,
        model_version: str | None = None,
        days_back: int = 30,
        *,
        environment: str | None = None,
        branch: str | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per UTC day, model, environment and branch (the view
        v_performance_trends, read from the daily trend tables), over the last `days_back`
        days including today.

        Columns: day (datetime64[us, UTC], midnight); model_version, environment (str);
        branch_name (str, NaN for results that named none); run_count (int64); avg_f1,
        avg_precision, avg_recall, avg_accuracy, avg_latency_ms, avg_duration_seconds
        (float64, NaN when no result had the metric).
        """
        params = {
            "model_version": model_version,
            "environment": environment,
            "branch": branch,
            "first_day": datetime.now(UTC).date() - timedelta(days=days_back - 1),
        }
        columns = {
            "day": TIME,
            "model_version": TEXT,
            "environment": TEXT,
            "branch_name": TEXT,
            "run_count": INT,
            "avg_f1": FLOAT,
            "avg_precision": FLOAT,
            "avg_recall": FLOAT,
            "avg_accuracy": FLOAT,
            "avg_latency_ms": FLOAT,
            "avg_duration_seconds": FLOAT,
        }
        return self._ask("trends", queries.PERFORMANCE_TRENDS, params, columns, fresh)

    # Comparing ------------------------------------------------------------------------------

    def compare_models(
        self,
        models: Sequence[str],
        metrics: Sequence[str] | None = None,
        *,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per model, configuration and metric: the metric's value in the current
        version, ranked among the given models that ran the same dataset, prompt and
        environment (rank 1 = best by the metric's direction; ties share a rank).
        `metrics` None: every metric.

        Columns: model_version, dataset_version, prompt_version, environment (str);
        snapshot_version (int64); metric (str); value (float64); direction (str: 'higher'
        or 'lower' is better); rank (int64). Pivot it for a table of models side by side:
        `df.pivot_table(index="metric", columns="model_version", values="value")`.
        """
        if isinstance(models, str):
            models = [models]
        params = {
            **_scope(None, dataset_version, prompt_version, environment),
            "models": list(models),
            "metrics": None if metrics is None else list(metrics),
        }
        columns = {
            **PARTS,
            "snapshot_version": INT,
            "metric": TEXT,
            "value": FLOAT,
            "direction": TEXT,
            "rank": INT,
        }
        return self._ask("models", queries.COMPARE_MODELS, params, columns, fresh)

    def compare_versions(
        self, configuration: Any, a: int, b: int, *, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per metric of version `a` or `b` of one configuration.

        `configuration`: (model_version, dataset_version, prompt_version, environment) as a
        tuple, a dict, or any object with those attributes. A version that does not exist
        raises `LookupError`.

        Columns: metric (str); a, b, delta (b − a), percent (100 · delta / |a|, rounded to
        2 places; NaN when a is 0 or either is missing) (float64); direction (str);
        change (str: 'better', 'worse', 'same', or NaN when either value is missing or the
        metric is informational, such as a standard error: docs/formats.md).
        """
        params = {**_configuration(configuration), "a": a, "b": b}
        try:
            return self._ask("versions", queries.COMPARE_VERSIONS, params, COMPARED, fresh)
        except psycopg.errors.NoDataFound as error:
            raise LookupError(error.diag.message_primary) from None

    def compare_results(
        self, configuration: Any, a: str, b: str, *, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per metric of result `a` or `b` of the log (ids, as `get_transactions()`
        and `get_newest_results()` give them) of one configuration, judged as
        `compare_versions()` judges two versions; the same columns."""
        params = {**_configuration(configuration), "a": str(a), "b": str(b)}
        return self._ask("results", queries.COMPARE_RESULTS, params, COMPARED, fresh)

    def get_newest_results(
        self,
        *,
        commit: str | None = None,
        branch: str | None = None,
        model_version: str | None = None,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration: its newest result of `commit` (a prefix will do) and/or
        `branch` — what `benchmon compare --commit/--branch` compares.

        Columns: model_version, dataset_version, prompt_version, environment, id (str);
        created_at (datetime64[us, UTC]); commit_sha, branch_name (str); metrics (object);
        commits_matched (object: with `commit`, the list of the configuration's commits that
        start with it — more than one means the prefix is ambiguous; else None).
        """
        params = {
            **_scope(model_version, dataset_version, prompt_version, environment),
            "commit": commit,
            "branch": branch,
        }
        columns = {
            **PARTS,
            "id": TEXT,
            "created_at": TIME,
            "commit_sha": TEXT,
            "branch_name": TEXT,
            "metrics": OBJECT,
            "commits_matched": OBJECT,
        }
        return self._ask("newest", queries.NEWEST_RESULTS, params, columns, fresh)

    def configurations(
        self,
        model_version: str | None = None,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        *,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration: what `benchmon configs` lists.

        Columns: model_version, dataset_version, prompt_version, environment (str);
        current_version (int64); baseline_version (float64: NaN when there is none);
        versions (int64); last_result_at (datetime64[us, UTC]: its newest result);
        tracked_branch (str: whose results make its versions, tracked_branch()).
        """
        params = _scope(model_version, dataset_version, prompt_version, environment)
        columns = {
            **PARTS,
            "current_version": INT,
            "baseline_version": FLOAT,
            "versions": INT,
            "last_result_at": TIME,
            "tracked_branch": TEXT,
        }
        return self._ask("configurations", queries.CONFIGURATIONS, params, columns, fresh)

    def get_snapshot_history(
        self, configuration: Any, n: int | None = 10, *, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per snapshot version of one configuration, newest first, at most `n`
        (None: every version).

        Columns: snapshot_version (int64); created_at, first_seen_at, last_updated_at
        (datetime64[us, UTC]); is_current, is_baseline, is_active (bool); run_count
        (int64); commit_sha, branch_name (str: of the result the version shows);
        f1_score (float64); transaction_id (str); metrics (object: dict); result_at
        (datetime64[us, UTC]: when that result was made).
        """
        params = {**_configuration(configuration), "n": n}
        columns = {
            "snapshot_version": INT,
            "created_at": TIME,
            "first_seen_at": TIME,
            "last_updated_at": TIME,
            "is_current": BOOL,
            "is_baseline": BOOL,
            "is_active": BOOL,
            "run_count": INT,
            "commit_sha": TEXT,
            "branch_name": TEXT,
            "f1_score": FLOAT,
            "transaction_id": TEXT,
            "metrics": OBJECT,
            "result_at": TIME,
        }
        return self._ask("history", queries.SNAPSHOT_HISTORY, params, columns, fresh)

    def get_baselines(
        self,
        model_version: str | Sequence[str] | None = None,
        *,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        metrics: Iterable[str] | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration with a baseline and numeric metric of its baseline
        version: what the current metrics are shown against, read in one query and judged
        by nothing (`detect_regressions` judges). The direction is the one
        `detect_regressions` uses: stated by the current result, a per-configuration
        override, the definition, else the name rule.

        Columns: model_version, dataset_version, prompt_version, environment (str);
        baseline_version (int64); metric (str); baseline (float64: the metric's value in the
        baseline version); direction (str: 'higher' or 'lower'). `model_version` may be a
        list of models.
        """
        several = model_version is not None and not isinstance(model_version, str)
        one = None if several else model_version
        params = {
            **_scope(one, dataset_version, prompt_version, environment),
            "models": sorted(model_version) if several else None,
            "metrics": None if metrics is None else sorted(metrics),
        }
        columns = {
            **PARTS,
            "baseline_version": INT,
            "metric": TEXT,
            "baseline": FLOAT,
            "direction": TEXT,
        }
        return self._ask("baselines", queries.BASELINES, params, columns, fresh)

    def detect_regressions(
        self,
        model_version: str | None = None,
        threshold: float | Threshold | None = None,
        *,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        metrics: Iterable[str] | None = None,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per configuration (with a baseline) and metric: the current version
        against the baseline, judged by the regression package's baseline rule
        (regressions/thresholds.py: direction, confirmation over consecutive versions, a
        drop equal to the threshold counts).

        `threshold` None: each metric's stored thresholds (metric_thresholds(): overrides,
        definitions, else the default relative one; a metric defined with none is left
        out). A number: an absolute worsening in each metric's own units, for every metric
        (as `detect_regression(model, 0.05)` in SQL: 0.05 F1 points). A `Threshold`:
        absolute and/or relative, for every metric.

        Columns: model_version, dataset_version, prompt_version, environment (str);
        current_version, baseline_version (int64); metric, direction (str); current,
        baseline, delta, percent (float64); threshold (str: as the rule describes it);
        is_regression (bool); severity (str: 'WARN', 'ERROR', NaN when not a regression);
        run_length (int64: consecutive versions breaching, the current one included);
        reason (str).
        """
        if isinstance(threshold, int | float):
            threshold = Threshold(absolute=float(threshold))
        wanted = None if metrics is None else tuple(metrics)
        key = (
            "regressions",
            model_version,
            dataset_version,
            prompt_version,
            environment,
            threshold,
            wanted,
        )

        def judge() -> pd.DataFrame:
            settings = regression_settings()  # BENCHMON_CONFIRM_RESULTS …, as the checks
            scope = Scope(model_version, dataset_version, prompt_version, environment)
            rows = []
            for row, rule, verdict in judge_baselines(
                self.conn,
                scope,
                confirm_results=settings.confirm_results,
                threshold=threshold,
                metrics=wanted,
            ):
                rows.append(
                    (
                        *(getattr(row, name) for name in CONFIGURATION),
                        row.current_version,
                        row.baseline_version,
                        row.metric,
                        verdict.direction,
                        row.current_value,
                        row.baseline_value,
                        verdict.delta,
                        verdict.percent,
                        rule.describe(),
                        not verdict.passed,
                        verdict.severity,
                        verdict.run_length,
                        verdict.reason,
                    )
                )
            return frame(
                rows,
                {
                    **PARTS,
                    "current_version": INT,
                    "baseline_version": INT,
                    "metric": TEXT,
                    "direction": TEXT,
                    "current": FLOAT,
                    "baseline": FLOAT,
                    "delta": FLOAT,
                    "percent": FLOAT,
                    "threshold": TEXT,
                    "is_regression": BOOL,
                    "severity": TEXT,
                    "run_length": INT,
                    "reason": TEXT,
                },
            )

        return self._cached(key, judge, fresh)

    def open_alerts(
        self,
        model_version: str | None = None,
        dataset_version: str | None = None,
        prompt_version: str | None = None,
        environment: str | None = None,
        *,
        fresh: bool = False,
    ) -> pd.DataFrame:
        """One row per regression alert not yet resolved (open or acknowledged; the checks
        open them, docs/alerts.md), ERROR first, most recently seen first.

        Columns: id (int64); rule, model_version, dataset_version, prompt_version,
        environment, metric ('' for a finding about the whole configuration), severity,
        status, reason, direction (str); current, reference, delta, percent (float64);
        commit_sha, branch_name (str); run_length (int64); first_seen_at, last_seen_at,
        result_at (datetime64[us, UTC]: when the result of the configuration's current
        version was made — where a chart of the configuration marks the alert).
        """
        params = _scope(model_version, dataset_version, prompt_version, environment)
        columns = {
            "id": INT,
            "rule": TEXT,
            **PARTS,
            "metric": TEXT,
            "severity": TEXT,
            "status": TEXT,
            "reason": TEXT,
            "direction": TEXT,
            "current": FLOAT,
            "reference": FLOAT,
            "delta": FLOAT,
            "percent": FLOAT,
            "commit_sha": TEXT,
            "branch_name": TEXT,
            "run_length": INT,
            "first_seen_at": TIME,
            "last_seen_at": TIME,
            "result_at": TIME,
        }
        return self._ask("alerts", queries.OPEN_ALERTS, params, columns, fresh)

    # Discovery ------------------------------------------------------------------------------

    def models(
        self, *, metric: str | None = None, environment: str | None = None, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per model with a stored configuration. Columns: model_version (str);
        configurations (int64); last_version_at (datetime64[us, UTC]: its newest current
        version). `metric` / `environment`: only the configurations whose current version
        holds that metric / of that environment (the same on every discovery method)."""
        return self._discover("model_version", metric, environment, fresh)

    def datasets(
        self, *, metric: str | None = None, environment: str | None = None, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per dataset version; columns as `models()` with dataset_version."""
        return self._discover("dataset_version", metric, environment, fresh)

    def prompts(
        self, *, metric: str | None = None, environment: str | None = None, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per prompt version; columns as `models()` with prompt_version."""
        return self._discover("prompt_version", metric, environment, fresh)

    def environments(
        self, *, metric: str | None = None, environment: str | None = None, fresh: bool = False
    ) -> pd.DataFrame:
        """One row per environment; columns as `models()` with environment."""
        return self._discover("environment", metric, environment, fresh)

    def metrics(self, *, fresh: bool = False) -> pd.DataFrame:
        """One row per metric in some configuration's current version.

        Columns: metric (str); direction (str: 'higher' or 'lower' is better, by
        metric_definitions else the name rule — a result or a per-configuration override
        may still say otherwise for one configuration); unit (str); abs_threshold,
        rel_threshold (float64: what the baseline rule uses, NaN = not judged that way);
        configurations (int64); defined (bool: has a row in metric_definitions).
        """
        columns = {
            "metric": TEXT,
            "direction": TEXT,
            "unit": TEXT,
            "abs_threshold": FLOAT,
            "rel_threshold": FLOAT,
            "configurations": INT,
            "defined": BOOL,
        }
        return self._ask("metrics", queries.METRICS, {}, columns, fresh)

    def _discover(
        self, column: str, metric: str | None, environment: str | None, fresh: bool
    ) -> pd.DataFrame:
        columns = {column: TEXT, "configurations": INT, "last_version_at": TIME}
        params = {"metric": metric, "environment": environment}
        return self._ask(column, queries.DISCOVER.format(column=column), params, columns, fresh)

    # The cache ------------------------------------------------------------------------------

    def _ask(
        self,
        name: Hashable,
        query: str | Callable[[], str],
        params: Mapping[str, Any],
        columns: Mapping[str, str],
        fresh: bool,
        key_params: Mapping[str, Any] | None = None,
        arrays: bool = False,
    ) -> pd.DataFrame:
        """`query`'s rows as a frame of `columns`, cached under `name` and the parameters;
        a callable `query` is asked for the SQL only when the cache cannot answer. `arrays`:
        fetch the answer as an array per column (`frames.by_columns`), for long answers."""
        key = (name, _hashable(key_params if key_params is not None else params))

        def answer() -> pd.DataFrame:
            text = query if isinstance(query, str) else query()
            # binary results: a month of a model's day buckets fetched in 4.7 ms, not 7.2
            # (benchmarks/bench_dashboard.py's Trends tab)
            with self.conn.cursor(binary=True) as cursor:
                if arrays:
                    return from_columns(
                        cursor.execute(by_columns(text, columns), params).fetchone(), columns
                    )
                return frame(cursor.execute(text, params).fetchall(), columns)

        return self._cached(key, answer, fresh)

    def _cached(
        self, key: Hashable, compute: Callable[[], pd.DataFrame], fresh: bool
    ) -> pd.DataFrame:
        now = time.monotonic()
        kept = self._cache.get(key)
        if kept is not None and not fresh and now - kept[0] < self.cache_ttl:
            return kept[1].copy()
        data = compute()
        if self.cache_ttl > 0:
            self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self.cache_ttl}
            self._cache[key] = (now, data.copy())
        return data


def _scope(
    model_version: str | None,
    dataset_version: str | None,
    prompt_version: str | None,
    environment: str | None,
) -> dict[str, str | None]:
    return dict(
        zip(
            CONFIGURATION,
            (model_version, dataset_version, prompt_version, environment),
            strict=True,
        )
    )


def _configuration(configuration: Any) -> dict[str, str]:
    """The four parts of a configuration given as a tuple, a dict or an object."""
    if isinstance(configuration, Mapping):
        values = [configuration.get(name) for name in CONFIGURATION]
    elif all(hasattr(configuration, name) for name in CONFIGURATION):
        values = [getattr(configuration, name) for name in CONFIGURATION]
    else:
        values = list(configuration)
    if len(values) != 4 or not all(isinstance(v, str) for v in values):
        raise ValueError(
            "a configuration is (model_version, dataset_version, prompt_version, environment),"
            f" four strings; got {configuration!r}"
        )
    return dict(zip(CONFIGURATION, values, strict=True))


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?\s*$", re.IGNORECASE)
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400, "week": 604_800}


def _interval(bucket: str | timedelta) -> timedelta:
    """'1 day', '6 hours', '2 weeks' or a timedelta → a positive timedelta."""
    if isinstance(bucket, timedelta):
        interval = bucket
    else:
        found = _INTERVAL.match(bucket)
        if not found:
            raise ValueError(
                f"bucket {bucket!r} is not '<number> second(s)|minute(s)|hour(s)|day(s)|week(s)'"
            )
        interval = timedelta(seconds=float(found[1]) * _UNITS[found[2].lower()])
    if interval <= timedelta(0):
        raise ValueError(f"bucket must be positive, not {bucket!r}")
    return interval


def _utc(moment: datetime | date | str | None) -> datetime | None:
    """A time to filter on: a date is its UTC midnight, a time without a zone is UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        return tuple(_hashable(v) for v in value)
    return value
