import dagster as dg

from benchmon_pipeline.trends.assets import daily_performance_trends

trends_job = dg.define_asset_job(
    "refresh_trends",
    selection=[daily_performance_trends],
    executor_def=dg.in_process_executor,
    description="Rebuild daily trend partitions (one day, or a range in one run).",
)
