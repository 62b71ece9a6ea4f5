"""Late data: results whose day is not today (a re-uploaded old run, an imported history)
mark their days in trend_dirty_days; this sensor refreshes exactly those days."""

from datetime import date

import dagster as dg

from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.trends.jobs import trends_job
from benchmon_pipeline.trends.partitions import daily_partitions
from benchmon_pipeline.trends.ranges import contiguous_ranges, range_request

DIRTY_DAYS = """
SELECT day, max(marker_id) FROM trend_dirty_days WHERE marker_id > %s GROUP BY day ORDER BY day
"""


def _in_partitions(day: date) -> bool:
    first = daily_partitions.start.date()
    return day >= first


@dg.sensor(
    job=trends_job,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the trend partitions of the days new results fall on.",
)
def trend_late_data_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource
) -> dg.SensorResult:
    after = int(context.cursor or 0)
    with postgres.connect() as conn:
        marked = conn.execute(DIRTY_DAYS, (after,)).fetchall()
    if not marked:
        return dg.SensorResult(run_requests=[], cursor=str(after))
    newest = max(marker for _, marker in marked)
    days = [day for day, _ in marked if _in_partitions(day)]
    skipped = len(marked) - len(days)
    if skipped:
        context.log.warning(
            f"{skipped} day(s) fall before the trends' start date "
            f"{daily_partitions.start.date()} (BENCHMON_TRENDS_START_DATE)"
        )
    requests = [
        range_request(
            first,
            last,
            run_key=f"late-{first}-{last}-{newest}",
            tags={"benchmon/reason": "new results"},
        )
        for first, last in contiguous_ranges(days)
    ]
    context.log.info(f"refreshing {len(days)} day(s) in {len(requests)} run(s)")
    return dg.SensorResult(run_requests=requests, cursor=str(newest))
