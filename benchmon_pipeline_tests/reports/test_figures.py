"""The four views' figures built from the seeded history through the data-access API: each
figure's traces hold the seeded values, and the pure helpers (units, Pareto front, band,
slugs) on their own."""

from __future__ import annotations

import pytest

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.reports import figures
from benchmon_pipeline_tests.seeded_history import (
    DAYS,
    EXPECTED_ALERTS,
    ML_MODELS,
    REGRESSED,
    seed_history,
)


@pytest.fixture
def seeded(db, db_url):
    history = seed_history(db)
    with BenchmarkDataAccess.connect(db_url) as api:
        yield history, api


def traces(figure, **wanted):
    return [t for t in figure.data if all(t.meta.get(k) == v for k, v in wanted.items())]


def test_seeded_history_is_what_it_says(seeded):
    history, api = seeded
    latest = api.get_latest_snapshots()
    assert len(latest) == len(history.configurations) == 14
    assert set(latest.model_version) == {*ML_MODELS, "benchmon-api"}
    assert set(latest.environment) == {"production", "staging", "ci"}
    assert (latest.snapshot_version == DAYS).all() and (latest.baseline_version == 1).all()
    assert len(api.get_transactions(limit=None)) == DAYS * 14
    assert history.alerts == EXPECTED_ALERTS


def test_metric_cards_show_value_unit_and_change_by_direction(seeded):
    history, api = seeded
    rows = figures.current_rows(api.get_latest_snapshots(), api.detect_regressions(), api.metrics())
    cards = figures.metric_cards(rows, REGRESSED)
    shown = {t.name: t for t in cards.data}
    assert set(shown) == set(history.latest(REGRESSED))
    for metric, value in history.latest(REGRESSED).items():
        card = shown[metric]
        assert card.value == value
        assert card.delta.reference == history.baseline(REGRESSED)[metric]
    f1 = shown["f1_score"]
    assert f1.meta["change"] == "worse" and f1.delta.decreasing.symbol == "▼"
    latency = shown["latency_ms"]  # lower is better: a drop is shown ▲ in green
    assert latency.number.suffix == " ms" and latency.delta.decreasing.symbol == "▲"
    assert latency.meta["change"] == "worse"  # 304 ms now against 300 ms at the baseline
    assert shown["cost_usd"].meta["unit"] == "USD" and shown["cost_usd"].meta["change"] == "same"


def test_trend_figure_has_the_days_the_band_and_the_alert(seeded):
    history, api = seeded
    series = api.get_time_series(REGRESSED[0], "f1_score", days_back=10)
    baseline = history.baseline(REGRESSED)["f1_score"]
    band = figures.baseline_band(baseline, 0.05, 0.05)
    figure = figures.trend_figure(
        series, REGRESSED, "f1_score", baseline=baseline, band=band, alerts=api.open_alerts()
    )
    (values,) = traces(figure, role="values")
    assert list(values.y) == [r["f1_score"] for r in history.results[REGRESSED]]
    (low,) = traces(figure, role="band-low")
    assert list(low.y) == [pytest.approx(baseline - 0.05)] * 2
    (alerts,) = traces(figure, role="alerts")
    assert list(alerts.y) == [history.latest(REGRESSED)["f1_score"]]
    assert alerts.x[0] == values.x[-1]  # on the day of the result it is about
    quiet = figures.trend_figure(series, (REGRESSED[0], *REGRESSED[1:3], "staging"), "f1_score")
    assert traces(quiet, role="alerts") == [] and len(traces(quiet, role="values")[0].y) == DAYS


def test_model_comparison_and_cost_quality(seeded):
    history, api = seeded
    compared = api.compare_models(
        list(ML_MODELS), environment="production", dataset_version="medqa-v2"
    )
    figure = figures.model_comparison(compared)
    (heatmap,) = figure.data
    assert list(heatmap.y) == sorted(ML_MODELS)
    column = list(heatmap.x).index("f1_score")
    for i, config in enumerate(heatmap.meta["configurations"]):
        assert heatmap.customdata[i][column] == history.latest(tuple(config))["f1_score"]
    best = max(range(3), key=lambda i: heatmap.customdata[i][column])
    assert heatmap.z[best][column] == 1.0
    latency = list(heatmap.x).index("latency_ms")  # lower is better: the fastest scores 1
    fastest = min(range(3), key=lambda i: heatmap.customdata[i][latency])
    assert heatmap.z[fastest][latency] == 1.0

    rows = figures.current_rows(api.get_latest_snapshots(), api.detect_regressions(), api.metrics())
    directions = dict(zip(rows.metric, rows.direction, strict=False))
    cost = figures.cost_metric(rows.metric, directions)
    quality = figures.quality_metric(rows.metric, directions)
    assert (cost, quality) == ("cost_usd", "f1_score")
    scatter = figures.cost_quality_scatter(rows, cost, quality)
    by_model = {t.name: t for t in traces(scatter, role="scatter")}
    assert set(by_model) == set(ML_MODELS)
    for model, trace in by_model.items():
        assert {config[0] for config in trace.meta["configurations"]} == {model}
        for config, x, y in zip(trace.meta["configurations"], trace.x, trace.y, strict=True):
            assert (x, y) == (
                history.latest(tuple(config))["cost_usd"],
                history.latest(tuple(config))["f1_score"],
            )
    (front,) = traces(scatter, role="pareto")
    assert list(front.x) == sorted(front.x) and list(front.y) == sorted(front.y)


def test_regressions_table_rows_colours_and_links(seeded):
    history, api = seeded
    figure = figures.regressions_table(api.open_alerts(), "dashboard.html")
    (table,) = figure.data
    columns = list(table.meta["columns"])
    assert [r["metric"] for r in table.meta["records"]] == list(
        table.cells.values[columns.index("metric")]
    )
    assert len(table.cells.values[0]) == len(EXPECTED_ALERTS)
    assert set(table.cells.fill.color[0]) == {figures.SEVERITY_COLOURS["WARN"]}
    links = table.cells.values[columns.index("trend")]
    assert f'href="dashboard.html#{figures.trend_anchor(REGRESSED)}"' in " ".join(links)
    for record in table.meta["records"]:
        config = tuple(record[name] for name in figures.CONFIGURATION)
        assert (config, record["metric"], record["severity"]) in EXPECTED_ALERTS
        assert record["current"] == history.latest(config)[record["metric"]]
        assert record["reference"] == history.baseline(config)[record["metric"]]


def test_helpers():
    assert figures.unit_of("latency_ms") == "ms"
    assert figures.unit_of("cost_usd") == "USD"
    assert figures.unit_of("f1_score") == ""
    assert figures.unit_of("latency_ms", "milliseconds") == "milliseconds"
    assert figures.unit_of("requests_per_second") == "req/s"
    assert figures.pareto_front([(1, 0.5), (2, 0.9), (2, 0.4), (3, 0.8), (0.5, 0.1)]) == [4, 0, 1]
    assert figures.baseline_band(0.9, 0.05, 0.1) == (pytest.approx(0.81), pytest.approx(0.99))
    assert figures.baseline_band(10, None, None) == (10, 10)
    a = figures.slug(("llama-3/8b", "d", "p", "e"))
    b = figures.slug(("llama-3-8b", "d", "p", "e"))
    assert a != b and a.startswith("llama-3-8b-d-p-e-")
    assert figures.trend_anchor(("m", "d", "p", "e")).startswith("trend-m-d-p-e-")
