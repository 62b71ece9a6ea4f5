"""Run the real ingest job in this process, as a run worker would (used by fault tests).

Usage: python -m benchmon_pipeline_tests.ingest.run_ingest_job DB_URL INBOX_ROOT CONFIG_JSON
"""

import json
import sys

import dagster as dg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import InboxResource, PostgresResource


def ingest_job() -> dg.JobDefinition:
    """The ingest job as the code location defines it, for `dg.reconstructable` (its
    resources read BENCHMON_DATABASE_URL and BENCHMON_INBOX_ROOT)."""
    return defs.resolve_job_def("ingest_inbox")


if __name__ == "__main__":
    db_url, root, config = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    result = ingest_job().execute_in_process(
        run_config={"ops": {"benchmark_transactions": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "inbox": InboxResource(root=root),
        },
    )
    sys.exit(0 if result.success else 1)
