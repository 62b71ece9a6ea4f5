"""A STARTED run whose worker process is gone is failed, so its files are retried."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
from dagster._core.events import EngineEventData

from benchmon_pipeline.defs.ingest import FINISHED
from benchmon_pipeline.defs.run_monitoring import fail_orphaned_runs, orphaned_runs_sensor


def _started_run(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun:
    run = instance.add_run(
        dg.DagsterRun(job_name="ingest_inbox", status=dg.DagsterRunStatus.STARTED)
    )
    # what Dagster's run worker records when it starts (dagster/_grpc/impl.py)
    instance.report_engine_event(
        f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid)
    )
    return run


def test_a_run_whose_worker_died_is_failed_and_a_live_one_is_left_alone():
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        with dg.instance_for_test() as instance:
            orphan = _started_run(instance, dead.pid)
            healthy = _started_run(instance, live.pid)
            never_started = instance.add_run(
                dg.DagsterRun(job_name="ingest_inbox", status=dg.DagsterRunStatus.STARTED)
            )

            failed = fail_orphaned_runs(instance)

            assert [o.run.run_id for o in failed] == [orphan.run_id]
            assert f"pid {dead.pid} is gone" in failed[0].reason
            stored = instance.get_run_by_id(orphan.run_id)
            assert stored.status == dg.DagsterRunStatus.FAILURE
            assert stored.status in FINISHED  # the inbox sensor requests its files again
            assert instance.get_run_by_id(healthy.run_id).status == dg.DagsterRunStatus.STARTED
            assert (
                instance.get_run_by_id(never_started.run_id).status == dg.DagsterRunStatus.STARTED
            )
            assert fail_orphaned_runs(instance) == []  # once failed, never again
    finally:
        live.kill()
        live.wait()


def test_the_sensor_fails_orphans_and_says_so():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with dg.instance_for_test() as instance:
        run = _started_run(instance, dead.pid)
        result = orphaned_runs_sensor(dg.build_sensor_context(instance=instance))
        assert "failed 1 run" in result.skip_message
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        again = orphaned_runs_sensor(dg.build_sensor_context(instance=instance))
        assert "every STARTED run has a live worker" in again.skip_message
