import dagster as dg

from benchmon_pipeline.ingest.assets import benchmark_transactions

ingest_job = dg.define_asset_job(
    "ingest_inbox",
    selection=[benchmark_transactions],
    executor_def=dg.in_process_executor,
    description="Ingest a batch of inbox files into the transaction log.",
)
