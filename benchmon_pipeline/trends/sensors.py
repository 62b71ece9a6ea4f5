"""Late data: results whose day is not today (a re-uploaded old run, an imported history)
mark their days in trend_dirty_days; this sensor refreshes exactly those days, in one run
per tick however many days that is (a run per day range filled the run queue and made
ingestion wait behind dozens of small refreshes)."""

from dataclasses import dataclass
from datetime import date

import dagster as dg

from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.trends.jobs import trends_job
from benchmon_pipeline.trends.partitions import daily_partitions
from benchmon_pipeline.trends.ranges import refresh_request

DIRTY_DAYS = """
SELECT day, max(marker_id) FROM trend_dirty_days WHERE marker_id > %s GROUP BY day ORDER BY day
"""
REASON_TAGS = {"benchmon/reason": "new results"}


@dataclass(frozen=True)
class LatePlan:
    request: dg.RunRequest | None
    """One run for every marked day in the partitions, or None when there is none."""
    cursor: str
    """The newest marker seen: the next tick looks only at markers after it."""
    days: int
    too_early: int
    """Marked days before the partitions' start date (no partition to refresh them in)."""


def plan_refresh(marked: list[tuple[date, int]], after: int, first_day: date) -> LatePlan:
    """What one tick does with the markers (day, newest marker id) found after `after`."""
    if not marked:
        return LatePlan(None, str(after), 0, 0)
    newest = max(marker for _, marker in marked)
    days = sorted({day for day, _ in marked if day >= first_day})
    request = (
        refresh_request(days, run_key=f"late-{days[0]}-{days[-1]}-{newest}", tags=REASON_TAGS)
        if days
        else None
    )
    return LatePlan(request, str(newest), len(days), len(marked) - len(days))


@dg.sensor(
    job=trends_job,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the trend partitions of the days new results fall on (one run).",
)
def trend_late_data_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource
) -> dg.SensorResult:
    after = int(context.cursor or 0)
    with postgres.connect() as conn:
        marked = conn.execute(DIRTY_DAYS, (after,)).fetchall()
    plan = plan_refresh(marked, after, daily_partitions.start.date())
    if plan.too_early:
        context.log.warning(
            f"{plan.too_early} day(s) fall before the trends' start date "
            f"{daily_partitions.start.date()} (BENCHMON_TRENDS_START_DATE)"
        )
    if plan.request is not None:
        context.log.info(f"refreshing {plan.days} day(s) in one run")
    requests = [plan.request] if plan.request is not None else []
    return dg.SensorResult(run_requests=requests, cursor=plan.cursor)
