"""`daily_performance_trends`: per day × configuration × branch × metric aggregates."""

import dagster as dg

from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.snapshots.assets import benchmark_snapshots
from benchmon_pipeline.trends.partitions import daily_partitions

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
    context: dg.AssetExecutionContext, postgres: PostgresResource
) -> dg.MaterializeResult:
    keys = context.partition_keys  # one day, or a whole range in a single-run backfill
    first_day, last_day = keys[0], keys[-1]
    with postgres.connect() as conn:
        written = conn.execute(
            "SELECT refresh_daily_trends(%s, %s)", (first_day, last_day)
        ).fetchone()[0]
        conn.commit()
    context.log.info(f"rebuilt {len(keys)} day(s) {first_day} … {last_day}: {written} row(s)")
    return dg.MaterializeResult(
        metadata={
            "days_refreshed": len(keys),
            "first_day": first_day,
            "last_day": last_day,
            "rows_written": written,
            "dagster/row_count": written,
        }
    )
