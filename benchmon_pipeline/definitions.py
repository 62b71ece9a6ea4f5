"""The benchmon code location: every asset, check, job, sensor and resource (defs/)."""

import dagster as dg

from benchmon_pipeline.defs.automation import automation_sensor
from benchmon_pipeline.defs.ingest import (
    benchmark_transactions,
    inbox_files,
    inbox_sensor,
    ingest_job,
    s3_inbox_sensor,
)
from benchmon_pipeline.defs.outside_runs import results_outside_runs_sensor, snapshots_job
from benchmon_pipeline.defs.regressions import regression_checks
from benchmon_pipeline.defs.reports import benchmark_dashboard, regression_report
from benchmon_pipeline.defs.resources import (
    InboxResource,
    PostgresResource,
    RegressionRulesResource,
    S3InboxResource,
    WebhookResource,
)
from benchmon_pipeline.defs.run_monitoring import orphaned_runs_sensor
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.defs.trends import (
    daily_performance_trends,
    refresh_recent_trends,
    trend_fill_sensor,
    trend_late_data_sensor,
    trends_job,
)

# Every step of a run in the run worker's own process: our steps wait on PostgreSQL, not on
# CPU, and a subprocess per step (the default) costs a Python + Dagster start each — on a
# 2-core machine seconds per check, per run.
defs = dg.Definitions(
    executor=dg.in_process_executor,
    assets=[
        inbox_files,
        benchmark_transactions,
        benchmark_snapshots,
        daily_performance_trends,
        regression_report,
        benchmark_dashboard,
    ],
    asset_checks=regression_checks,
    jobs=[ingest_job, snapshots_job, trends_job],
    schedules=[refresh_recent_trends],
    sensors=[
        inbox_sensor,
        s3_inbox_sensor,
        results_outside_runs_sensor,
        trend_late_data_sensor,
        trend_fill_sensor,
        automation_sensor,
        orphaned_runs_sensor,
    ],
    resources={
        "postgres": PostgresResource(),
        "inbox": InboxResource(),
        "s3_inbox": S3InboxResource.from_environment(),
        "regression_rules": RegressionRulesResource.from_environment(),
        "webhook": WebhookResource(),
    },
)
