"""The benchmark report: ONE self-contained HTML file with the four views (current metrics,
trends, models, regressions), readable with no network and no server.

Self-contained means plotly.js travels inside the file. It is 4.8 MB as shipped, so it is
stored gzip-compressed and base64-encoded (2 MB) and unpacked by the browser's own
`DecompressionStream` when the page opens; the figures (figures.py) follow as JSON and
are drawn once plotly is loaded. `document.body.dataset.ready` is "true" when every chart
is drawn.

Bounded at any size: the page shows the configurations a reader can look at — those with
open alerts first, then the most recently changed — up to `Limits`, and says how many it
left out; the scatter holds every configuration (one point each).

A small filter (environment, model) in plain JavaScript hides cards and trends of other
configurations and restyles the charts that mix them (rows of the comparison, points of
the scatter, rows of the regressions table); "Download CSV" saves the regressions table's
rows that the filter keeps.

An empty database gives a page that says how to send the first result.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.reading import CONFIGURATION
from benchmon_pipeline.reports import figures

REPORT_FILE = "dashboard.html"


@dataclass(frozen=True)
class Limits:
    cards: int = 24  # configurations shown as metric cards
    trends: int = 24  # configurations with trend charts
    metrics_per_trend: int = 3  # charts per configuration: its alerted metrics, then the main one
    comparisons: int = 4  # model × metric tables (one per dataset, prompt and environment)
    models_per_comparison: int = 20
    alerts: int = 200  # rows of the regressions table
    days: int = 90  # of trend history


@dataclass
class ReportSummary:
    """What `write_report` wrote: its path and what the page holds."""

    path: Path
    bytes: int
    configurations: int
    open_alerts: int
    shown: dict[str, int] = field(default_factory=dict)  # view → configurations or rows shown
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()


@dataclass
class _Block:
    """One chart on the page and what the filter knows about it."""

    figure: go.Figure
    model: str | None = None
    environment: str | None = None


def write_report(
    api: BenchmarkDataAccess,
    path: Path,
    *,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> ReportSummary:
    """Build the report from `api` and write it to `path` (its folder is created)."""
    text, summary = build_report(api, limits=limits, now=now)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # a reader never opens half a file
    summary.path = path
    summary.bytes = path.stat().st_size
    return summary


def build_report(
    api: BenchmarkDataAccess, *, limits: Limits | None = None, now: datetime | None = None
) -> tuple[str, ReportSummary]:
    """The report's HTML and what it holds (path and size left empty)."""
    limits = limits or Limits()
    now = now or datetime.now(UTC)
    latest = api.get_latest_snapshots(fresh=True)
    summary = ReportSummary(Path(), 0, len(latest), 0)
    if latest.empty:
        return _page(_empty_state(), now, body_class="empty"), summary

    metrics = api.metrics(fresh=True)
    alerts = api.open_alerts(fresh=True)
    summary.open_alerts = len(alerts)
    order = _reading_order(latest, alerts)
    rows = figures.current_rows(latest, api.get_baselines(fresh=True), metrics)

    blocks: list[_Block] = []
    sections = [
        _snapshot_view(rows, order, limits, blocks, summary),
        _trends_view(api, rows, order, alerts, metrics, limits, blocks, summary),
        _models_view(api, latest, rows, limits, blocks, summary),
        _regressions_view(alerts, limits, blocks, summary),
    ]
    body = _header(latest, alerts, now) + "".join(sections)
    return _page(body, now, blocks=blocks), summary


def _reading_order(latest: pd.DataFrame, alerts: pd.DataFrame) -> list[tuple]:
    """Configurations with open alerts first (ERROR before WARN, most alerts first), then the
    most recently changed."""
    worst: dict[tuple, tuple[int, int]] = {}
    for row in alerts.itertuples(index=False):
        config = figures.configuration_of(row)
        errors, count = worst.get(config, (0, 0))
        worst[config] = (errors + (row.severity == "ERROR"), count + 1)
    keyed = []
    for row in latest.itertuples(index=False):
        config = figures.configuration_of(row)
        errors, count = worst.get(config, (0, 0))
        keyed.append(((-errors, -count, -row.last_updated_at.timestamp(), config), config))
    return [config for _, config in sorted(keyed)]


# The views ------------------------------------------------------------------------------------


def _snapshot_view(rows, order, limits, blocks, summary) -> str:
    shown = order[: limits.cards]
    parts = []
    for config in shown:
        index = _add(blocks, figures.metric_cards(rows, config), config)
        parts.append(_chart(index, config, "card"))
    summary.shown["snapshot"] = len(shown)
    summary.left_out["snapshot"] = len(order) - len(shown)
    return _section(
        "view-snapshot",
        "Current metrics",
        "Each configuration's current version; the change is since its baseline, "
        "▲ better and ▼ worse by the metric's direction.",
        "".join(parts),
        _left_out(len(order) - len(shown), "configurations", "benchmon versions list"),
    )


def _trends_view(api, rows, order, alerts, metrics, limits, blocks, summary) -> str:
    shown = order[: limits.trends]
    thresholds = metrics.set_index("metric") if not metrics.empty else None
    directions = dict(zip(rows["metric"], rows["direction"], strict=False))
    wanted: dict[tuple, list[str]] = {}
    for config in shown:
        mine = rows[figures.of_configuration(rows, config)]
        alerted = alerts[figures.of_configuration(alerts, config)]["metric"].tolist()
        main = figures.quality_metric(mine["metric"], directions) or next(
            iter(sorted(mine["metric"])), None
        )
        chosen = [m for m in dict.fromkeys([*alerted, main]) if m in set(mine["metric"])]
        wanted[config] = chosen[: limits.metrics_per_trend]
    series = _series(api, wanted, limits.days)
    parts = []
    for config, chosen in wanted.items():
        mine = rows[figures.of_configuration(rows, config)].set_index("metric")
        charts = []
        for metric in chosen:
            baseline = mine["baseline"].get(metric, math.nan)
            band = None
            if thresholds is not None and metric in thresholds.index and not math.isnan(baseline):
                band = figures.baseline_band(
                    baseline,
                    _number(thresholds.at[metric, "abs_threshold"]),
                    _number(thresholds.at[metric, "rel_threshold"]),
                )
            figure = figures.trend_figure(
                series.get(metric, _NO_SERIES),
                config,
                metric,
                baseline=baseline,
                band=band,
                alerts=alerts,
                unit=mine["unit"].get(metric, ""),
            )
            charts.append(_chart(_add(blocks, figure, config), None, "trend-chart"))
        parts.append(
            f'<div class="trend" id="{figures.trend_anchor(config)}"{_data(config)}>'
            f"<h3>{html.escape(figures.label(config))}</h3>"
            f'<div class="trend-charts">{"".join(charts)}</div></div>'
        )
    summary.shown["trends"] = len(shown)
    summary.left_out["trends"] = len(order) - len(shown)
    return _section(
        "view-trends",
        "Trends",
        f"The daily mean of each configuration's main and alerted metrics over the last "
        f"{limits.days} days; the shaded band is the baseline ± its threshold, ✕ marks an "
        "open alert.",
        "".join(parts),
        _left_out(len(order) - len(shown), "configurations", "benchmon trends show"),
    )


_NO_SERIES = pd.DataFrame(columns=["bucket_start", *CONFIGURATION, "mean", "sample_count"])


def _series(api, wanted: dict[tuple, list[str]], days: int) -> dict[str, pd.DataFrame]:
    """Daily series per metric for the configurations in `wanted`: one question per model
    and metric (the API reads a model's days from the trend table)."""
    asks: dict[tuple[str, str], set[tuple]] = {}
    for config, metrics in wanted.items():
        for metric in metrics:
            asks.setdefault((config[0], metric), set()).add(config)
    found: dict[str, list[pd.DataFrame]] = {}
    for (model, metric), configs in sorted(asks.items()):
        environments = {c[3] for c in configs}
        series = api.get_time_series(
            model,
            metric,
            days_back=days,
            environment=next(iter(environments)) if len(environments) == 1 else None,
        )
        found.setdefault(metric, []).append(series)
    return {metric: pd.concat(parts, ignore_index=True) for metric, parts in found.items()}


def _models_view(api, latest, rows, limits, blocks, summary) -> str:
    models = sorted(latest["model_version"].unique())
    compared = api.compare_models(models, fresh=True)
    groups = (
        compared.groupby(["dataset_version", "prompt_version", "environment"])["model_version"]
        .nunique()
        .reset_index(name="models")
        .sort_values(
            ["models", "dataset_version", "prompt_version", "environment"],
            ascending=[False, True, True, True],
        )
    )
    chosen = groups.head(limits.comparisons)
    parts = []
    for group in chosen.itertuples(index=False):
        part = compared[
            (compared["dataset_version"] == group.dataset_version)
            & (compared["prompt_version"] == group.prompt_version)
            & (compared["environment"] == group.environment)
        ]
        keep = sorted(part["model_version"].unique())[: limits.models_per_comparison]
        figure = figures.model_comparison(part[part["model_version"].isin(keep)])
        figure.update_layout(
            title={
                "text": f"{group.dataset_version} · {group.prompt_version} · {group.environment}"
            }
        )
        index = _add(blocks, figure, None)
        blocks[index].environment = group.environment
        parts.append(
            f'<div class="comparison" data-environment="{html.escape(group.environment)}">'
            f'<div class="plot plotly-graph-div" data-figure="{index}"></div></div>'
        )
    directions = dict(zip(rows["metric"], rows["direction"], strict=False))
    cost = figures.cost_metric(rows["metric"], directions)
    quality = figures.quality_metric(rows["metric"], directions)
    scatter = ""
    if cost and quality:
        index = _add(blocks, figures.cost_quality_scatter(rows, cost, quality), None)
        scatter = f'<div class="scatter">{_plot(index)}</div>'
    summary.shown["models"] = len(chosen)
    summary.left_out["models"] = len(groups) - len(chosen)
    return _section(
        "view-models",
        "Models",
        "Models side by side on the same dataset, prompt and environment (each cell coloured "
        "from the worst to the best value of its metric), and every configuration's quality "
        "against its cost with the Pareto front: the configurations no other one beats on both.",
        "".join(parts) + scatter,
        _left_out(
            len(groups) - len(chosen),
            "dataset × prompt × environment groups",
            "BenchmarkDataAccess.compare_models",
        ),
    )


def _regressions_view(alerts, limits, blocks, summary) -> str:
    shown = alerts.head(limits.alerts)
    summary.shown["regressions"] = len(shown)
    summary.left_out["regressions"] = len(alerts) - len(shown)
    if shown.empty:
        content = '<p class="all-clear">No open regression alerts.</p>'
    else:
        index = _add(blocks, figures.regressions_chart(shown), None)
        content = (
            '<p><button id="download-regressions" type="button">Download CSV</button> '
            "of the rows the filter keeps.</p>"
            + _regressions_html(figures.regression_records(shown))
            + f'<div class="plot plotly-graph-div" data-figure="{index}"></div>'
        )
    return _section(
        "view-regressions",
        "Open regressions",
        "Alerts the regression checks opened and nobody has resolved, ERROR first; "
        "each links to its configuration's trend.",
        content,
        _left_out(len(alerts) - len(shown), "alerts", "benchmon alerts list"),
    )


def _regressions_html(records: list[dict]) -> str:
    """The open alerts as an HTML table: a row per alert coloured by severity, its link to
    the trend, and the row's record (data-record) that the CSV export writes."""
    columns = figures.REGRESSION_COLUMNS
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for record in records:
        cells = []
        for column in columns:
            value = record[column]
            if column == "trend":
                cells.append(f'<td><a href="{html.escape(value)}">trend</a></td>')
            else:
                shown = (
                    "" if value is None else f"{value:.6g}" if isinstance(value, float) else value
                )
                cells.append(f"<td>{html.escape(str(shown))}</td>")
        body.append(
            f'<tr class="severity-{html.escape(record["severity"].lower())}"'
            f' data-model="{html.escape(record["model_version"])}"'
            f' data-environment="{html.escape(record["environment"])}"'
            f" data-record='{html.escape(json.dumps(record), quote=True)}'>{''.join(cells)}</tr>"
        )
    return (
        f'<table id="regressions-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# The page -------------------------------------------------------------------------------------


def _add(blocks: list[_Block], figure: go.Figure, config: tuple | None) -> int:
    blocks.append(_Block(figure, config[0] if config else None, config[3] if config else None))
    return len(blocks) - 1


def _data(config: tuple | None) -> str:
    if config is None:
        return ""
    return f' data-model="{html.escape(config[0])}" data-environment="{html.escape(config[3])}"'


def _chart(index: int, config: tuple | None, kind: str) -> str:
    return f'<div class="{kind}"{_data(config)}>{_plot(index)}</div>'


def _plot(index: int, extra: str = "") -> str:
    return f'<div class="plot plotly-graph-div" data-figure="{index}"{extra}></div>'


def _section(id_: str, title: str, note: str, content: str, left_out: str) -> str:
    return (
        f'<section id="{id_}" class="view"><h2>{html.escape(title)}</h2>'
        f'<p class="note">{html.escape(note)}</p>{left_out}{content}</section>'
    )


def _left_out(count: int, what: str, where: str) -> str:
    if count <= 0:
        return ""
    return (
        f'<p class="left-out">{count:,} more {html.escape(what)} are not shown here; '
        f"<code>{html.escape(where)}</code> lists them all.</p>"
    )


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _header(latest: pd.DataFrame, alerts: pd.DataFrame, now: datetime) -> str:
    models = sorted(latest["model_version"].unique())
    environments = sorted(latest["environment"].unique())

    def options(values: list[str], everything: str) -> str:
        return f'<option value="">{everything}</option>' + "".join(
            f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values
        )

    return (
        f'<header><h1>benchmon report</h1><p class="note">{len(latest):,} configurations, '
        f"{len(alerts):,} open alerts; made {now:%Y-%m-%d %H:%M} UTC.</p>"
        '<nav><a href="#view-snapshot">Current metrics</a> · <a href="#view-trends">Trends</a>'
        ' · <a href="#view-models">Models</a> · <a href="#view-regressions">Regressions</a></nav>'
        '<form id="filters">'
        f'<label>Environment <select id="filter-environment">{options(environments, "all")}'
        "</select></label> "
        f'<label>Model <select id="filter-model">{options(models, "all")}</select></label>'
        "</form></header>"
    )


def _empty_state() -> str:
    return (
        '<section id="empty-state"><h1>benchmon report</h1>'
        "<h2>No results yet</h2>"
        "<p>The report fills in once the first benchmark or evaluation result is stored. "
        "Either drop a result file into the inbox folder (<code>inbox/</code> under "
        "<code>BENCHMON_INBOX_ROOT</code>) while <code>benchmon dev</code> runs, or send it "
        "from the command line:</p>"
        "<pre>benchmon push results.json</pre>"
        "<p>Any of the supported formats works (benchmon's own JSON, lm-eval, "
        "pytest-benchmark, Google Benchmark, github-action-benchmark); see "
        "<code>docs/formats.md</code>. The report is rebuilt after each new result.</p>"
        "</section>"
    )


def _figure_json(figure: go.Figure) -> dict:
    data = json.loads(pio.to_json(figure, validate=False))
    data.get("layout", {}).pop("template", None)  # one shared template (TEMPLATE below)
    return data


def _page(body: str, now: datetime, *, blocks: list[_Block] | None = None, body_class="") -> str:
    scripts = ""
    if blocks:
        payload = {
            "figures": [_figure_json(b.figure) for b in blocks],
            "template": json.loads(
                pio.json.to_json_plotly(pio.templates["plotly_white"].to_plotly_json())
            ),
        }
        scripts = (
            '<script id="report-data" type="application/json">'
            + _script_safe(json.dumps(payload, separators=(",", ":")))
            + "</script>"
            + f'<script id="plotly-gz" type="text/plain">{_plotly_packed()}</script>'
            + f"<script>{_SCRIPT}</script>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>benchmon report {now:%Y-%m-%d %H:%M} UTC</title>"
        f"<style>{_STYLE}</style></head>"
        f'<body class="{body_class}">{body}{scripts}</body></html>\n'
    )


def _script_safe(text: str) -> str:
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


_PACKED: str | None = None


def _plotly_packed() -> str:
    """plotly.js, gzip-compressed and base64-encoded (packed once per process)."""
    global _PACKED
    if _PACKED is None:
        _PACKED = base64.b64encode(
            gzip.compress(get_plotlyjs().encode(), compresslevel=6, mtime=0)
        ).decode()
    return _PACKED


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1400px;padding:0 16px 40px;color:#24292f;background:#fff}
header{border-bottom:1px solid #d0d7de;padding:8px 0}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:24px 0 4px}h3{font-size:14px;margin:8px 0}
.note{color:#57606a;font-size:13px;margin:2px 0 8px}.left-out{color:#9a6700;font-size:13px}
nav{font-size:14px;margin:4px 0}form label{font-size:14px;margin-right:12px}
.view{padding-bottom:8px;border-bottom:1px solid #eaeef2}
.card{border:1px solid #d0d7de;border-radius:6px;margin:6px 0}
.trend{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:0 8px}
.trend:target{outline:3px solid #1f6feb}
.trend-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:8px}
.comparison,.scatter{margin:8px 0}.all-clear{color:#1a7f37}
#regressions-table{border-collapse:collapse;font-size:13px;margin:8px 0}
#regressions-table th,#regressions-table td{border:1px solid #d0d7de;padding:4px 8px;
text-align:left}
#regressions-table th{background:#f6f8fa}.severity-error{background:#ffd7d5}
.severity-warn{background:#fff1c2}
[hidden]{display:none!important}
#empty-state{max-width:760px;margin:40px auto}
pre{background:#f6f8fa;padding:12px;border-radius:6px}
"""

# Plain JavaScript: unpack plotly.js, draw every figure, then filter and export on demand.
_SCRIPT = r"""
(function () {
  "use strict";
  const payload = JSON.parse(document.getElementById("report-data").textContent);
  const sources = payload.figures;
  const plots = Array.from(document.querySelectorAll(".plot[data-figure]"));

  async function loadPlotly() {
    const packed = atob(document.getElementById("plotly-gz").textContent.trim());
    const bytes = new Uint8Array(packed.length);
    for (let i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    const code = await new Response(stream).text();
    const script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
  }

  function layoutOf(source) {
    return Object.assign({}, source.layout, {template: payload.template, autosize: true});
  }

  const keep = (model, environment) => {
    const m = document.getElementById("filter-model").value;
    const e = document.getElementById("filter-environment").value;
    return (!m || model === m) && (!e || environment === e);
  };

  function pick(values, indices) {
    return Array.isArray(values) ? indices.map((i) => values[i]) : values;
  }

  // A trace as the filter leaves it: per-row traces keep their rows of kept configurations,
  // traces of one model or environment are hidden when it is filtered out.
  function filtered(trace) {
    const meta = trace.meta || {};
    const copy = Object.assign({}, trace);
    if (Array.isArray(meta.rows)) {
      const rows = [];
      meta.rows.forEach((row, i) => { if (keep(row[0], row[1])) rows.push(i); });
      const newMeta = Object.assign({}, meta, {rows: pick(meta.rows, rows)});
      if (meta.configurations) newMeta.configurations = pick(meta.configurations, rows);
      if (meta.records) newMeta.records = pick(meta.records, rows);
      copy.meta = newMeta;
      if (trace.type === "table") {
        copy.cells = Object.assign({}, trace.cells, {
          values: trace.cells.values.map((column) => pick(column, rows)),
          fill: {color: trace.cells.fill.color.map((column) => pick(column, rows))},
        });
      } else {
        for (const key of ["x", "y", "z", "text", "customdata"]) {
          if (trace.type === "heatmap" && key === "x") continue;  // the metrics' columns
          if (key in trace) copy[key] = pick(trace[key], rows);
        }
        if (trace.marker && Array.isArray(trace.marker.color)) {
          copy.marker = Object.assign({}, trace.marker, {color: pick(trace.marker.color, rows)});
        }
      }
      return copy;
    }
    if (meta.model !== undefined && meta.environment !== undefined) {
      copy.visible = keep(meta.model, meta.environment);
    }
    return copy;
  }

  function applyFilter() {
    document.querySelectorAll("[data-model], [data-environment]").forEach((element) => {
      const m = document.getElementById("filter-model").value;
      const e = document.getElementById("filter-environment").value;
      const hide = (m && element.dataset.model !== undefined && element.dataset.model !== m)
        || (e && element.dataset.environment !== undefined && element.dataset.environment !== e);
      element.hidden = Boolean(hide);
    });
    const redraws = plots.map((plot) => {
      const source = sources[Number(plot.dataset.figure)];
      return Plotly.react(plot, source.data.map(filtered), layoutOf(source));
    });
    return Promise.all(redraws).then(() => { document.body.dataset.filtered = filterKey(); });
  }

  function filterKey() {
    return document.getElementById("filter-environment").value + "|"
      + document.getElementById("filter-model").value;
  }

  function csvCell(value) {
    if (value === null || value === undefined) return "";
    const text = String(value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function downloadRegressions() {
    const table = document.getElementById("regressions-table");
    const columns = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent);
    const lines = [columns.map(csvCell).join(",")];
    for (const row of table.querySelectorAll("tbody tr")) {
      if (row.hidden) continue;
      const record = JSON.parse(row.dataset.record);
      lines.push(columns.map((c) => csvCell(record[c])).join(","));
    }
    const blob = new Blob([lines.join("\r\n") + "\r\n"], {type: "text/csv"});
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "benchmon-regressions.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  loadPlotly().then(() => Promise.all(plots.map((plot) => {
    const source = sources[Number(plot.dataset.figure)];
    return Plotly.newPlot(plot, source.data, layoutOf(source),
                          {responsive: true, displaylogo: false});
  }))).then(() => {
    document.getElementById("filter-model").addEventListener("change", applyFilter);
    document.getElementById("filter-environment").addEventListener("change", applyFilter);
    const download = document.getElementById("download-regressions");
    if (download) download.addEventListener("click", downloadRegressions);
    document.body.dataset.filtered = filterKey();
    document.body.dataset.ready = "true";
  }).catch((error) => {
    document.body.dataset.ready = "failed";
    console.error("benchmon report: " + error);
  });
})();
"""
