"""The benchmon code location: every asset, check, job, sensor and resource."""

import dagster as dg

from benchmon_pipeline.ingest.assets import benchmark_transactions, inbox_files
from benchmon_pipeline.ingest.jobs import ingest_job
from benchmon_pipeline.ingest.sensors import inbox_sensor, s3_inbox_sensor
from benchmon_pipeline.resources import InboxResource, PostgresResource, S3InboxResource

defs = dg.Definitions(
    assets=[inbox_files, benchmark_transactions],
    jobs=[ingest_job],
    sensors=[inbox_sensor, s3_inbox_sensor],
    resources={
        "postgres": PostgresResource(),
        "inbox": InboxResource(),
        "s3_inbox": S3InboxResource.from_environment(),
    },
)
