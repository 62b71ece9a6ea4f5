"""The transaction log as a Dagster asset, fed by the inbox."""

import dagster as dg

from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.resources import InboxResource, PostgresResource
from benchmon_pipeline.settings import load_settings

inbox_files = dg.AssetSpec(
    "inbox",
    description="Result JSON files dropped into <root>/inbox/ by CI jobs and people.",
    group_name="ingest",
    kinds={"file"},
)

class IngestConfig(dg.Config):
    files: list[str] = []
    """Paths relative to the inbox folder, as the inbox sensor lists them."""

@dg.asset(
    deps=[inbox_files],
    group_name="ingest",
    kinds={"postgres"},
    owners=["team:benchmon"],
    description="Append-only log of every result ever reported (benchmark_transactions).",
)
def benchmark_transactions(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    postgres: PostgresResource,
    inbox: InboxResource,
) -> dg.MaterializeResult:
    folder = inbox.folder()
    folder.ensure_layout()
    report = ingest_batch(
        config.files,
        folder,
        postgres.connect,
        default_environment=load_settings().environment,
    )
    for warning in report.warnings:
        context.log.warning(warning)
    for name, error in report.quarantined.items():
        context.log.warning(f"quarantined {name}: [{error['error_code']}] {error['message']}")
    context.log.info(
        f"{len(report.ingested)} file(s) ingested, {len(report.quarantined)} quarantined, "
        f"{len(report.transaction_ids)} result(s) appended"
    )
    return dg.MaterializeResult(
        metadata={
            "files_seen": report.seen,
            "files_ingested": len(report.ingested),
            "files_quarantined": len(report.quarantined),
            "rows_appended": len(report.transaction_ids),
            "quarantined": dg.MetadataValue.json(report.quarantined),
        }
    )
