"""The HTML report in headless Chromium, opened from disk (file://, no server, no network):
built from the seeded history, each of the four views draws the seeded values; the
filter restyles the charts; the CSV export holds exactly the rows the filter keeps; a
table row's link opens its trend; an empty database gives the empty state. Each view is
screenshotted (test-artifacts/screenshots/report-<view>.png)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.reports import figures
from benchmon_pipeline.reports.report import write_report
from benchmon_pipeline_tests.browser.conftest import SCREENSHOTS
from benchmon_pipeline_tests.seeded_history import (
    EXPECTED_ALERTS,
    ML_MODELS,
    REGRESSED,
    SLOWER,
    seed_history,
)

pytestmark = pytest.mark.browser

VIEWS = ("snapshot", "trends", "models", "regressions")
BOUND_MS = 60_000  # unpacking plotly.js and drawing every chart; far more than it takes

# Every chart's traces as the page holds them (plotly's own `data` of each graph div).
READ_CHARTS = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(gd => ({
    view: gd.closest('section').id,
    trend: gd.closest('.trend') ? gd.closest('.trend').id : null,
    hidden: gd.closest('[hidden]') !== null,
    traces: gd.data.map(t => ({
        type: t.type, name: t.name, meta: t.meta, x: t.x, y: t.y, value: t.value,
        visible: t.visible, reference: t.delta ? t.delta.reference : null,
        customdata: t.customdata, cells: t.cells ? t.cells.values : null,
    })),
}))"""


@pytest.fixture
def seeded_report(db, db_url, tmp_path):
    history = seed_history(db)
    with BenchmarkDataAccess.connect(db_url) as api:
        summary = write_report(api, tmp_path / "reports" / "dashboard.html")
    return history, summary


def open_report(watched_page, path: Path):
    page = watched_page.page
    page.goto(path.resolve().as_uri())
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=BOUND_MS)
    assert page.evaluate("document.body.dataset.ready") == "true", watched_page.errors
    return page


def charts(page, view: str | None = None) -> list[dict]:
    found = page.evaluate(READ_CHARTS)
    return [c for c in found if view is None or c["view"] == f"view-{view}"]


def traces(found: list[dict], **wanted) -> list[dict]:
    return [
        t
        for chart in found
        for t in chart["traces"]
        if all((t["meta"] or {}).get(k) == v for k, v in wanted.items())
    ]


def table_rows(page) -> list[dict]:
    """The regressions table's rows the filter keeps, as their records."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#regressions-table tbody tr'))
            .filter(tr => !tr.hidden).map(tr => JSON.parse(tr.dataset.record))"""
    )


def choose(page, select: str, value: str) -> None:
    page.select_option(f"#filter-{select}", value)
    environment = page.eval_on_selector("#filter-environment", "e => e.value")
    model = page.eval_on_selector("#filter-model", "e => e.value")
    page.wait_for_function(
        "key => document.body.dataset.filtered === key", arg=f"{environment}|{model}"
    )


def test_each_view_draws_the_seeded_values(watched_page, seeded_report):
    history, summary = seeded_report
    page = open_report(watched_page, summary.path)
    assert watched_page.errors == []
    assert summary.bytes < 5_000_000

    # 1. current metrics: a card per metric, its value and the baseline it is compared to
    cards = traces(charts(page, "snapshot"), view="snapshot", configuration=list(REGRESSED))
    assert {c["name"] for c in cards} == set(history.latest(REGRESSED))
    for card in cards:
        assert card["value"] == history.latest(REGRESSED)[card["name"]]
        assert card["reference"] == history.baseline(REGRESSED)[card["name"]]
    assert {c["meta"]["change"] for c in cards if c["name"] in ("f1_score", "recall")} == {"worse"}

    # 2. trends: the configuration's section, every day's value, the alert marked
    trend = [c for c in charts(page, "trends") if c["trend"] == figures.trend_anchor(REGRESSED)]
    (values,) = traces(trend, role="values", metric="f1_score")
    assert values["y"] == [day["f1_score"] for day in history.results[REGRESSED]]
    (alert,) = traces(trend, role="alerts", metric="f1_score")
    assert alert["y"] == [history.latest(REGRESSED)["f1_score"]]
    (baseline,) = traces(trend, role="baseline", metric="f1_score")
    assert baseline["y"] == [history.baseline(REGRESSED)["f1_score"]] * 2

    # 3. models: the comparison's cells and the scatter's points are the current values
    found = charts(page, "models")
    comparisons = traces(found, role="comparison")
    assert len(comparisons) == 4  # the ML groups: 2 datasets × 2 environments, 3 models each
    for heatmap in comparisons:
        assert sorted(r[0] for r in heatmap["meta"]["rows"]) == sorted(ML_MODELS)
        column = heatmap["x"].index("f1_score")
        for config, row in zip(
            heatmap["meta"]["configurations"], heatmap["customdata"], strict=True
        ):
            assert row[column] == history.latest(tuple(config))["f1_score"]
    points = traces(found, role="scatter")
    assert {p["meta"]["model"] for p in points} == set(ML_MODELS)
    for trace in points:
        for config, x, y in zip(
            trace["meta"]["configurations"], trace["x"], trace["y"], strict=True
        ):
            assert [x, y] == [history.latest(tuple(config))[m] for m in ("cost_usd", "f1_score")]
    assert traces(found, role="pareto")

    # 4. regressions: a bar per open alert (current and reference values) and the table's
    # rows, coloured by severity, each linking to its trend
    (bars,) = traces(charts(page, "regressions"), role="bars")
    for record, (current, reference) in zip(
        bars["meta"]["records"], bars["customdata"], strict=True
    ):
        config = tuple(record[p] for p in figures.CONFIGURATION)
        assert current == history.latest(config)[record["metric"]]
        assert reference == history.baseline(config)[record["metric"]]
    rows = table_rows(page)
    assert (
        sorted(
            (tuple(r[p] for p in figures.CONFIGURATION), r["metric"], r["severity"]) for r in rows
        )
        == EXPECTED_ALERTS
    )
    assert page.locator("#regressions-table tr.severity-warn").count() == len(EXPECTED_ALERTS)

    for view in VIEWS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(f"#view-{view}").screenshot(path=str(SCREENSHOTS / f"report-{view}.png"))
    watched_page.screenshot("report-full")

    page.locator("#regressions-table a").first.click()
    page.wait_for_function("location.hash.startsWith('#trend-')")
    anchor = page.evaluate("location.hash.slice(1)")
    assert anchor in {figures.trend_anchor(config) for config, _, _ in EXPECTED_ALERTS}
    assert page.locator(f"#{anchor}").is_visible()
    assert watched_page.errors == []


def read_download(page, button: str = "#download-regressions") -> list[dict]:
    with page.expect_download() as waiting:
        page.click(button)
    download = waiting.value
    assert download.suggested_filename == "benchmon-regressions.csv"
    return list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))


def test_filters_restyle_the_charts_and_the_csv_keeps_their_rows(watched_page, seeded_report):
    history, summary = seeded_report
    page = open_report(watched_page, summary.path)
    everything = read_download(page)
    assert sorted(
        (r["model_version"], r["environment"], r["metric"]) for r in everything
    ) == sorted((config[0], config[3], metric) for config, metric, _ in EXPECTED_ALERTS)

    choose(page, "environment", "staging")
    found = charts(page)
    (bars,) = traces(found, role="bars")
    assert [r["metric"] for r in bars["meta"]["records"]] == ["latency_ms"]
    assert bars["customdata"] == [[history.latest(SLOWER)["latency_ms"], 375.0]]
    assert [r["environment"] for r in table_rows(page)] == ["staging"]
    staging = read_download(page)
    assert [(r["model_version"], r["dataset_version"], r["metric"]) for r in staging] == [
        (SLOWER[0], SLOWER[1], "latency_ms")
    ]
    assert float(staging[0]["current"]) == history.latest(SLOWER)["latency_ms"]
    shown = {c["trend"] for c in found if c["trend"] and not c["hidden"]}
    assert figures.trend_anchor(SLOWER) in shown
    assert figures.trend_anchor(REGRESSED) not in shown  # production: hidden
    visible_comparisons = [
        c
        for c in found
        if c["view"] == "view-models" and not c["hidden"] and traces([c], role="comparison")
    ]
    assert len(visible_comparisons) == 2  # the two staging groups

    choose(page, "environment", "")
    choose(page, "model", "qwen2.5-7b")
    found = charts(page, "models")
    for heatmap in traces(found, role="comparison"):
        assert [r[0] for r in heatmap["meta"]["rows"]] == ["qwen2.5-7b"]
        assert len(heatmap["customdata"]) == 1
    scatter = {p["meta"]["model"]: p for p in traces(found, role="scatter")}
    assert len(scatter["qwen2.5-7b"]["x"]) == 4 and scatter["llama-3/8b"]["x"] == []
    assert read_download(page) == []  # no open alert for qwen: the header only
    assert watched_page.errors == []


def test_empty_database_shows_how_to_send_the_first_result(watched_page, db_url, tmp_path):
    with BenchmarkDataAccess.connect(db_url) as api:
        summary = write_report(api, tmp_path / "dashboard.html")
    assert summary.configurations == 0
    page = watched_page.page
    page.goto(summary.path.resolve().as_uri())
    empty = page.locator("#empty-state")
    assert empty.is_visible()
    assert "No results yet" in empty.inner_text()
    assert "benchmon push results.json" in empty.inner_text()
    assert "inbox/" in empty.inner_text()
    assert page.evaluate("document.querySelectorAll('.plotly-graph-div').length") == 0
    watched_page.screenshot("report-empty")
    assert watched_page.errors == []
