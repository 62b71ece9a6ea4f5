"""After an unclean stop nothing stays stuck: a killed embedded PostgreSQL is restarted
by `benchmon dev`, and files dropped before and after it all reach the log."""

import os
import shutil
import signal

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
