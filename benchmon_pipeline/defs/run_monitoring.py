"""Runs left STARTED by an unclean stop are failed, so their files are retried.

Dagster's default run launcher starts each run's worker as a local process and cannot
tell when that process is gone (its run monitoring checks only runs stuck STARTING).
After a SIGKILL, a crash of `benchmon dev` or a reboot, such runs stayed STARTED
forever: their files waited, and four of them filled the run queue. Every run worker
records its pid in an engine event ("Started process for run (pid: N)."); a STARTED
run whose worker process no longer exists — or whose pid now belongs to a process
started after the run — is reported failed here, and the inbox sensor then requests
its files again (re-ingesting is safe: results are stored once).

One host only: the pid is looked up on this machine, which is where the default run
launcher runs every worker. A Dagster module (it reads the instance); it moves into the
Dagster layer with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import psutil

_WORKER_STARTED = "Started process for run"


@dataclass(frozen=True)
class OrphanedRun:
    run: dg.DagsterRun
    pid: int
    reason: str


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the run's worker process and when it was recorded, if recorded."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=50
    ).records
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None or not (event.message or "").startswith(_WORKER_STARTED):
            continue
        pid = event.engine_event_data.metadata.get("pid")
        if pid is not None:
            return int(pid.value), entry.timestamp
    return None


def _gone(pid: int, recorded_at: float) -> str | None:
    """Why the worker `pid` (recorded at `recorded_at`) is gone, or None if it lives."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return f"run worker pid {pid} has exited"
        if process.create_time() > recorded_at + 1:
            return f"run worker pid {pid} is gone (the pid now belongs to another process)"
    except psutil.NoSuchProcess:
        return f"run worker pid {pid} is gone"
    except psutil.AccessDenied:
        return None  # it exists, owned by someone else: not ours to judge
    return None


def find_orphaned_runs(instance: dg.DagsterInstance) -> list[OrphanedRun]:
    """STARTED runs whose worker process no longer exists."""
    orphans = []
    records = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for record in records:
        found = worker_pid(instance, record.dagster_run.run_id)
        if found is None:
            continue  # no worker recorded yet: Dagster's start timeout covers that
        reason = _gone(*found)
        if reason:
            orphans.append(OrphanedRun(record.dagster_run, found[0], reason))
    return orphans


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[OrphanedRun]:
    """Report every orphaned run failed, with why; returns them."""
    orphans = find_orphaned_runs(instance)
    for orphan in orphans:
        instance.report_run_failed(
            orphan.run,
            f"{orphan.reason} (benchmon dev, the machine or PostgreSQL stopped mid-run); "
            "failed by benchmon's run monitor so that its files are retried",
        )
    return orphans


@dg.sensor(
    name="benchmon_orphaned_runs",
    description="Fails runs whose worker process is gone, so their files are retried.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
)
def orphaned_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = fail_orphaned_runs(context.instance)
    for orphan in failed:
        context.log.warning("run %s failed: %s", orphan.run.run_id, orphan.reason)
    if failed:
        return dg.SkipReason(f"failed {len(failed)} run(s) whose worker was gone")
    return dg.SkipReason("every STARTED run has a live worker")
