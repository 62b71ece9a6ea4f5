"""What each tab of the interactive dashboard shows, as DataFrames: plain Python over
`BenchmarkDataAccess`, no Streamlit, so the app (reports/app.py), its tests and
benchmarks/bench_dashboard.py ask the database the same questions the same way.

Each function takes the sidebar's `Filters` and returns the rows the tab shows — its
charts (reports/figures.py, shared with the HTML report) are drawn from them and its CSV
download is its table, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.reading import CONFIGURATION
from benchmon_pipeline.reports import figures

TABS = ("Snapshot", "Trends", "Models", "Regressions")
DAY_RANGES = {"7 days": 7, "30 days": 30, "90 days": 90, "1 year": 365}
SERIES_COLUMNS = ["bucket_start", *CONFIGURATION, "metric", "sample_count", "mean", "min", "max"]


@dataclass(frozen=True)
class Filters:
    """The sidebar: `None` or empty means everything."""

    environment: str | None = None
    models: tuple[str, ...] = ()
    branch: str | None = None  # trends only ('' = results that named none)
    days: int = 30
    threshold: float | None = None  # None: each metric's stored thresholds


@dataclass(frozen=True)
class Trends:
    """The Trends tab: the day series (its table), and what the charts draw beside it."""

    series: pd.DataFrame  # get_time_series' columns
    baselines: pd.DataFrame  # get_baselines' rows of `metric`: each baseline's value
    alerts: pd.DataFrame  # open_alerts(), marked on the lines
    metrics: pd.DataFrame  # metrics(): units and stored thresholds (the baseline band)
    models: tuple[str, ...] = ()  # the models drawn (trend_models)


def _only_models(data: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    if filters.models:
        data = data[data["model_version"].isin(filters.models)]
    return data.reset_index(drop=True)


def _judged(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    return api.detect_regressions(threshold=filters.threshold, environment=filters.environment)


def snapshot(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """One row per configuration and metric of its current version, beside its baseline
    (figures.current_rows: value, baseline, delta, percent, direction, unit, change)."""
    latest = _only_models(api.get_latest_snapshots(environment=filters.environment), filters)
    baselines = api.get_baselines(environment=filters.environment)
    return figures.current_rows(latest, baselines, api.metrics())


def trend_models(api: BenchmarkDataAccess, filters: Filters, metric: str) -> tuple[str, ...]:
    """The models the Trends tab draws: the filter's, else the first model by name that has
    `metric` — a thousand configurations' lines are no chart (the tab says so)."""
    if filters.models:
        return filters.models
    having = api.models(metric=metric, environment=filters.environment)["model_version"]
    return tuple(having)[:1]


def trends(
    api: BenchmarkDataAccess,
    filters: Filters,
    metric: str,
    dataset: str | None = None,
    known: pd.DataFrame | None = None,
) -> Trends:
    """`metric` per day over the filter's days, one series per configuration of
    `trend_models` and `dataset` (None: every dataset), with each configuration's baseline
    of the metric and the open alerts. `known`: `metrics()` when the caller holds it
    already (the app's sidebar lists the metrics), else it is asked."""
    known = api.metrics() if known is None else known
    chosen = trend_models(api, filters, metric)
    if not chosen:
        empty = pd.DataFrame(columns=SERIES_COLUMNS)
        return Trends(empty, pd.DataFrame(), api.open_alerts(), known)
    # one query each for every chosen model: a query per model cost ~20 ms a model
    series = api.get_time_series(
        chosen,
        metric,
        days_back=filters.days,
        dataset_version=dataset,
        environment=filters.environment,
        branch=filters.branch,
    )
    baselines = api.get_baselines(
        chosen, dataset_version=dataset, environment=filters.environment, metrics=[metric]
    )
    alerts = _only_models(api.open_alerts(environment=filters.environment), filters)
    return Trends(series, baselines, alerts, known, chosen)


def models(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """`compare_models` of the filter's models (every model when none is chosen): one row
    per model, configuration and metric, ranked among the models."""
    chosen = filters.models or tuple(api.models()["model_version"])
    return api.compare_models(list(chosen), environment=filters.environment)


def regressions(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """The current versions that regressed against their baseline at the filter's threshold
    (`detect_regressions`' columns, `is_regression` rows only), ERROR before WARN, each with
    `trend`: the dashboard's deep link to its configuration's trend of that metric."""
    judged = _only_models(_judged(api, filters), filters)
    found = judged[judged["is_regression"]]
    order = found["severity"].map({"ERROR": 0, "WARN": 1})
    found = (
        found.assign(_order=order)
        .sort_values(["_order", *CONFIGURATION, "metric"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    found["trend"] = [
        trend_link(figures.configuration_of(row), row.metric)
        for row in found.itertuples(index=False)
    ]
    return found


def trend_link(configuration: tuple[str, str, str, str], metric: str) -> str:
    """The dashboard URL (relative to its root) that opens this configuration's trend."""
    model, dataset, _prompt, environment = configuration
    query = {
        "tab": "Trends",
        "model": model,
        "dataset": dataset,
        "environment": environment,
        "metric": metric,
    }
    return "?" + urlencode(query)


def alert_rows(found: pd.DataFrame) -> pd.DataFrame:
    """`regressions` rows in the columns of `open_alerts()` that figures.regressions_table
    draws (rule 'baseline', the baseline as the reference)."""
    return pd.DataFrame(
        {
            "severity": found["severity"],
            "rule": "baseline",
            **{name: found[name] for name in CONFIGURATION},
            "metric": found["metric"],
            "current": found["current"],
            "reference": found["baseline"],
            "percent": found["percent"],
            "commit_sha": pd.Series([None] * len(found), dtype="str"),
        }
    )
