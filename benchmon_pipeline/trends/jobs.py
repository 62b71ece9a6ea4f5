import dagster as dg

from benchmon_pipeline.trends.assets import daily_performance_trends

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
