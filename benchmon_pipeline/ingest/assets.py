"""The transaction log as a Dagster asset, fed by the inbox."""

import dagster as dg

from benchmon_pipeline.ingest.batch import CHUNK_FILES, BatchReport, Inbox, ingest_batch
from benchmon_pipeline.ingest.ledger import DUPLICATE, INGESTED, QUARANTINED
from benchmon_pipeline.ingest.names import ALLOWED, refused_names
from benchmon_pipeline.resources import InboxResource, PostgresResource, S3InboxResource
from benchmon_pipeline.settings import load_settings

inbox_files = dg.AssetSpec(
    "inbox",
    description="Result JSON files dropped into <root>/inbox/ by CI jobs and people.",
    group_name="ingest",
    kinds={"file"},
)


class IngestConfig(dg.Config):
    files: list[str] = []
    """Names relative to the inbox (folder or bucket prefix), as the sensors list them; a
    run refuses names that could lead out of it (ingest/names.py) before touching a file."""
    inbox: str = "folder"
    """Which inbox the files are in: "folder" or "s3"."""
    chunk_files: int = CHUNK_FILES
    """Files per database transaction: results and ledger rows commit chunk by chunk."""


@dg.asset(
    deps=[inbox_files],
    group_name="ingest",
    kinds={"postgres"},
    owners=["team:benchmon"],
    description="Append-only log of every result ever reported (benchmark_transactions).",
    retry_policy=dg.RetryPolicy(
        max_retries=5, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
    ),
)
def benchmark_transactions(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    postgres: PostgresResource,
    inbox: InboxResource,
    s3_inbox: S3InboxResource,
) -> dg.MaterializeResult:
    if config.inbox == "s3":
        _refuse_names_outside(config.files, None, "the S3 inbox")
        return ingest_and_report(context, s3_inbox.inbox(), "s3", config, postgres)
    if config.inbox != "folder":
        raise dg.Failure(f'unknown inbox {config.inbox!r}: use "folder" or "s3"')
    folder = inbox.folder()
    folder.ensure_layout()
    _refuse_names_outside(config.files, str(folder.inbox_dir), f"the inbox {folder.inbox_dir}")
    return ingest_and_report(context, folder, "folder", config, postgres)


def _refuse_names_outside(files: list[str], inbox_dir: str | None, where: str) -> None:
    """Fail the run, before any file is touched, if a name could lead out of the inbox
    (the UI launches runs with any config; the sensors never list such names)."""
    refused = refused_names(files, inbox_dir)
    if refused:
        shown = "\n".join(refused[:20]) + (
            f"\n… and {len(refused) - 20} more" if len(refused) > 20 else ""
        )
        raise dg.Failure(
            description=(
                f"refused run config: {len(refused)} of {len(files)} file name(s) do not "
                f"name a file in {where}; no file was read or moved.\n{shown}\n"
                f"Allowed: {ALLOWED}."
            ),
            allow_retries=False,
        )


def ingest_and_report(
    context: dg.AssetExecutionContext,
    inbox: Inbox,
    inbox_kind: str,
    config: IngestConfig,
    postgres: PostgresResource,
) -> dg.MaterializeResult:
    """Run the batch, log its story, and describe it in the materialization's metadata."""
    files = config.files

    def progress(report: BatchReport) -> None:
        context.log.info(f"{report.seen}/{len(files)} files: {report.summary()}")

    report = ingest_batch(
        files,
        inbox,
        postgres.connect,
        inbox_kind=inbox_kind,
        default_environment=load_settings().environment,
        dagster_run_id=context.run.run_id,
        chunk_files=config.chunk_files,
        progress=progress if len(files) > config.chunk_files else None,
    )
    for outcome in report.outcomes:
        for warning in outcome.warnings:
            context.log.warning(f"{outcome.name}: {warning}")
        if outcome.error:
            context.log.warning(
                f"quarantined {outcome.name}: [{outcome.error['error_code']}] "
                f"{outcome.error['message']}"
            )
    context.log.info(report.summary())
    quarantined = {o.name: o.error for o in report.outcomes if o.error}
    return dg.MaterializeResult(
        metadata={
            "files_seen": report.seen,
            "files_ingested": report.count(INGESTED),
            "files_duplicate": report.count(DUPLICATE),
            "files_quarantined": report.count(QUARANTINED),
            "files_already_handled": len(report.missing),
            "rows_appended": report.rows_appended,
            "quarantined": dg.MetadataValue.json(quarantined),
        }
    )
