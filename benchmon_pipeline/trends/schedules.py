"""Refresh yesterday and today every hour: the trend of the current day keeps up, and
yesterday is settled once late-arriving results of its last hours are in."""

from datetime import timedelta

import dagster as dg

from benchmon_pipeline.trends.jobs import trends_job
from benchmon_pipeline.trends.ranges import range_request


@dg.schedule(
    job=trends_job,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every hour at :05 (UTC): rebuild yesterday's and today's trend partitions.",
)
def refresh_recent_trends(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.date()
    return range_request(
        today - timedelta(days=1),
        today,
        run_key=f"recent-{context.scheduled_execution_time.isoformat()}",
    )
