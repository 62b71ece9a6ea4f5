"""The reports: `regression_report`, the open regression alerts as one GitHub-flavoured
markdown page, and `benchmark_dashboard`, the four views as one self-contained HTML file
(reports/report.py).

Downstream of `benchmark_snapshots`, after its checks: with BENCHMON_BLOCKING_CHECKS=true an
ERROR from the baseline or history check keeps it from being materialized (in the same run,
and declarative automation waits for the blocking checks to pass), so a report that says
"all clear" is never published over a known regression.
"""

import dagster as dg

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.defs.automation import eager_after_every_update
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.defs.trends import daily_performance_trends
from benchmon_pipeline.regressions.alerts import alerts_markdown, find_alerts
from benchmon_pipeline.regressions.verdicts import ERROR
from benchmon_pipeline.reports.report import REPORT_FILE, write_report
from benchmon_pipeline.settings import get_settings

REPORT_NAME = "regressions.md"


@dg.asset(
    deps=[benchmark_snapshots],
    group_name="reports",
    kinds={"markdown"},
    owners=["team:benchmon"],
    automation_condition=(
        eager_after_every_update() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ),
    description="The regression alerts not yet resolved, worst first, as markdown "
    "(<BENCHMON_HOME>/reports/regressions.md and this asset's metadata).",
)
def regression_report(
    context: dg.AssetExecutionContext, postgres: PostgresResource
) -> dg.MaterializeResult:
    with postgres.connect() as conn:
        alerts = find_alerts(conn, "unresolved")
    text = alerts_markdown(alerts, title="benchmon: open regression alerts")
    path = get_settings().home / "reports" / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    errors = sum(a.severity == ERROR for a in alerts)
    context.log.info(f"{len(alerts)} open alert(s), {errors} ERROR; written to {path}")
    return dg.MaterializeResult(
        metadata={
            "open_alerts": len(alerts),
            "errors": errors,
            "path": dg.MetadataValue.path(str(path)),
            "report": dg.MetadataValue.md(text),
        }
    )


def dashboard_path():
    """<BENCHMON_HOME>/reports/dashboard.html: where the report asset writes the page."""
    return get_settings().home / "reports" / REPORT_FILE


# After the snapshots and their checks, like regression_report; the day trends are a
# dependency in the lineage but neither start nor hold it: their partitions go back to
# days with no data (never "missing" to wait for), and the report reads days the trends
# job has not refreshed yet from the log (BenchmarkDataAccess.get_time_series). It waits
# while a trends refresh is running, so it never draws a half-refreshed day.
_TRENDS = dg.AssetSelection.assets(daily_performance_trends)


@dg.asset(
    deps=[benchmark_snapshots, daily_performance_trends],
    group_name="reports",
    kinds={"html", "plotly"},
    owners=["team:benchmon"],
    automation_condition=(
        eager_after_every_update().ignore(_TRENDS)
        & ~dg.AutomationCondition.any_deps_in_progress()
        & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ),
    description="The four views (current metrics, trends, models, open regressions) as one "
    "self-contained HTML file that opens with no network: <BENCHMON_HOME>/reports/"
    "dashboard.html; open it from this asset's `url` metadata (docs/dashboard.md).",
)
def benchmark_dashboard(
    context: dg.AssetExecutionContext, postgres: PostgresResource
) -> dg.MaterializeResult:
    with BenchmarkDataAccess.connect(postgres.url(), cache_ttl=0) as api:
        summary = write_report(api, dashboard_path())
    context.log.info(
        f"{summary.configurations} configuration(s), {summary.open_alerts} open alert(s); "
        f"{summary.bytes:,} bytes written to {summary.path}"
    )
    return dg.MaterializeResult(
        metadata={
            "url": dg.MetadataValue.url(summary.url),
            "path": dg.MetadataValue.path(str(summary.path)),
            "configurations": summary.configurations,
            "open_alerts": summary.open_alerts,
            "bytes": summary.bytes,
            "left_out": dg.MetadataValue.json(summary.left_out),
        }
    )
