"""`benchmon dashboard` in headless Chromium, as a user meets it: the real command (a
subprocess serving the real Streamlit app) on the seeded history, logged in as a role
granted only benchmon_reader. Each tab draws the seeded values (read back from the page's
plotly data), a filter changes the charts, the CSV download is exactly the filtered rows,
the threshold re-judges, a deep link opens one configuration's trend, and an empty
database shows how to add results. One server per database for the module."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db.urls import with_database
from benchmon_pipeline_tests.conftest import TEMPLATE_DB
from benchmon_pipeline_tests.db.logins import login_url
from benchmon_pipeline_tests.e2e.devserver import free_port, wait_for
from benchmon_pipeline_tests.seeded_history import (
    ML_DATASETS,
    ML_MODELS,
    PROMPT,
    REGRESSED,
    SeededHistory,
    seed_history,
)

pytestmark = pytest.mark.browser

LOAD_SECONDS = 60_000  # Playwright's bound (ms) on a page's first run on a loaded machine
PARTS = ("model_version", "dataset_version", "prompt_version", "environment")
LOWER_IS_BETTER = {"latency_ms", "p99_latency_ms", "cost_usd"}  # by the name rule
STAGING_LLAMA = [("llama-3/8b", d, PROMPT, "staging") for d in ML_DATASETS]

# The traces of every plotly chart on the page, with what a test compares: plotly keeps the
# figure it was given as each chart element's `.data`.
TRACES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(el =>
  (el.data || []).map(t => ({type: t.type, name: t.name, meta: t.meta || {}, x: t.x, y: t.y,
    value: t.value, delta: t.delta, customdata: t.customdata, cells: t.cells})))"""


class Dashboard:
    """`benchmon dashboard --port N` as a subprocess, its output in a log file."""

    def __init__(self, url: str, log: Path):
        self.port = free_port()
        self.log = log
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_", "CI"))
        }
        env["BENCHMON_DATABASE_URL"] = url
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmon_pipeline.cli", "dashboard", "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._serving, 90, f"the dashboard on {self.url} (log: {log})", every=0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serving(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"benchmon dashboard exited early:\n{self.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:  # noqa: S310 (loopback)
                return answer.status == 200 and "dashboard: " in self.log.read_text()
        except OSError:
            return False

    def stop(self) -> int:
        """Ctrl-C, as a user would; the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError("benchmon dashboard did not stop on SIGINT") from None


def _database(pg_server_url: str) -> tuple[str, str]:
    name = f"bm_dash_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE_DB)
            )
        )
    return with_database(pg_server_url, name), name


def _drop(pg_server_url: str, name: str) -> None:
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _serve(pg_server_url: str, log: Path, seed: bool) -> Iterator[tuple[Dashboard, object]]:
    """A fresh database (seeded or not) served to a login granted only benchmon_reader;
    the server stopped by Ctrl-C (exit 0) and the database dropped afterwards."""
    url, name = _database(pg_server_url)
    try:
        history = None
        if seed:
            with psycopg.connect(url, autocommit=True) as conn:
                history = seed_history(conn)
        with login_url(url, "benchmon_reader") as reader:
            server = Dashboard(reader, log)
            try:
                yield server, history
            finally:
                assert server.stop() == 0, server.log.read_text()
    finally:
        _drop(pg_server_url, name)


@pytest.fixture(scope="module")
def seeded(
    pg_server_url, template_url, tmp_path_factory
) -> Iterator[tuple[Dashboard, SeededHistory]]:
    log = tmp_path_factory.mktemp("dashboard") / "seeded.log"
    yield from _serve(pg_server_url, log, seed=True)


@pytest.fixture(scope="module")
def empty(pg_server_url, template_url, tmp_path_factory) -> Iterator[tuple[Dashboard, None]]:
    log = tmp_path_factory.mktemp("dashboard") / "empty.log"
    yield from _serve(pg_server_url, log, seed=False)


def _open(watched, server: Dashboard, **query: str | list[str]) -> None:
    address = server.url + ("/?" + urlencode(query, doseq=True) if query else "/")
    watched.page.goto(address)


def _traces(page, view: str, timeout: float = LOAD_SECONDS, until: str = "true") -> list[dict]:
    """The traces of the page's charts of `view` once at least one is drawn and the
    JavaScript condition `until` (over `traces`) holds: Streamlit replaces a tab's charts
    when a rerun ends, so the page is polled, never slept on."""
    page.wait_for_function(
        f"""() => {{
          const traces = ({TRACES})().filter(t => t.meta.view === {view!r});
          return traces.length > 0 && ({until});
        }}""",
        timeout=timeout,
    )
    return [t for t in page.evaluate(TRACES) if t["meta"].get("view") == view]


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _configuration(trace: dict) -> tuple[str, ...]:
    return tuple(trace["meta"]["configuration"])


def _download(page, tab_panel_text: str = "Download CSV") -> list[dict]:
    with page.expect_download() as info:
        page.get_by_role("button", name=tab_panel_text).click()
    return list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))


def test_each_tab_draws_the_seeded_values(seeded, watched_page):
    server, history = seeded
    page = watched_page.page
    _open(watched_page, server)

    cards = _traces(page, "snapshot", until="traces.some(t => t.type === 'indicator')")
    f1 = next(
        t for t in cards if _configuration(t) == REGRESSED and t["meta"]["metric"] == "f1_score"
    )
    assert f1["value"] == history.latest(REGRESSED)["f1_score"]
    assert f1["delta"]["reference"] == history.baseline(REGRESSED)["f1_score"]
    assert f1["meta"]["change"] == "worse"
    watched_page.screenshot("dashboard-snapshot")

    _tab(page, "Trends")
    lines = _traces(page, "trends", until="traces.some(t => t.meta.role === 'values')")
    values = [t for t in lines if t["meta"]["role"] == "values"]
    assert values, "a trend line"
    for line in values:
        config, metric = _configuration(line), line["meta"]["metric"]
        assert line["y"] == [day[metric] for day in history.results[config]], config
    watched_page.screenshot("dashboard-trends")

    _tab(page, "Models")
    models = _traces(page, "models", until="traces.some(t => t.meta.role === 'scatter')")
    (heatmap,) = [t for t in models if t["meta"]["role"] == "comparison"]
    metrics = heatmap["x"] if isinstance(heatmap["x"], list) else None
    for config, row in zip(heatmap["meta"]["configurations"], heatmap["customdata"], strict=True):
        latest = history.latest(tuple(config))
        shown = {m: v for m, v in zip(metrics, row, strict=True) if v is not None}
        assert shown == latest, config
    points = {
        tuple(c): (x, y)
        for t in models
        if t["meta"]["role"] == "scatter"
        for c, x, y in zip(t["meta"]["configurations"], t["x"], t["y"], strict=True)
    }
    ml = {c for c in history.configurations if c[0] in ML_MODELS}
    assert points == {c: (history.latest(c)["cost_usd"], history.latest(c)["f1_score"]) for c in ml}
    watched_page.screenshot("dashboard-models")

    _tab(page, "Regressions")
    (table,) = _traces(page, "regressions")
    found = {
        (
            r["model_version"],
            r["dataset_version"],
            r["prompt_version"],
            r["environment"],
            r["metric"],
            r["severity"],
            r["current"],
            r["reference"],
        )
        for r in table["meta"]["records"]
    }
    assert found == {
        (
            *config,
            metric,
            severity,
            history.latest(config)[metric],
            history.baseline(config)[metric],
        )
        for config, metric, severity in history.alerts
    }
    watched_page.screenshot("dashboard-regressions")
    assert watched_page.errors == []


def test_a_filter_change_changes_the_charts(seeded, watched_page):
    server, history = seeded
    page = watched_page.page
    _open(watched_page, server, tab="Trends", metric="f1_score")
    # no model chosen: the first model by name with the metric, in both environments
    every = "traces.filter(t => t.meta.role === 'values').length === 4"
    before = _traces(page, "trends", until=every)
    assert {t["meta"]["environment"] for t in before} == {"production", "staging"}

    page.get_by_label("Environment").click()  # the sidebar's select box
    page.get_by_role("option", name="staging", exact=True).click()
    staged = "traces.every(t => t.meta.environment === 'staging')"
    after = [t for t in _traces(page, "trends", until=staged) if t["meta"]["role"] == "values"]
    assert {_configuration(t) for t in after} == {
        c for c in history.configurations if c[3] == "staging" and c[0] == "llama-3/8b"
    }
    for line in after:
        assert line["y"] == [day["f1_score"] for day in history.results[_configuration(line)]]
    assert "environment=staging" in page.url  # the filter is in the URL: a link keeps it
    assert watched_page.errors == []


def test_the_csv_download_is_exactly_the_filtered_rows(seeded, watched_page):
    server, history = seeded
    page = watched_page.page
    _open(watched_page, server, environment="staging", model="llama-3/8b")
    _traces(page, "snapshot", until="traces.every(t => t.meta.environment === 'staging')")
    rows = _download(page, "Download CSV (10 rows)")
    assert sorted(
        (
            (r["model_version"], r["dataset_version"], r["prompt_version"], r["environment"]),
            r["metric"],
            float(r["value"]),
        )
        for r in rows
    ) == sorted(
        (config, metric, value)
        for config in STAGING_LLAMA
        for metric, value in history.latest(config).items()
    )
    assert watched_page.errors == []


def _worse_by(history: SeededHistory, config: tuple, metric: str) -> float:
    change = history.latest(config)[metric] - history.baseline(config)[metric]
    return change if metric in LOWER_IS_BETTER else -change


def test_the_threshold_re_judges_the_regressions(seeded, watched_page):
    server, history = seeded
    page = watched_page.page
    _open(watched_page, server, tab="Regressions", threshold="0.05")
    expected = {
        (*config, metric)
        for config in history.configurations
        for metric in history.latest(config)
        if _worse_by(history, config, metric) >= 0.05  # an equal worsening counts
    }
    assert {(*REGRESSED, "f1_score"), (*REGRESSED, "latency_ms")} <= expected
    (table,) = _traces(
        page, "regressions", until=f"traces[0].meta.records.length === {len(expected)}"
    )
    records = table["meta"]["records"]
    assert {(*(r[n] for n in PARTS), r["metric"]) for r in records} == expected
    exported = _download(page, f"Download CSV ({len(expected)} rows)")
    assert {(*(r[n] for n in PARTS), r["metric"]) for r in exported} == expected
    link = next(r["trend"] for r in exported if r["metric"] == "f1_score")
    assert link.startswith("?tab=Trends&model=medgemma-v1.2&dataset=benchmark-set-v3")

    worst = max(
        _worse_by(history, config, metric)
        for config in history.configurations
        for metric in history.latest(config)
    )
    _open(watched_page, server, tab="Regressions", threshold=str(int(worst) + 1))
    page.get_by_text("No regression against the baselines.").wait_for(timeout=LOAD_SECONDS)
    assert _download(page, "Download CSV (0 rows)") == []
    assert watched_page.errors == []


def test_a_deep_link_opens_the_configurations_trend(seeded, watched_page):
    server, history = seeded
    page = watched_page.page
    model, dataset, _, environment = REGRESSED
    _open(
        watched_page,
        server,
        tab="trends",
        model=model,
        dataset=dataset,
        environment=environment,
        metric="f1_score",
    )
    traces = _traces(page, "trends", until="traces.some(t => t.meta.role === 'alerts')")
    assert {_configuration(t) for t in traces} == {REGRESSED}
    role = {t["meta"]["role"]: t for t in traces}
    seeded_f1 = [day["f1_score"] for day in history.results[REGRESSED]]
    assert role["values"]["y"] == seeded_f1
    assert role["baseline"]["y"] == [seeded_f1[0], seeded_f1[0]]
    assert role["alerts"]["y"] == [seeded_f1[-1]]
    assert page.get_by_role("tab", name="Trends", selected=True).is_visible()
    assert watched_page.errors == []


def test_an_empty_database_says_how_to_add_results(empty, watched_page):
    server, _ = empty
    page = watched_page.page
    _open(watched_page, server)
    page.get_by_text("No results yet").wait_for(timeout=LOAD_SECONDS)
    assert "benchmon push --input results.json" in page.inner_text("body")
    assert page.locator(".js-plotly-plot").count() == 0
    watched_page.screenshot("dashboard-empty")
    assert watched_page.errors == []
