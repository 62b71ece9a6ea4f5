"""Trends in Dagster: the daily partitions, `daily_performance_trends` (per day ×
configuration × branch × metric aggregates), the refresh job, the hourly schedule and the
late-data sensor.

Late data: results whose day is not today (a re-uploaded old run, an imported history)
mark their days in trend_dirty_days; the sensor refreshes exactly those days, in one run
per tick however many days that is (a run per day range filled the run queue and made
ingestion wait behind dozens of small refreshes).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.settings import get_settings
from benchmon_pipeline.trends.ranges import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    TREND_ASSET,
    contiguous_ranges,
)

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().trends_start_date.isoformat(),
    timezone="UTC",
    end_offset=1,  # today's partition exists, so today's results have a home
)

TREND_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("day", "date", description="UTC day the results ran on"),
        dg.TableColumn("model_version", "text"),
        dg.TableColumn("dataset_version", "text"),
        dg.TableColumn("prompt_version", "text"),
        dg.TableColumn("environment", "text"),
        dg.TableColumn("branch_name", "text", description="'' when the result named none"),
        dg.TableColumn("metric", "text"),
        dg.TableColumn("direction", "text", description="higher or lower is better"),
        dg.TableColumn("sample_count", "int"),
        dg.TableColumn("mean", "float8"),
        dg.TableColumn("min", "float8"),
        dg.TableColumn("max", "float8"),
        dg.TableColumn("stddev", "float8", description="sample stddev; NULL for one sample"),
        dg.TableColumn("p50", "float8"),
        dg.TableColumn("p95", "float8"),
    ]
)


class TrendRefreshConfig(dg.Config):
    days: list[str] = []
    """Rebuild only these days (YYYY-MM-DD), all within the run's partitions; empty: every
    day of the run. The late-data sensor names its scattered days so that one run covers
    them all (`refresh_request` below)."""


@dg.asset(
    deps=[benchmark_snapshots],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="trends",
    kinds={"postgres"},
    owners=["team:benchmon"],
    description=(
        "Daily (UTC) count, mean, min, max, stddev, p50 and p95 per configuration, branch "
        "and metric, rebuilt from the log one day partition at a time. Late results mark "
        "their days, and the trend_late_data sensor refreshes exactly those."
    ),
    metadata={
        "dagster/table_name": "daily_performance_trends",
        "dagster/column_schema": TREND_SCHEMA,
    },
)
def daily_performance_trends(
    context: dg.AssetExecutionContext, config: TrendRefreshConfig, postgres: PostgresResource
) -> dg.MaterializeResult:
    keys = context.partition_keys  # one day, or a whole range in a single-run backfill
    first_day, last_day = keys[0], keys[-1]
    days = sorted(set(config.days)) if config.days else keys
    outside = sorted(set(days) - set(keys))
    if outside:
        raise dg.Failure(
            description=(
                f"config days {', '.join(outside[:5])}{' …' if len(outside) > 5 else ''} are "
                f"not among this run's partitions {first_day} … {last_day}: name only days "
                "of the run's partition range, or leave `days` empty to rebuild all of them"
            ),
            allow_retries=False,
        )
    ranges = contiguous_ranges(date.fromisoformat(day) for day in days)
    written = 0
    with postgres.connect() as conn:  # one transaction: every range, or none
        for first, last in ranges:
            written += conn.execute(
                "SELECT refresh_daily_trends(%s, %s)", (first, last)
            ).fetchone()[0]
        conn.commit()
    context.log.info(
        f"rebuilt {len(days)} day(s) {days[0]} … {days[-1]} in {len(ranges)} range(s): "
        f"{written} row(s)"
    )
    return dg.MaterializeResult(
        metadata={
            "days_refreshed": len(days),
            "first_day": days[0],
            "last_day": days[-1],
            "rows_written": written,
            "dagster/row_count": written,
        }
    )


# Every run of this job carries KIND_TAG: dagster.yaml's run coordinator lets such runs
# take at most one of its run slots, so refreshes can never crowd out ingestion.
KIND_TAG = {"benchmon/kind": "trends"}

trends_job = dg.define_asset_job(
    "refresh_trends",
    selection=[daily_performance_trends],
    executor_def=dg.in_process_executor,
    tags=KIND_TAG,
    description="Rebuild daily trend partitions (one day, or a range in one run).",
)


def range_request(
    first: date, last: date, run_key: str | None = None, tags: dict[str, str] | None = None
) -> dg.RunRequest:
    """One run that rebuilds every day of [first, last] (the asset's single-run policy)."""
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first.isoformat(), tags=tags or {})
    return dg.RunRequest(
        run_key=run_key,
        tags={**(tags or {}), RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
    )


def refresh_request(
    days: Iterable[date], run_key: str | None = None, tags: dict[str, str] | None = None
) -> dg.RunRequest | None:
    """One run that rebuilds exactly `days`, however scattered: None for no day.

    Dagster would make a run per contiguous range (a single-run backfill of scattered
    partitions, too, is split at every gap), and an imported history of a year makes dozens
    that fill the run queue ahead of ingestion. So the run covers the range from the first
    to the last day, and when the days have gaps its config names them: the asset rebuilds
    only those, and a day in a gap is left as it is — it was not marked, so its trend rows
    already match the log, and the range's materialization tells the truth about it.
    """
    ordered = sorted(set(days))
    if not ordered:
        return None
    request = range_request(ordered[0], ordered[-1], run_key=run_key, tags=tags)
    if len(contiguous_ranges(ordered)) == 1:
        return request  # every day of the range: no list needed
    config = {"days": [day.isoformat() for day in ordered]}
    return request.with_replaced_attrs(run_config={"ops": {TREND_ASSET: {"config": config}}})


# Every hour at :05, yesterday and today: the trend of the current day keeps up, and
# yesterday is settled once late-arriving results of its last hours are in.
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


FILL_TAGS = {"benchmon/reason": "days never built"}
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def fill_request(
    partition_keys: Iterable[str], materialized: set[str], today: date
) -> dg.RunRequest | None:
    """One run that builds every day before today that was never built (None: none is).

    On a fresh install the partitions reach back to BENCHMON_TRENDS_START_DATE and every
    day shows as Missing in the UI, which reads as broken; the days hold no results, so
    building them is cheap and their (empty) trend is the truth. Today is the hourly
    schedule's. The run key names the days, so a tick while the run is queued or running
    requests nothing new."""
    days = sorted(
        date.fromisoformat(key)
        for key in partition_keys
        if key not in materialized and date.fromisoformat(key) < today
    )
    if not days:
        return None
    return refresh_request(days, run_key=f"fill-{days[0]}-{days[-1]}-{len(days)}", tags=FILL_TAGS)


@dg.sensor(
    job=trends_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Builds the trend days that were never built (a fresh install's days before its "
        "first result), in one run, so no day before today shows as Missing; only while "
        "no other run is queued or running."
    ),
)
def trend_fill_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    busy = context.instance.get_runs_count(dg.RunsFilter(statuses=IN_FLIGHT))
    if busy:  # the empty days can wait; a user's first files should not wait for them
        return dg.SkipReason(f"{busy} run(s) queued or running: building the empty days later")
    now = datetime.now(UTC)
    keys = daily_partitions.get_partition_keys(current_time=now)
    materialized = context.instance.get_materialized_partitions(dg.AssetKey(TREND_ASSET))
    request = fill_request(keys, set(materialized), now.date())
    if request is not None:
        context.log.info(f"building the trend days never built: {request.tags}")
    return dg.SensorResult(run_requests=[request] if request else [])
