"""The README's run command, as a new user lives it: embedded PostgreSQL, UI, sensor,
a dropped file reaching the log, Ctrl-C, restart with data and run history intact."""

import json
import os
import shutil

import psutil
import psycopg
import pytest

from benchmon_pipeline.db.embedded import is_running
from benchmon_pipeline_tests.e2e.devserver import DevServer, started_for, still_alive, wait_for
from benchmon_pipeline_tests.helpers import FIXTURES

pytestmark = pytest.mark.e2e


def _embedded_url(home) -> str:
    # The server is running: pgserver's postmaster.pid names its socket directory.
    lines = (home / "pgdata" / "postmaster.pid").read_text().splitlines()
    return f"postgresql://postgres:@/benchmon?host={lines[4]}"


def test_run_command_on_embedded_postgres_survives_a_restart(tmp_path):
    home, root = tmp_path / "home", tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(BENCHMON_HOME=str(home), BENCHMON_INBOX_ROOT=str(root))
    server = DevServer(env, tmp_path / "dev.log")

    server.start()
    try:
        assert server.sensor_status("inbox_sensor") == "RUNNING"
        assert json.loads((home / "dev.json").read_text())["url"] == server.url
        shutil.copy(FIXTURES / "sample_benchmark_results.json", root / "inbox" / "sample.json")

        def stored():
            with psycopg.connect(_embedded_url(home)) as conn:
                return conn.execute(
                    "SELECT model_version, metrics->>'f1' FROM benchmark_transactions"
                ).fetchall()

        # (bounds of waits, not timings: a loaded 2-core CI machine starts runs slowly)
        assert wait_for(stored, 90, "the sample row") == [("medgemma-v1.2", "0.895")]
        ingest_runs = wait_for(
            lambda: [
                r
                for r in server.runs()
                if r["status"] == "SUCCESS" and r["jobName"] == "ingest_inbox"
            ],
            90,
            "a successful ingest run",
        )
        assert len(ingest_runs) == 1, "one file, one ingest run"
        # the file's day may also be refreshed (trend_late_data_sensor) or the snapshots
        # materialized by then (automation); nothing else runs, and nothing fails
        runs = server.runs()
        assert {r["jobName"] for r in runs} <= {"ingest_inbox", "refresh_trends", "__ASSET_JOB"}
        assert all(r["status"] != "FAILURE" for r in runs)
        assert not (root / "inbox" / "sample.json").exists()
        assert len(list((root / "archive").rglob("sample.json"))) == 1
        children = server.descendants()
        postmaster = psutil.Process(
            int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        )
    finally:
        server.stop()

    assert still_alive(children) == []
    assert not postmaster.is_running() or postmaster.status() == psutil.STATUS_ZOMBIE
    assert not is_running(home / "pgdata")
    assert started_for(home) == [], "a process started by benchmon dev outlived it"
    assert not (home / "dev.json").exists(), "removed when benchmon dev stops"

    server.start()
    try:
        # every run from before the restart is still listed (automation may have added more)
        assert {r["runId"] for r in runs} <= {r["runId"] for r in server.runs()}
        with psycopg.connect(_embedded_url(home)) as conn:
            assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone() == (1,)
    finally:
        server.stop()
    assert not is_running(home / "pgdata")
    assert started_for(home) == [], "a process started by benchmon dev outlived it"
