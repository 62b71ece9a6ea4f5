"""Ingest in Dagster: the inbox, the transaction-log asset, the ingest job and the inbox
sensors (one run per tick for every batch of files that is ready; which files a run takes
is `ingest/planning.py`'s)."""

import time
from collections.abc import Callable

import dagster as dg

from benchmon_pipeline.defs.resources import InboxResource, PostgresResource, S3InboxResource
from benchmon_pipeline.ingest.batch import CHUNK_FILES, BatchReport, Inbox, ingest_batch
from benchmon_pipeline.ingest.ledger import DUPLICATE, INGESTED, QUARANTINED
from benchmon_pipeline.ingest.names import ALLOWED, refused_names
from benchmon_pipeline.ingest.planning import InboxState, plan_batches
from benchmon_pipeline.settings import S3_BUCKET_VAR, get_settings

INBOX_KEY = dg.AssetKey("inbox")
OBSERVE_EVERY_SECONDS = 60  # while files wait; a change of count is reported at once


def _observation(state: InboxState, where: str) -> dict:
    return {
        "files_waiting": state.files_waiting,
        "bytes_waiting": state.bytes_waiting,
        "oldest_file_age_seconds": (
            dg.MetadataValue.float(state.oldest_file_age_seconds)
            if state.oldest_file_age_seconds is not None
            else dg.MetadataValue.null()
        ),
        "inbox": where,
    }


@dg.observable_source_asset(
    key=INBOX_KEY,
    description=(
        "Result JSON files dropped into <root>/inbox/ by CI jobs and people. Observed by the "
        "inbox sensor (files waiting, the oldest file's age) whenever the count changes and "
        "every minute while files wait; the Observe button looks now."
    ),
    group_name="ingest",
)
def inbox_files(inbox: InboxResource) -> dg.ObserveResult:
    folder = inbox.folder()
    state = InboxState.of(folder.ready_files(), time.time())
    return dg.ObserveResult(metadata=_observation(state, str(folder.inbox_dir)))


def _last_observed(context: dg.SensorEvaluationContext) -> tuple[InboxState | None, float]:
    """The inbox's last observation, as a state, and how many seconds ago it was made."""
    records = context.instance.fetch_observations(INBOX_KEY, limit=1).records
    if not records or records[0].asset_observation is None:
        return None, float("inf")
    metadata = records[0].asset_observation.metadata
    if "files_waiting" not in metadata:
        return None, float("inf")
    age = metadata.get("oldest_file_age_seconds")
    state = InboxState(
        int(metadata["files_waiting"].value),
        int(metadata["bytes_waiting"].value) if "bytes_waiting" in metadata else 0,
        age.value if age is not None else None,
    )
    return state, time.time() - records[0].timestamp


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
        default_environment=get_settings().environment,
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


TICK_SECONDS = 5
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def _finished_runs(context: dg.SensorEvaluationContext) -> Callable[[set[str]], set[str]]:
    def finished(keys: set[str]) -> set[str]:
        done = set()
        for key in keys:
            runs = context.instance.get_runs(
                filters=dg.RunsFilter(tags={"dagster/run_key": key}), limit=1
            )
            if runs and runs[0].status in FINISHED:
                done.add(key)
        return done

    return finished


def _result(
    context,
    inbox_kind: str,
    batches: list[tuple[list[str], str]],
    cursor: str,
    observations: list | None = None,
):
    run_requests = [
        dg.RunRequest(
            run_key=key,
            run_config=dg.RunConfig(
                ops={"benchmark_transactions": {"config": {"files": names, "inbox": inbox_kind}}}
            ),
            tags={"benchmon/inbox": inbox_kind, "benchmon/files": str(len(names))},
        )
        for names, key in batches
    ]
    if run_requests:
        files = sum(len(names) for names, _ in batches)
        context.log.info(
            f"requesting {len(run_requests)} ingest run(s) for {files} file(s) "
            f"from the {inbox_kind} inbox"
        )
    return dg.SensorResult(
        run_requests=run_requests, cursor=cursor, asset_events=observations or []
    )


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches <root>/inbox/ and starts one ingest run per batch of ready files.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
    now = time.time()
    folder = inbox.folder()
    ready = folder.ready_files(now=now)
    planned = plan_batches(context.cursor, ready, inbox.batch_size, now, _finished_runs(context))
    state = InboxState.of(ready, now)
    last, since = _last_observed(context)
    observations = (
        [dg.AssetObservation(INBOX_KEY, metadata=_observation(state, str(folder.inbox_dir)))]
        if state.worth_reporting(last, OBSERVE_EVERY_SECONDS, since)
        else []
    )
    return _result(context, "folder", *planned, observations)


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=(
        dg.DefaultSensorStatus.RUNNING
        if get_settings().s3_bucket
        else dg.DefaultSensorStatus.STOPPED
    ),
    description="Watches s3://<bucket>/<prefix>/inbox/ (set BENCHMON_S3_BUCKET to enable).",
)
def s3_inbox_sensor(
    context: dg.SensorEvaluationContext, s3_inbox: S3InboxResource
) -> dg.SensorResult | dg.SkipReason:
    if not s3_inbox.bucket:
        return dg.SkipReason(f"no bucket configured: set {S3_BUCKET_VAR}")
    now = time.time()
    ready = s3_inbox.inbox().ready_files(now=now)
    planned = plan_batches(context.cursor, ready, s3_inbox.batch_size, now, _finished_runs(context))
    return _result(context, "s3", *planned)
