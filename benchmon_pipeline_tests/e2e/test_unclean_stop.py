"""After an unclean stop nothing stays stuck: a killed embedded PostgreSQL is restarted
by `benchmon dev`, runs whose worker was killed are failed, and every file reaches the log."""

import contextlib
import os
import shutil
import signal

import psutil
import psycopg
import pytest

from benchmon_pipeline_tests.e2e.devserver import DevServer, wait_for
from benchmon_pipeline_tests.helpers import FIXTURES

pytestmark = pytest.mark.e2e


def _postmaster(home) -> tuple[int, str]:
    lines = (home / "pgdata" / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), f"postgresql://postgres:@/benchmon?host={lines[4]}"


def _count(home) -> int:
    try:
        with psycopg.connect(_postmaster(home)[1], connect_timeout=3) as conn:
            return conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0]
    except (psycopg.Error, FileNotFoundError, IndexError, ValueError):
        return -1


def test_a_killed_embedded_postgres_is_restarted_and_files_still_land(tmp_path):
    home, root = tmp_path / "home", tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(BENCHMON_HOME=str(home), BENCHMON_INBOX_ROOT=str(root))
    server = DevServer(env, tmp_path / "dev.log")
    server.start()
    try:
        shutil.copy(FIXTURES / "sample_benchmark_results.json", root / "inbox" / "first.json")
        wait_for(lambda: _count(home) == 1, 60, "the first file in the log")
        pid, _ = _postmaster(home)
        os.kill(pid, signal.SIGKILL)

        wait_for(
            lambda: "embedded PostgreSQL restarted" in (tmp_path / "dev.log").read_text(),
            90,
            "benchmon dev to restart its PostgreSQL",
        )
        assert _postmaster(home)[0] != pid
        # a file dropped after the crash lands without anyone's help
        sample = (FIXTURES / "sample_benchmark_results.json").read_text()
        (root / "inbox" / "second.json").write_text(sample.replace("0.895", "0.896"))
        wait_for(lambda: _count(home) == 2, 90, "the second file in the log")
        assert "stopped unexpectedly; restarting" in (tmp_path / "dev.log").read_text()
    finally:
        server.stop()


def test_runs_killed_mid_ingest_are_failed_on_restart_and_their_files_land(tmp_path):
    home, root = tmp_path / "home", tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(BENCHMON_HOME=str(home), BENCHMON_INBOX_ROOT=str(root))
    server = DevServer(env, tmp_path / "dev.log")
    server.start()
    try:
        sample = (FIXTURES / "sample_benchmark_results.json").read_text()
        files = 3000
        for i in range(files):
            (root / "inbox" / f"r{i:05d}.json").write_text(sample.replace("0.895", f"0.{i:04d}"))
        started = wait_for(
            lambda: [
                r["runId"]
                for r in server.runs()
                if r["status"] == "STARTED" and r["jobName"] == "ingest_inbox"
            ],
            120,
            "an ingest run in progress",
            every=0.1,
        )
        # an unclean stop of everything: benchmon dev, Dagster, the run workers, PostgreSQL
        victims = [*server.descendants(), psutil.Process(server.process.pid)]
        victims.append(psutil.Process(_postmaster(home)[0]))
        for process in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        server.process.wait()
    except BaseException:
        server.stop()
        raise

    server.start()
    try:
        wait_for(
            lambda: {r["runId"]: r["status"] for r in server.runs()}.get(started[0]) == "FAILURE",
            120,
            f"the orphaned run {started[0]} to be failed",
        )
        wait_for(lambda: _count(home) == files, 180, f"all {files} files in the log")
        # Files whose results the killed run committed but never moved are read again by a
        # later run (their results are duplicates) and only then archived.
        wait_for(
            lambda: not list((root / "inbox").glob("*.json")), 120, "every file out of the inbox"
        )
        assert _count(home) == files  # and nothing stored twice
    finally:
        server.stop()
