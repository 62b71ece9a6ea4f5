"""The benchmon code location: every asset, check, job, sensor and resource."""

import dagster as dg

from benchmon_pipeline.ingest.assets import benchmark_transactions, inbox_files
from benchmon_pipeline.ingest.jobs import ingest_job
from benchmon_pipeline.ingest.sensors import inbox_sensor, s3_inbox_sensor
from benchmon_pipeline.regressions.checks import regression_checks
from benchmon_pipeline.regressions.resources import RegressionRulesResource
from benchmon_pipeline.regressions.webhook import WebhookResource
from benchmon_pipeline.reports.assets import regression_report
from benchmon_pipeline.resources import InboxResource, PostgresResource, S3InboxResource
from benchmon_pipeline.run_monitoring import orphaned_runs_sensor
from benchmon_pipeline.snapshots.assets import benchmark_snapshots
from benchmon_pipeline.trends.assets import daily_performance_trends
from benchmon_pipeline.trends.jobs import trends_job
from benchmon_pipeline.trends.schedules import refresh_recent_trends
from benchmon_pipeline.trends.sensors import trend_late_data_sensor

# Declarative automation (benchmark_snapshots is eager) needs a running automation sensor;
# Dagster's default one starts stopped.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "benchmon_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
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
    ],
    asset_checks=regression_checks,
    jobs=[ingest_job, trends_job],
    schedules=[refresh_recent_trends],
    sensors=[
        inbox_sensor,
        s3_inbox_sensor,
        trend_late_data_sensor,
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
