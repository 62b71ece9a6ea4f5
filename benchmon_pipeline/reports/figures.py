"""The charts of the four views as plotly figures, shared by the HTML report (report.py) and
the interactive dashboard: plain functions from the data-access API's DataFrames to
`plotly.graph_objects.Figure`s, no Dagster, no Streamlit.

1. current metrics: `current_rows` (the current version of each configuration beside its
   baseline) and `metric_cards` (one indicator per metric: value, unit, ▲ better / ▼ worse
   since the baseline by the metric's direction);
2. trends: `trend_figure`, one configuration's metric per day with the baseline as a band
   (the values the baseline rule lets pass) and the open alerts marked;
3. models: `model_comparison` (model × metric, coloured best to worst per metric) and
   `cost_quality_scatter` (one point per configuration, the Pareto front drawn);
4. regressions: `regressions_table`, the open alerts coloured by severity, each linking to
   its configuration's trend (a plotly table; the report writes the same rows,
   `regression_records`, as an HTML table, whose links a reader can click), and
   `regressions_chart`, their change from the reference as bars.

Every trace carries its data values (what a browser test reads back from the page's
plotly data) and a `meta` dict naming its view (`meta["view"]`) and what it shows; traces
of one model or environment say so (`meta["model"]`, `meta["environment"]`), and traces
with a point or row per configuration list them (`meta["rows"]`: [model, environment] per
point or row), so a page can filter them.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go

from benchmon_pipeline.regressions.reading import CONFIGURATION

BETTER = "#1a7f37"
WORSE = "#cf222e"
SEVERITY_COLOURS = {"ERROR": "#ffd7d5", "WARN": "#fff1c2"}
SEVERITY_BARS = {"ERROR": "#cf222e", "WARN": "#d4a72c"}
QUALITY_METRICS = ("f1_score", "f1", "accuracy", "exact_match", "acc")
# A unit from the name when metric_definitions gives none: latency_ms → ms.
NAME_UNITS = {
    "ms": "ms",
    "us": "µs",
    "ns": "ns",
    "s": "s",
    "seconds": "s",
    "usd": "USD",
    "rps": "req/s",
    "mb": "MB",
    "gb": "GB",
    "pct": "%",
    "percent": "%",
}
NAME_UNITS_WHOLE = {"requests_per_second": "req/s", "tokens_per_second": "tokens/s"}

CURRENT_COLUMNS = [
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
]

Configuration = tuple[str, str, str, str]


def configuration_of(row) -> Configuration:
    """The four parts of a configuration from a row (named tuple, Series or dict)."""
    get = row.get if isinstance(row, dict | pd.Series) else lambda name: getattr(row, name)
    return tuple(get(name) for name in CONFIGURATION)  # type: ignore[return-value]


def of_configuration(frame: pd.DataFrame, configuration: Sequence[str]) -> pd.Series:
    """A mask of `frame`'s rows that belong to `configuration`."""
    mask = pd.Series(True, index=frame.index)
    for name, value in zip(CONFIGURATION, configuration, strict=True):
        mask &= frame[name] == value
    return mask


def label(configuration: Sequence[str]) -> str:
    """model × dataset × prompt × environment (model ids may contain '/')."""
    return " × ".join(configuration)


def slug(configuration: Sequence[str]) -> str:
    """A stable HTML id fragment for a configuration: readable, and unique (a hash of the
    exact parts, since 'llama-3/8b' and 'llama-3-8b' read the same once cleaned)."""
    text = "--".join(configuration)
    readable = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def trend_anchor(configuration: Sequence[str]) -> str:
    """The id of a configuration's trend section in the report: `report.html#<this>`."""
    return f"trend-{slug(configuration)}"


def unit_of(metric: str, stored: object = None) -> str:
    """metric_definitions' unit when it has one, else the name's last word (latency_ms → ms)."""
    if isinstance(stored, str) and stored:
        return stored
    if metric in NAME_UNITS_WHOLE:
        return NAME_UNITS_WHOLE[metric]
    last = re.split(r"[_\-.]", metric.lower())[-1]
    return NAME_UNITS.get(last, "") if last != metric.lower() else ""


def quality_metric(metrics: Iterable[str], directions: dict[str, str]) -> str | None:
    """The metric a cost-vs-quality chart puts up the y axis: F1/accuracy when present, else
    the first higher-is-better metric."""
    names = sorted(set(metrics))
    for name in QUALITY_METRICS:
        if name in names:
            return name
    return next((n for n in names if directions.get(n, "higher") == "higher"), None)


def cost_metric(metrics: Iterable[str], directions: dict[str, str]) -> str | None:
    """The x axis: a metric named for cost, else one for latency/time, else none."""
    names = sorted(set(metrics))
    for word in ("cost", "latency", "time", "duration"):
        for name in names:
            if word in name.lower() and directions.get(name, "lower") == "lower":
                return name
    return None


# 1. Current metrics --------------------------------------------------------------------------


def current_rows(latest: pd.DataFrame, judged: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration and numeric metric of its current version, beside its
    baseline's value.

    `latest`: `get_latest_snapshots()`; `judged`: `get_baselines()` or
    `detect_regressions()` (the baseline's value and the metric's direction for this
    configuration: columns `baseline`, `direction`); `metrics`: `metrics()`
    (direction and unit of metrics `judged` does not cover). Columns: CURRENT_COLUMNS;
    `change` is better / worse / same by the metric's direction, NaN without a baseline.
    """
    against = {
        (*configuration_of(r), r.metric): (r.baseline, r.direction)
        for r in judged.itertuples(index=False)
    }
    # plain dicts: a DataFrame column read per metric took 250 ms at 4,000 rows
    directions = dict(zip(metrics["metric"], metrics["direction"], strict=True))
    units = dict(zip(metrics["metric"], metrics["unit"], strict=True))
    rows = []
    for row in latest.itertuples(index=False):
        config = configuration_of(row)
        for metric, value in sorted((row.metrics or {}).items()):
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            default_direction = directions.get(metric, "higher")
            baseline, direction = against.get((*config, metric), (math.nan, default_direction))
            delta = float(value) - baseline
            percent = 100 * delta / abs(baseline) if baseline else math.nan
            stored_unit = units.get(metric)
            rows.append(
                (
                    *config,
                    row.snapshot_version,
                    row.baseline_version,
                    metric,
                    float(value),
                    baseline,
                    delta,
                    percent,
                    direction,
                    unit_of(metric, stored_unit),
                    _change(delta, direction),
                )
            )
    return pd.DataFrame(rows, columns=CURRENT_COLUMNS)


def _change(delta: float, direction: str) -> str | None:
    if math.isnan(delta):
        return None
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (direction != "lower") else "worse"


def metric_cards(rows: pd.DataFrame, configuration: Sequence[str]) -> go.Figure:
    """One configuration's current metrics as indicator cards: the value with its unit and
    the change since the baseline, ▲ green when better and ▼ red when worse by the metric's
    direction. `rows`: `current_rows` (the configuration's rows are picked)."""
    config = tuple(configuration)
    mine = rows[of_configuration(rows, config)]
    figure = go.Figure()
    count = max(len(mine), 1)
    for i, row in enumerate(mine.itertuples(index=False)):
        good = {"symbol": "▲", "color": BETTER}
        bad = {"symbol": "▼", "color": WORSE}
        higher = row.direction != "lower"
        has_baseline = not math.isnan(row.baseline)
        figure.add_trace(
            go.Indicator(
                mode="number+delta" if has_baseline else "number",
                value=row.value,
                name=row.metric,
                title={
                    "text": f"{row.metric}" + (f" ({row.unit})" if row.unit else ""),
                    "font": {"size": 12},
                },
                number={
                    "suffix": f" {row.unit}" if row.unit else "",
                    "valueformat": ".4~g",
                    "font": {"size": 26},
                },
                delta={
                    "reference": row.baseline if has_baseline else None,
                    "valueformat": ".3~g",
                    "font": {"size": 14},
                    "increasing": good if higher else bad,
                    "decreasing": bad if higher else good,
                },
                domain={"x": [i / count, (i + 1) / count], "y": [0, 1]},
                meta={
                    "view": "snapshot",
                    "configuration": list(config),
                    "model": config[0],
                    "environment": config[3],
                    "metric": row.metric,
                    "unit": row.unit,
                    "baseline": None if not has_baseline else row.baseline,
                    "change": row.change,
                },
            )
        )
    figure.update_layout(
        height=150,
        margin={"l": 10, "r": 10, "t": 50, "b": 5},
        title={"text": label(config), "font": {"size": 13}},
        meta={"view": "snapshot", "configuration": list(config)},
    )
    return figure


# 2. Trends -----------------------------------------------------------------------------------


def baseline_band(
    baseline: float, abs_threshold: float | None, rel_threshold: float | None
) -> tuple[float, float]:
    """The values within the metric's thresholds of the baseline: the wider of the absolute
    and relative tolerance (the baseline rule lets a change pass while it is within either),
    both sides."""
    tolerances = [
        t
        for t in (
            abs_threshold,
            None if rel_threshold is None else rel_threshold * abs(baseline),
        )
        if t is not None and not math.isnan(t)
    ]
    tolerance = max(tolerances, default=0.0)
    return baseline - tolerance, baseline + tolerance


def trend_figure(
    series: pd.DataFrame,
    configuration: Sequence[str],
    metric: str,
    *,
    baseline: float | None = None,
    band: tuple[float, float] | None = None,
    alerts: pd.DataFrame | None = None,
    unit: str = "",
) -> go.Figure:
    """`metric` of one configuration over time: the mean per bucket (`series`: the columns
    of `get_time_series`, the configuration's rows are picked), the baseline as a line in a
    band (`band`: low, high), and the configuration's open alerts on this metric marked at
    their result's time (`alerts`: `open_alerts()` rows)."""
    config = tuple(configuration)
    mine = series[of_configuration(series, config)].sort_values("bucket_start")
    x = [t.isoformat() for t in mine["bucket_start"]]
    meta = {
        "view": "trends",
        "configuration": list(config),
        "model": config[0],
        "environment": config[3],
        "metric": metric,
    }
    figure = go.Figure()
    if baseline is not None and not math.isnan(baseline) and x:
        low, high = band or (baseline, baseline)
        span = [x[0], x[-1]] if len(x) > 1 else [x[0], x[0]]
        figure.add_trace(
            go.Scatter(
                x=span,
                y=[high, high],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name="baseline band (high)",
                meta={**meta, "role": "band-high"},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=span,
                y=[low, low],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(31, 111, 235, 0.12)",
                name="within the thresholds",
                meta={**meta, "role": "band-low"},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=span,
                y=[baseline, baseline],
                mode="lines",
                line={"dash": "dash", "color": "#1f6feb"},
                name="baseline",
                meta={**meta, "role": "baseline"},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[float(v) for v in mine["mean"]],
            mode="lines+markers",
            name=metric,
            line={"color": "#24292f"},
            customdata=[int(n) for n in mine["sample_count"]],
            hovertemplate="%{x|%Y-%m-%d}: %{y}<br>%{customdata} result(s)<extra></extra>",
            meta={**meta, "role": "values"},
        )
    )
    marked = _alerts_on(alerts, config, metric)
    if not marked.empty:
        figure.add_trace(
            go.Scatter(
                x=[_bucket_of(t, mine["bucket_start"]).isoformat() for t in marked["result_at"]],
                y=[float(v) for v in marked["current"]],
                mode="markers",
                marker={"symbol": "x", "size": 13, "color": WORSE},
                name="open alert",
                text=[
                    f"{s}: {r}" for s, r in zip(marked["severity"], marked["reason"], strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
                meta={**meta, "role": "alerts", "severity": list(marked["severity"])},
            )
        )
    figure.update_layout(
        height=260,
        margin={"l": 50, "r": 10, "t": 36, "b": 30},
        title={"text": f"{metric}" + (f" ({unit})" if unit else ""), "font": {"size": 13}},
        xaxis={"type": "date"},
        yaxis={"title": {"text": unit}} if unit else {},
        legend={"orientation": "h", "y": -0.25},
        meta=meta,
    )
    return figure


def _bucket_of(moment: pd.Timestamp, starts: pd.Series) -> pd.Timestamp:
    """The start of the bucket holding `moment` (the last start at or before it), so a mark
    sits on the line's point; `moment` itself when no bucket holds it."""
    before = starts[starts <= moment]
    return before.max() if not before.empty else moment


def _alerts_on(alerts: pd.DataFrame | None, config: tuple, metric: str) -> pd.DataFrame:
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=["result_at", "current", "severity", "reason"])
    mine = alerts[
        of_configuration(alerts, config)
        & (alerts["metric"] == metric)
        & alerts["result_at"].notna()
        & alerts["current"].notna()
    ]
    return mine


# 3. Models -----------------------------------------------------------------------------------


def model_comparison(models: pd.DataFrame, metrics: Sequence[str] | None = None) -> go.Figure:
    """Model × metric: one row per configuration of `models` (`compare_models()` rows), one
    column per metric, each cell coloured from the worst (0) to the best (1) value of its
    metric among the rows by the metric's direction, and showing the value
    (`customdata`/`text`). Rows are labelled by model, plus dataset, prompt and environment
    when they differ."""
    if metrics is not None:
        models = models[models["metric"].isin(metrics)]
    columns = sorted(models["metric"].unique()) if not models.empty else []
    keys = sorted({configuration_of(r) for r in models.itertuples(index=False)})
    varying = [i for i in range(1, 4) if len({k[i] for k in keys}) > 1]
    labels = [" · ".join([k[0], *(k[i] for i in varying)]) for k in keys]
    value = {(configuration_of(r), r.metric): r.value for r in models.itertuples(index=False)}
    direction = dict(zip(models["metric"], models["direction"], strict=False))
    values = [[value.get((k, m)) for m in columns] for k in keys]
    scores = [[None] * len(columns) for _ in keys]
    for j, metric in enumerate(columns):
        present = [row[j] for row in values if row[j] is not None]
        if not present:
            continue
        low, high = min(present), max(present)
        for i, row in enumerate(values):
            if row[j] is None:
                continue
            score = 1.0 if high == low else (row[j] - low) / (high - low)
            scores[i][j] = 1 - score if direction.get(metric) == "lower" else score
    figure = go.Figure(
        go.Heatmap(
            x=columns,
            y=labels,
            z=scores,
            customdata=values,
            text=[[_number(v) for v in row] for row in values],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
            colorscale=[[0, "#ffd7d5"], [0.5, "#f6f8fa"], [1, "#aceebb"]],
            zmin=0,
            zmax=1,
            showscale=False,
            name="model × metric",
            meta={
                "view": "models",
                "role": "comparison",
                "rows": [[k[0], k[3]] for k in keys],
                "configurations": [list(k) for k in keys],
            },
        )
    )
    figure.update_layout(
        height=max(220, 60 + 28 * len(keys)),
        margin={"l": 10, "r": 10, "t": 36, "b": 40},
        title={"text": "Models × metrics (green: best of the rows)", "font": {"size": 13}},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"side": "top"},
        meta={"view": "models", "role": "comparison"},
    )
    return figure


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both axes (lower x = cheaper, higher
    y = better), ordered by x: the cost-vs-quality trade-offs worth considering."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -math.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def cost_quality_scatter(rows: pd.DataFrame, cost: str, quality: str) -> go.Figure:
    """One point per configuration (`current_rows` rows holding both metrics): `cost` across,
    `quality` up, one trace per model, and the Pareto front as a line through the
    configurations that no other one beats on both."""
    pivot = rows[rows["metric"].isin([cost, quality])].pivot_table(
        index=CONFIGURATION, columns="metric", values="value", aggfunc="first"
    )
    pivot = pivot.dropna(subset=[c for c in (cost, quality) if c in pivot.columns])
    figure = go.Figure()
    if cost not in pivot.columns or quality not in pivot.columns:
        pivot = pivot.iloc[0:0]
    units = dict(zip(rows["metric"], rows["unit"], strict=False))
    for model, part in pivot.groupby(level="model_version", sort=True):
        keys = list(part.index)
        figure.add_trace(
            go.Scatter(
                x=[float(v) for v in part[cost]],
                y=[float(v) for v in part[quality]],
                mode="markers",
                marker={"size": 10},
                name=model,
                text=[label(k) for k in keys],
                hovertemplate=f"%{{text}}<br>{cost}: %{{x}}<br>{quality}: %{{y}}<extra></extra>",
                meta={
                    "view": "models",
                    "role": "scatter",
                    "model": model,
                    "rows": [[k[0], k[3]] for k in keys],
                    "configurations": [list(k) for k in keys],
                },
            )
        )
    if not pivot.empty:
        points = list(zip(pivot[cost].astype(float), pivot[quality].astype(float), strict=True))
        front = pareto_front(points)
        keys = list(pivot.index)
        figure.add_trace(
            go.Scatter(
                x=[points[i][0] for i in front],
                y=[points[i][1] for i in front],
                mode="lines",
                line={"shape": "hv", "color": "#8250df"},
                name="Pareto front",
                text=[label(keys[i]) for i in front],
                meta={
                    "view": "models",
                    "role": "pareto",
                    "rows": [[keys[i][0], keys[i][3]] for i in front],
                    "configurations": [list(keys[i]) for i in front],
                },
            )
        )
    cost_unit, quality_unit = units.get(cost) or "", units.get(quality) or ""
    figure.update_layout(
        height=380,
        margin={"l": 60, "r": 10, "t": 36, "b": 50},
        title={"text": f"{quality} against {cost}", "font": {"size": 13}},
        xaxis={"title": {"text": cost + (f" ({cost_unit})" if cost_unit else "")}},
        yaxis={"title": {"text": quality + (f" ({quality_unit})" if quality_unit else "")}},
        meta={"view": "models", "role": "scatter", "cost": cost, "quality": quality},
    )
    return figure


# 4. Regressions ------------------------------------------------------------------------------

REGRESSION_COLUMNS = (
    "severity",
    "rule",
    "model_version",
    "dataset_version",
    "prompt_version",
    "environment",
    "metric",
    "current",
    "reference",
    "percent",
    "commit_sha",
    "trend",
)


def regression_records(alerts: pd.DataFrame, trend_href: str = "") -> list[dict]:
    """The table's rows (the CSV a page exports): one per open alert, `trend` the link to its
    configuration's trend (`trend_href` + the anchor)."""
    records = []
    for row in alerts.itertuples(index=False):
        config = configuration_of(row)
        records.append(
            {
                "severity": row.severity,
                "rule": row.rule,
                **dict(zip(CONFIGURATION, config, strict=True)),
                "metric": row.metric,
                "current": None if math.isnan(row.current) else row.current,
                "reference": None if math.isnan(row.reference) else row.reference,
                "percent": None if math.isnan(row.percent) else round(row.percent, 2),
                "commit_sha": None if pd.isna(row.commit_sha) else row.commit_sha,
                "trend": f"{trend_href}#{trend_anchor(config)}",
            }
        )
    return records


def regressions_table(alerts: pd.DataFrame, trend_href: str = "") -> go.Figure:
    """The open alerts (`open_alerts()` rows) as a table, each row coloured by its severity
    and linking to its configuration's trend (`trend_href` is the page holding the trends;
    '' for the same page)."""
    records = regression_records(alerts, trend_href)
    colours = [SEVERITY_COLOURS.get(r["severity"], "white") for r in records]
    shown = [
        [_cell(r[c]) if c != "trend" else f'<a href="{r[c]}">trend</a>' for r in records]
        for c in REGRESSION_COLUMNS
    ]
    figure = go.Figure(
        go.Table(
            header={
                "values": [f"<b>{c}</b>" for c in REGRESSION_COLUMNS],
                "fill": {"color": "#f6f8fa"},
                "align": "left",
            },
            cells={
                "values": shown,
                "fill": {"color": [colours] * len(REGRESSION_COLUMNS)},
                "align": "left",
                "height": 26,
            },
            columnwidth=[6, 7, 11, 12, 10, 8, 9, 7, 7, 6, 8, 9],
            name="open regressions",
            meta={
                "view": "regressions",
                "role": "table",
                "columns": list(REGRESSION_COLUMNS),
                "rows": [[r["model_version"], r["environment"]] for r in records],
                "records": records,
            },
        )
    )
    figure.update_layout(
        height=max(160, 70 + 28 * len(records)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        meta={"view": "regressions", "role": "table"},
    )
    return figure


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def regressions_chart(alerts: pd.DataFrame) -> go.Figure:
    """The open alerts (`open_alerts()` rows) as bars of their change from the reference in
    percent, coloured by severity; `customdata` holds [current, reference] and
    `meta["records"]` each bar's `regression_records` row."""
    records = regression_records(alerts)
    labels = [
        f"{r['model_version']} · {r['dataset_version']} · {r['environment']} · {r['metric']}"
        for r in records
    ]
    figure = go.Figure(
        go.Bar(
            x=[r["percent"] for r in records],
            y=labels,
            orientation="h",
            marker={"color": [SEVERITY_BARS.get(r["severity"], "#8c959f") for r in records]},
            customdata=[[r["current"], r["reference"]] for r in records],
            hovertemplate="%{y}<br>%{x}%: %{customdata[0]} against %{customdata[1]}<extra></extra>",
            name="open regressions",
            meta={
                "view": "regressions",
                "role": "bars",
                "rows": [[r["model_version"], r["environment"]] for r in records],
                "records": records,
            },
        )
    )
    figure.update_layout(
        height=max(160, 80 + 26 * len(records)),
        margin={"l": 10, "r": 10, "t": 36, "b": 40},
        title={"text": "Change from the reference (%)", "font": {"size": 13}},
        yaxis={"autorange": "reversed", "automargin": True},
        meta={"view": "regressions", "role": "bars"},
    )
    return figure
