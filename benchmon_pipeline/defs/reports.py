"""`regression_report`: the open regression alerts as one GitHub-flavoured markdown page.

Downstream of `benchmark_snapshots`, after its checks: with BENCHMON_BLOCKING_CHECKS=true an
ERROR from the baseline or history check keeps it from being materialized (in the same run,
and declarative automation waits for the blocking checks to pass), so a report that says
"all clear" is never published over a known regression.
"""

import dagster as dg

from benchmon_pipeline.defs.automation import eager_after_every_update
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.regressions.alerts import alerts_markdown, find_alerts
from benchmon_pipeline.regressions.verdicts import ERROR
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
