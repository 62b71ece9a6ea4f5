"""Faults that must end with every unique result stored exactly once and every file
accounted for: a run re-executed, a worker killed with SIGKILL mid-batch, PostgreSQL
restarting mid-run."""

import json
import shutil
import signal
import subprocess
import sys
import threading
import time

import dagster as dg
import psycopg
import pytest

from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.server import ensure_database
from benchmon_pipeline.db.urls import with_database
from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.ingest import inbox_sensor
from benchmon_pipeline.defs.resources import InboxResource, PostgresResource
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline_tests.e2e.devserver import wait_for
from benchmon_pipeline_tests.helpers import drop_file, rows
from benchmon_pipeline_tests.ingest.run_ingest_job import ingest_job

FILES, DUPLICATES, CHUNK = 600, 60, 20


def _drop_results(root) -> int:
    """FILES files, the last DUPLICATES repeating earlier contents; returns unique count."""
    for i in range(FILES):
        n = i if i < FILES - DUPLICATES else i - (FILES - DUPLICATES)
        drop_file(
            root,
            f"batch/r{i:04d}.json",
            {
                "model_version": f"model-{n % 7}",
                "dataset_version": "d",
                "prompt_version": "p",
                "run_id": f"run-{n}",
                "metrics": {"f1": n / FILES, "latency_ms": 100 + n},
            },
        )
    return FILES - DUPLICATES


def _ledger_count(url) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT count(*) FROM ingested_files").fetchone()[0]
    except psycopg.OperationalError:
        return 0


def _assert_exactly_once(url, root, unique):
    with psycopg.connect(url) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT content_sha256) FROM benchmark_transactions"
        ).fetchone()
        accounted = {
            row[0].rsplit("/", 1)[1]
            for row in conn.execute(
                "SELECT uri FROM ingested_files WHERE status IN ('ingested', 'duplicate')"
            )
        }
    assert (total, distinct) == (unique, unique)
    assert accounted == {f"r{i:04d}.json" for i in range(FILES)}, "a file has no ledger row"
    assert list((root / "inbox").rglob("*.json")) == []
    assert len(list((root / "archive").rglob("*.json"))) == FILES


def _config(names):
    return {"files": names, "inbox": "folder", "chunk_files": CHUNK}


def test_a_run_re_executed_stores_nothing_twice(db_url, dagster_instance, tmp_path, monkeypatch):
    """Dagster's re-execution of a finished ingest run (the UI's "Re-execute"): the same
    run config again, once as it is and once after a file came back to the inbox (as if its
    move had been lost). Nothing is stored twice and every file keeps exactly one outcome
    per run that saw it."""
    monkeypatch.setenv("BENCHMON_DATABASE_URL", db_url)
    monkeypatch.setenv("BENCHMON_INBOX_ROOT", str(tmp_path))
    for name, run in [("a.json", "r1"), ("b.json", "r2"), ("copy of a.json", "r1")]:
        drop_file(
            tmp_path,
            name,
            {
                "model_version": "m",
                "dataset_version": "d",
                "prompt_version": "p",
                "run_id": run,
                "metrics": {"f1": 0.5},
            },
        )
    drop_file(tmp_path, "bad.json", '{"model_version": ')
    names = sorted(f.name for f in FolderInbox(tmp_path).ready_files())
    assert len(names) == 4
    job = dg.reconstructable(ingest_job)
    run_config = {"ops": {"benchmark_transactions": {"config": {"files": names}}}}
    first = dg.execute_job(job, dagster_instance, run_config=run_config)
    assert first.success

    again = dg.execute_job(
        job, dagster_instance, reexecution_options=dg.ReexecutionOptions(first.run_id)
    )
    (archived,) = (tmp_path / "archive").rglob("a.json")
    shutil.copy(archived, tmp_path / "inbox" / "a.json")  # a lost move: the file is back
    once_more = dg.execute_job(
        job, dagster_instance, reexecution_options=dg.ReexecutionOptions(first.run_id)
    )
    assert again.success and once_more.success
    for result in (again, once_more):
        run = dagster_instance.get_run_by_id(result.run_id)
        assert (run.parent_run_id, run.run_config) == (first.run_id, run_config), "a re-execution"

    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone() == (2,)
        ledger = rows(
            conn,
            "SELECT uri, status, dagster_run_id, transaction_ids  FROM ingested_files ORDER BY id",
        )
    outcomes = [(r["uri"].rsplit("/", 1)[1], r["status"], r["dagster_run_id"]) for r in ledger]
    assert sorted(outcomes) == sorted(
        [
            ("a.json", "ingested", first.run_id),
            ("b.json", "ingested", first.run_id),
            ("copy of a.json", "duplicate", first.run_id),
            ("bad.json", "quarantined", first.run_id),
            ("a.json", "duplicate", once_more.run_id),
        ]
    ), "the plain re-execution recorded nothing"
    assert ledger[-1]["transaction_ids"] == ledger[0]["transaction_ids"] != []
    assert not list((tmp_path / "inbox").rglob("*.json")), "every file moved"


def test_worker_killed_mid_batch_then_the_sensor_runs_again(db_url, dagster_instance, tmp_path):
    unique = _drop_results(tmp_path)
    names = [f.name for f in FolderInbox(tmp_path).ready_files()]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmon_pipeline_tests.ingest.run_ingest_job",
            db_url,
            str(tmp_path),
            json.dumps(_config(names)),
        ]
    )
    wait_for(lambda: _ledger_count(db_url) >= 3 * CHUNK, 120, "a few committed chunks", every=0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    left = len(list((tmp_path / "inbox").rglob("*.json")))
    assert 0 < left < FILES, "the kill must land mid-batch"

    tick = inbox_sensor(
        dg.build_sensor_context(
            instance=dagster_instance,
            definitions=defs,
            resources={"inbox": InboxResource(root=str(tmp_path))},
        )
    )
    (request,) = tick.run_requests
    config = request.run_config["ops"]["benchmark_transactions"]["config"]
    assert len(config["files"]) == left
    result = defs.resolve_job_def("ingest_inbox").execute_in_process(
        run_config={
            "ops": {"benchmark_transactions": {"config": {**config, "chunk_files": CHUNK}}}
        },
        instance=dagster_instance,
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "inbox": InboxResource(root=str(tmp_path)),
        },
    )
    assert result.success
    _assert_exactly_once(db_url, tmp_path, unique)


@pytest.fixture
def private_server(tmp_path):
    """A results database on a PostgreSQL server of this test's own, to stop and restart."""
    pgdata = tmp_path / "pg" / "pgdata"
    url = with_database(embedded.start(pgdata), "benchmon")
    ensure_database(url)
    migrations.upgrade(url)
    yield pgdata, url
    embedded.stop(pgdata)


# A step retried in-process leaves its first attempt's compute-log `tail -F` running until
# pytest exits (Dagster's local compute log manager); this test is about PostgreSQL, so its
# run captures no compute logs.
NO_COMPUTE_LOGS = {
    "compute_logs": {
        "module": "dagster._core.storage.noop_compute_log_manager",
        "class": "NoOpComputeLogManager",
    }
}


@pytest.fixture
def instance_without_compute_logs():
    with dg.instance_for_test(overrides=NO_COMPUTE_LOGS) as instance:
        yield instance


def test_postgres_restarting_mid_run(private_server, instance_without_compute_logs, tmp_path):
    dagster_instance = instance_without_compute_logs
    pgdata, url = private_server
    root = tmp_path / "work"
    unique = _drop_results(root)
    names = [f.name for f in FolderInbox(root).ready_files()]
    outcome = {}

    def run():
        outcome["result"] = defs.resolve_job_def("ingest_inbox").execute_in_process(
            run_config={"ops": {"benchmark_transactions": {"config": _config(names)}}},
            instance=dagster_instance,
            raise_on_error=False,
            resources={
                "postgres": PostgresResource(database_url=url),
                "inbox": InboxResource(root=str(root)),
            },
        )

    worker = threading.Thread(target=run)
    worker.start()
    wait_for(lambda: _ledger_count(url) >= 2 * CHUNK, 120, "a few committed chunks", every=0.05)
    assert embedded.stop(pgdata)
    time.sleep(1.5)
    assert embedded.start(pgdata)
    worker.join(180)
    result = outcome["result"]
    assert result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries, "the outage must have been noticed and retried"
    _assert_exactly_once(url, root, unique)
