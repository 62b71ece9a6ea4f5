"""Inbox sensors: one run per tick for every batch of files that is ready.

The cursor (JSON) remembers each file already requested with its size, mtime and the
run key of its request, so the next tick does not request it again while the run works.
A file is requested again when it changes, when the run that should have handled it has
finished and the file is still there (the run failed, or was killed), or, if that run
cannot be found, after `RETRY_AFTER_SECONDS`. Re-requesting is always safe: a result is
stored at most once, keyed by its content hash in the database.
"""

import hashlib
import json
import os
import time
from collections.abc import Callable

import dagster as dg

from benchmon_pipeline.ingest.inbox import InboxFile
from benchmon_pipeline.ingest.jobs import ingest_job
from benchmon_pipeline.resources import InboxResource, S3InboxResource
from benchmon_pipeline.settings import S3_BUCKET_VAR

TICK_SECONDS = 5
RETRY_AFTER_SECONDS = 600
RUNS_PER_TICK = 2  # a burst of 10,000 files: two runs, one per core


FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def plan_batches(
    cursor: str | None,
    ready: list[InboxFile],
    batch_size: int,
    now: float,
    finished_keys: Callable[[set[str]], set[str]] = lambda keys: set(),
    max_runs: int = RUNS_PER_TICK,
) -> tuple[list[tuple[list[str], str]], str]:
    """The batches to request now — (file names, run key) each — and the cursor to keep.

    `finished_keys(keys)` tells which of the given run keys belong to runs that have
    finished (the sensor asks the Dagster instance).
    """
    pending: dict[str, dict] = json.loads(cursor or "{}").get("pending", {})
    still_there = {f.name for f in ready}
    pending = {name: entry for name, entry in pending.items() if name in still_there}
    done = finished_keys({entry.get("key", "") for entry in pending.values()} - {""})
    todo = [
        f
        for f in ready
        if f.name not in pending
        or pending[f.name]["fp"] != f.fingerprint
        or pending[f.name].get("key") in done
        or now - pending[f.name]["at"] > RETRY_AFTER_SECONDS
    ][: batch_size * max_runs]
    batches = []
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        names = [f.name for f in batch]
        key = hashlib.sha256(json.dumps([names, now]).encode()).hexdigest()[:32]
        for f in batch:
            pending[f.name] = {"fp": f.fingerprint, "at": now, "key": key}
        batches.append((names, key))
    return batches, json.dumps({"pending": pending})


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


def _result(context, inbox_kind: str, batches: list[tuple[list[str], str]], cursor: str):
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
    return dg.SensorResult(run_requests=run_requests, cursor=cursor)


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches <root>/inbox/ and starts one ingest run per batch of ready files.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
    now = time.time()
    ready = inbox.folder().ready_files(now=now)
    planned = plan_batches(context.cursor, ready, inbox.batch_size, now, _finished_runs(context))
    return _result(context, "folder", *planned)


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=(
        dg.DefaultSensorStatus.RUNNING
        if os.environ.get(S3_BUCKET_VAR)
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
