"""The interactive dashboard: `benchmon dashboard` serves this script with Streamlit
(docs/dashboard.md, "The interactive dashboard").

Four tabs — the current snapshot, trends, models side by side, regressions — over the
sidebar's filters (environment, time range, models, branch) and a regression threshold.
Every filter, the open tab and the trend's metric and dataset are URL query parameters
(`bind="query-params"`), so a URL such as `?tab=Trends&model=m&dataset=d&metric=f1`
opens one configuration's trend. Only the open tab's content runs.

Read-only: it reads through `BenchmarkDataAccess` (a read-only session), so a login
granted only benchmon_reader is enough. Answers are kept by `st.cache_data` for
CACHE_SECONDS, shared by every viewer; what each tab shows is computed by
reports/views.py, which the tests and benchmarks/bench_dashboard.py call the same way.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.reports import figures, views

CACHE_SECONDS = 30
MAX_CHARTS = 12  # per tab: more is a wall no one reads (the tables hold every row)
ALL = "(all)"
NO_BRANCH = "(none named)"


@st.cache_resource(show_spinner=False)
def _api() -> BenchmarkDataAccess:
    """One read-only connection for the server (psycopg serializes its use across
    sessions); its own cache is off, st.cache_data keeps the answers."""
    return BenchmarkDataAccess.connect(cache_ttl=0)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _metrics() -> pd.DataFrame:
    """The metrics with their directions, units and thresholds: the sidebar's list and the
    Trends tab's units and bands, asked once."""
    return _api().metrics()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _choices(days: int) -> dict[str, list[str]]:
    api = _api()
    branches = api.get_performance_trends(days_back=days)["branch_name"]
    return {
        "environment": sorted(api.environments()["environment"]),
        "model": sorted(api.models()["model_version"]),
        "dataset": sorted(api.datasets()["dataset_version"]),
        "metric": sorted(_metrics()["metric"]),
        "branch": sorted(branches.dropna().unique())
        + ([NO_BRANCH] if branches.isna().any() else []),
    }


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _snapshot(filters: views.Filters) -> pd.DataFrame:
    return views.snapshot(_api(), filters)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _trends(filters: views.Filters, metric: str, dataset: str | None) -> views.Trends:
    return views.trends(_api(), filters, metric, dataset, known=_metrics())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _models(filters: views.Filters) -> pd.DataFrame:
    return views.models(_api(), filters)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _regressions(filters: views.Filters) -> pd.DataFrame:
    return views.regressions(_api(), filters)


def _empty_state() -> None:
    st.title("benchmon")
    st.info(
        "No results yet. Drop a result file into the `inbox/` folder that `benchmon dev` "
        "watches (in `$BENCHMON_INBOX_ROOT`, by default the folder it started in), or "
        "store one from CI or a laptop with `benchmon push --input results.json` (formats: "
        f"docs/formats.md). This page shows them within {CACHE_SECONDS} s of a reload.",
        icon="📭",
    )


def _sidebar(choices: dict[str, list[str]]) -> views.Filters:
    bar = st.sidebar
    bar.header("Filters")
    environment = bar.selectbox(
        "Environment", [ALL, *choices["environment"]], key="environment", bind="query-params"
    )
    days = bar.selectbox(
        "Time range", list(views.DAY_RANGES), index=1, key="range", bind="query-params"
    )
    models = bar.multiselect(
        "Models",
        choices["model"],
        key="model",
        bind="query-params",
        placeholder="every model",
    )
    branch = bar.selectbox(
        "Branch (trends)", [ALL, *choices["branch"]], key="branch", bind="query-params"
    )
    threshold = bar.number_input(
        "Regression threshold",
        min_value=0.0,
        value=None,
        step=0.01,
        format="%.4f",
        key="threshold",
        bind="query-params",
        placeholder="each metric's stored thresholds",
        help="An absolute worsening, in each metric's own units (0.05 = 0.05 F1 points), "
        "for every metric; empty: each metric's stored thresholds (docs/regressions.md).",
    )
    return views.Filters(
        environment=None if environment == ALL else environment,
        models=tuple(models),
        branch=None if branch == ALL else ("" if branch == NO_BRANCH else branch),
        days=views.DAY_RANGES[days],
        threshold=threshold,
    )


def _table(data: pd.DataFrame, name: str) -> None:
    """The rows a tab shows, and the same rows as a CSV download."""
    st.dataframe(data, hide_index=True, width="stretch")
    _download(data, name)


def _download(data: pd.DataFrame, name: str) -> None:
    st.download_button(
        f"Download CSV ({len(data)} rows)",
        data.to_csv(index=False).encode(),
        file_name=f"benchmon-{name}.csv",
        mime="text/csv",
        key=f"csv-{name}",
        on_click="ignore",
    )


def _tab_from_any_case() -> None:
    """`?tab=trends` opens the Trends tab too (the bound parameter itself wants the label)."""
    asked = st.query_params.get("tab", "")
    label = {tab.lower(): tab for tab in views.TABS}.get(asked.lower())
    if label and label != asked and "tab" not in st.session_state:
        st.session_state["tab"] = label


def _chart(figure, key: str) -> None:
    st.plotly_chart(figure, key=key, theme=None, config={"displaylogo": False})


def _at_most(configurations: list, what: str) -> list:
    if len(configurations) > MAX_CHARTS:
        st.caption(
            f"The first {MAX_CHARTS} of {len(configurations)} {what}; narrow the filters "
            "for the others (the table below holds them all)."
        )
    return configurations[:MAX_CHARTS]


def _snapshot_tab(filters: views.Filters) -> None:
    rows = _snapshot(filters)
    st.caption(
        "The current version of each configuration; ▲ better / ▼ worse than its baseline "
        "by the metric's direction."
    )
    configurations = sorted({figures.configuration_of(r) for r in rows.itertuples()})
    for i, config in enumerate(_at_most(configurations, "configurations")):
        _chart(figures.metric_cards(rows, config), f"cards-{i}")
    _table(rows, "snapshot")


def _trends_tab(filters: views.Filters, choices: dict[str, list[str]]) -> None:
    left, right = st.columns(2)
    quality = figures.quality_metric(choices["metric"], {}) or choices["metric"][0]
    metric = left.selectbox(
        "Metric",
        choices["metric"],
        index=choices["metric"].index(quality),
        key="metric",
        bind="query-params",
    )
    dataset = right.selectbox(
        "Dataset", [ALL, *choices["dataset"]], key="dataset", bind="query-params"
    )
    data = _trends(filters, metric, None if dataset == ALL else dataset)
    if not filters.models and data.models:
        st.caption(
            f"The trends of {data.models[0]}, the first model by name with {metric}: choose "
            "models in the sidebar for others."
        )
    known = data.metrics.set_index("metric")
    unit = figures.unit_of(metric, known["unit"].get(metric))
    baselines = {
        figures.configuration_of(r): r.baseline for r in data.baselines.itertuples(index=False)
    }
    if filters.threshold is not None:
        tolerance = (filters.threshold, None)
    else:
        tolerance = (known["abs_threshold"].get(metric), known["rel_threshold"].get(metric))
    configurations = sorted({figures.configuration_of(r) for r in data.series.itertuples()})
    if not configurations:
        st.info(f"No {metric} results in these filters' {filters.days} days.")
    for i, config in enumerate(_at_most(configurations, "configurations")):
        baseline = baselines.get(config)
        band = None
        if baseline is not None and not pd.isna(baseline):
            band = figures.baseline_band(baseline, *tolerance)
        figure = figures.trend_figure(
            data.series,
            config,
            metric,
            baseline=baseline,
            band=band,
            alerts=data.alerts,
            unit=unit,
        )
        figure.update_layout(title={"text": figures.label(config)})
        _chart(figure, f"trend-{i}")
    _table(data.series, "trends")


def _models_tab(filters: views.Filters) -> None:
    rows = _models(filters)
    _chart(figures.model_comparison(rows), "comparison")
    current = _snapshot(filters)
    directions = dict(zip(current["metric"], current["direction"], strict=False))
    cost = figures.cost_metric(current["metric"], directions)
    quality = figures.quality_metric(current["metric"], directions)
    if cost and quality:
        _chart(figures.cost_quality_scatter(current, cost, quality), "cost-quality")
    _table(rows, "models")


def _without_trend_links(figure):
    """The shared table links each row to the report's trend anchors, which this page has
    not: its own table below links to the trend tab instead, so the column goes."""
    table = figure.data[0]
    keep = [i for i, name in enumerate(figures.REGRESSION_COLUMNS) if name != "trend"]
    table.header.values = [table.header.values[i] for i in keep]
    table.cells.values = [table.cells.values[i] for i in keep]
    if table.cells.fill.color is not None:
        table.cells.fill.color = [table.cells.fill.color[i] for i in keep]
    if table.columnwidth is not None:
        table.columnwidth = [table.columnwidth[i] for i in keep]
    return figure


def _regressions_tab(filters: views.Filters) -> None:
    found = _regressions(filters)
    judged_by = (
        f"an absolute threshold of {filters.threshold:g}"
        if filters.threshold is not None
        else "each metric's stored thresholds"
    )
    st.caption(
        f"The current version of each configuration against its baseline, by {judged_by} "
        "(the sidebar's threshold changes it)."
    )
    if found.empty:
        st.success("No regression against the baselines.")
    else:
        _chart(
            _without_trend_links(figures.regressions_table(views.alert_rows(found))), "regressions"
        )
    st.dataframe(
        found[["trend", *(c for c in found.columns if c != "trend")]],
        hide_index=True,
        width="stretch",
        column_config={"trend": st.column_config.LinkColumn("trend", display_text="trend")},
    )
    _download(found, "regressions")


def main() -> None:
    st.set_page_config(page_title="benchmon dashboard", page_icon="📈", layout="wide")
    choices = _choices(views.DAY_RANGES.get(st.query_params.get("range", ""), 30))
    if not choices["model"]:
        _empty_state()
        return
    filters = _sidebar(choices)
    st.title("benchmon")
    _tab_from_any_case()
    snapshot, trends, models, regressions = st.tabs(
        list(views.TABS), key="tab", bind="query-params"
    )
    if snapshot.open:
        with snapshot:
            _snapshot_tab(filters)
    if trends.open:
        with trends:
            _trends_tab(filters, choices)
    if models.open:
        with models:
            _models_tab(filters)
    if regressions.open:
        with regressions:
            _regressions_tab(filters)


if __name__ == "__main__":  # `streamlit run` runs the script as __main__
    main()
