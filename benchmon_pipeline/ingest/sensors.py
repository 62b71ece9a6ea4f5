"""The folder-inbox sensor: one run per tick for every file that is ready.

The cursor (JSON) remembers each file already requested with its size and mtime, so the
next tick does not request it again while the run works. A file that changes is
requested again; one still sitting in the inbox long after its request (its run failed)
is requested again after `RETRY_AFTER_SECONDS`. Re-requesting is safe: ingestion is
idempotent in the database.
"""


import hashlib
import json
import time

import dagster as dg

from benchmon_pipeline.ingest.jobs import ingest_job
from benchmon_pipeline.resources import InboxResource

TICK_SECONDS = 5
RETRY_AFTER_SECONDS = 600


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches <root>/inbox/ and starts one ingest run per batch of ready files.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
    now = time.time()
    pending: dict[str, dict] = json.loads(context.cursor or "{}").get("pending", {})
    ready = inbox.folder().ready_files(now=now)
    still_there = {f.name for f in ready}
    pending = {name: entry for name, entry in pending.items() if name in still_there}

    todo = [
        f for f in ready
        if f.name not in pending
        or pending[f.name]["fp"] != f.fingerprint
        or now - pending[f.name]["at"] > RETRY_AFTER_SECONDS
    ][: inbox.batch_size]

    run_requests = []
    if todo:
        names = [f.name for f in todo]
        key = hashlib.sha256(
            json.dumps([[f.name, f.fingerprint] for f in todo]).encode() + str(now).encode()
        ).hexdigest()[:32]
        run_requests.append(
            dg.RunRequest(
                run_key=key,
                run_config=dg.RunConfig(
                    ops={"benchmark_transactions": {"config": {"files": names}}}
                ),
                tags={"benchmon/files": str(len(names))},
            )
        )
        for f in todo:
            pending[f.name] = {"fp": f.fingerprint, "at": now}
        context.log.info(f"requesting ingest of {len(names)} file(s)")
    return dg.SensorResult(run_requests=run_requests, cursor=json.dumps({"pending": pending}))
