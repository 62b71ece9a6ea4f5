import dagster as dg

from benchmon_pipeline.ingest.assets import benchmark_transactions

# The queued run coordinator starts the highest dagster/priority first (default 0): new
# files go ahead of trend refreshes, snapshot and check runs waiting for a slot.
INGEST_PRIORITY = 10

ingest_job = dg.define_asset_job(
    "ingest_inbox",
    selection=[benchmark_transactions],
    executor_def=dg.in_process_executor,
    tags={"dagster/priority": str(INGEST_PRIORITY), "benchmon/kind": "ingest"},
    description="Ingest a batch of inbox files into the transaction log.",
)
