"""Results stored outside Dagster runs (`benchmon push`, `benchmon inbox`, plain SQL) flow
on to the snapshots, their checks and the alerts, as the results of an ingest run do.

The sensor asks the database which rows such writers committed since its last look
(snapshots/outside_runs.py; rows of ingest runs are left out, their run's materialization
starts the snapshots through the automation). When there are some, it requests one run of
`benchmark_snapshots` with its checks; the report follows through the automation, as after
any snapshots run. Why a run of its own rather than a runless materialization of the log
for the automation to act on: that costs one more automation tick, and under load the
push → checks time then passed 30 s.

No race with the automation's runs: while a run that writes the log or the snapshots is
queued or in progress, the sensor waits (the rows stay pending in its cursor), and when
a snapshots run started after the rows were seen has already materialized, it requests
nothing. A burst of pushes between two ticks is one run. The fold applies each row once
whoever calls it (`fold_transactions`, sql/0012).
"""

import json
import time

import dagster as dg

from benchmon_pipeline.defs.ingest import benchmark_transactions
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.snapshots.outside_runs import stored_outside_runs

TICK_SECONDS = 5
KIND_TAG = {"benchmon/kind": "snapshots"}
WRITERS = {"ingest", "snapshots"}  # benchmon/kind of the runs that write log or snapshots
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]

snapshots_job = dg.define_asset_job(
    "refresh_snapshots",
    selection=dg.AssetSelection.assets(benchmark_snapshots),  # with its checks
    executor_def=dg.in_process_executor,
    tags=KIND_TAG,
    description="Materialize benchmark_snapshots and run its checks.",
)


def writing_runs(instance: dg.DagsterInstance) -> list[str]:
    """Queued or running runs that write the log or the snapshots."""
    keys = {benchmark_transactions.key, benchmark_snapshots.key}
    return [
        run.run_id
        for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS), limit=100)
        if run.tags.get("benchmon/kind") in WRITERS or keys & set(run.asset_selection or ())
    ]


def snapshots_since(instance: dg.DagsterInstance, database: str, since: float) -> bool:
    """Whether the latest materialization of the snapshots is about `database` and came
    from a run that started at or after `since` (so its checks saw every row seen then)."""
    records = instance.fetch_materializations(benchmark_snapshots.key, limit=1).records
    if not records or records[0].asset_materialization is None:
        return False
    about = records[0].asset_materialization.metadata.get("database")
    if about is None or about.value != database or not records[0].run_id:
        return False
    run = instance.get_run_record_by_id(records[0].run_id)
    return run is not None and run.start_time is not None and run.start_time >= since


def _state(cursor: str | None) -> dict:
    try:
        state = json.loads(cursor) if cursor else {}
        return state if isinstance(state, dict) else {}
    except ValueError:
        return {}


@dg.sensor(
    job=snapshots_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Runs the snapshots and their checks for results stored outside Dagster runs "
        "(benchmon push, SQL clients), so their alerts follow."
    ),
)
def results_outside_runs_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource
) -> dg.SensorResult:
    state = _state(context.cursor)
    with postgres.connect() as conn:
        found = stored_outside_runs(conn, state.get("log"))
    pending = state.get("pending_since")
    if found.rows:
        context.log.info(
            f"{found.rows} result(s) in {found.transactions} transaction(s) stored outside "
            "Dagster runs"
        )
        # now: after every one of them committed. Not the older pending time: a snapshots
        # run that started after that but before these rows came must not cover them
        pending = time.time()

    def result(requests=(), still_pending=None, skip=None) -> dg.SensorResult:
        cursor = json.dumps({"log": found.cursor, "pending_since": still_pending})
        return dg.SensorResult(
            run_requests=list(requests),
            cursor=cursor,
            skip_reason=dg.SkipReason(skip) if skip else None,
        )

    if pending is None:
        return result()
    busy = writing_runs(context.instance)
    if busy:
        return result(still_pending=pending, skip=f"waiting for run(s) {', '.join(busy)}")
    if snapshots_since(context.instance, found.database, pending):
        return result(skip="a snapshots run since has seen them")
    context.log.info("requesting the snapshots and their checks")
    return result([dg.RunRequest(run_key=f"outside-runs-{found.seen}", tags=KIND_TAG)])
