"""What each tab of the interactive dashboard shows, as DataFrames: plain Python over
`BenchmarkDataAccess`, no Streamlit, so the app (reports/app.py), its tests and
benchmarks/bench_dashboard.py ask the database the same questions the same way.

Each function takes the sidebar's `Filters` and returns exactly the rows the tab shows —
its chart is drawn from them and its CSV download is them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.reading import CONFIGURATION

TABS = ("Snapshot", "Trends", "Models", "Regressions")
SERIES_COLUMNS = ["bucket_start", *CONFIGURATION, "metric", "sample_count", "mean", "min", "max"]
DAY_RANGES = {"7 days": 7, "30 days": 30, "90 days": 90, "1 year": 365}


@dataclass(frozen=True)
class Filters:
    """The sidebar: `None` or empty means everything."""

    environment: str | None = None
    models: tuple[str, ...] = ()
    branch: str | None = None  # trends only: snapshots follow each configuration's branch
    days: int = 30
    threshold: float | None = None  # None: each metric's stored thresholds


def _only_models(data: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    if filters.models:
        data = data[data["model_version"].isin(filters.models)]
    return data.reset_index(drop=True)


def snapshot(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """One row per configuration and metric of its current version, with the baseline's
    value and the change since it (`change`: better / worse / same by the metric's
    direction; NaN without a baseline).

    Columns: the configuration's four parts, snapshot_version, baseline_version, metric,
    value, baseline, delta, percent, direction, unit, change, last_updated_at.
    """
    latest = _only_models(api.get_latest_snapshots(environment=filters.environment), filters)
    known = api.metrics().set_index("metric")
    judged = api.detect_regressions(
        threshold=filters.threshold, environment=filters.environment
    ).set_index([*CONFIGURATION, "metric"])
    rows = []
    for row in latest.itertuples(index=False):
        config = tuple(getattr(row, name) for name in CONFIGURATION)
        for metric, value in sorted((row.metrics or {}).items()):
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            against = judged.loc[(*config, metric)] if (*config, metric) in judged.index else None
            direction = (
                against["direction"]
                if against is not None
                else known["direction"].get(metric, "higher")
            )
            baseline = against["baseline"] if against is not None else float("nan")
            delta = float(value) - baseline
            rows.append(
                {
                    **dict(zip(CONFIGURATION, config, strict=True)),
                    "snapshot_version": row.snapshot_version,
                    "baseline_version": row.baseline_version,
                    "metric": metric,
                    "value": float(value),
                    "baseline": baseline,
                    "delta": delta,
                    "percent": against["percent"] if against is not None else float("nan"),
                    "direction": direction,
                    "unit": known["unit"].get(metric),
                    "change": _change(delta, direction),
                    "last_updated_at": row.last_updated_at,
                }
            )
    columns = [
        *CONFIGURATION,
        "snapshot_version",
        "baseline_version",
        "metric",
        "value",
        "baseline",
        "delta",
        "percent",
        "direction",
        "unit",
        "change",
        "last_updated_at",
    ]
    return pd.DataFrame(rows, columns=columns)


def _change(delta: float, direction: str) -> str | None:
    if pd.isna(delta):
        return None
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (direction != "lower") else "worse"


def trends(
    api: BenchmarkDataAccess,
    filters: Filters,
    metric: str,
    *,
    dataset: str | None = None,
    prompt: str | None = None,
) -> pd.DataFrame:
    """One row per configuration and day of `metric` over the filter's days: the columns
    of `get_time_series` (bucket_start, the configuration, metric, sample_count, mean, min,
    max), for the filter's models (every model when none is chosen)."""
    models = filters.models or tuple(api.models()["model_version"])
    parts = [
        api.get_time_series(
            model,
            metric,
            days_back=filters.days,
            dataset_version=dataset,
            prompt_version=prompt,
            environment=filters.environment,
            branch=filters.branch,
        )
        for model in models
    ]
    if not parts:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def models(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """The columns of `compare_models` for the filter's models (every model when none is
    chosen): one row per model, configuration and metric, ranked."""
    chosen = filters.models or tuple(api.models()["model_version"])
    return api.compare_models(list(chosen), environment=filters.environment)


def regressions(api: BenchmarkDataAccess, filters: Filters) -> pd.DataFrame:
    """The columns of `detect_regressions` at the filter's threshold, for the filter's
    models, regressions first (ERROR before WARN), then the rest."""
    judged = _only_models(
        api.detect_regressions(threshold=filters.threshold, environment=filters.environment),
        filters,
    )
    order = judged["severity"].map({"ERROR": 0, "WARN": 1}).fillna(2)
    return (
        judged.assign(_order=order)
        .sort_values(["_order", *CONFIGURATION, "metric"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
