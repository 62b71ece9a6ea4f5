"""`daily_performance_trends`: per day × configuration × branch × metric aggregates."""

from datetime import date

import dagster as dg

from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.snapshots.assets import benchmark_snapshots
from benchmon_pipeline.trends.partitions import daily_partitions
from benchmon_pipeline.trends.ranges import contiguous_ranges

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
    them all (trends/ranges.py `refresh_request`)."""


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
