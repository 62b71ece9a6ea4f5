"""`benchmon dev --dashboard` (what `make run` runs): the Dagster UI and the dashboard side
by side, both URLs printed, and one Ctrl-C stops both and everything they started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
import uuid

import psutil
import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db.urls import with_database
from benchmon_pipeline_tests.e2e.devserver import free_port, started_for, still_alive, wait_for

pytestmark = pytest.mark.e2e


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
            return answer.status == 200
    except OSError:
        return False


def test_dev_with_the_dashboard_serves_both_and_ctrl_c_stops_both(db_url, pg_server_url, tmp_path):
    dagster_db = f"bm_dag_{uuid.uuid4().hex[:10]}"
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(
        BENCHMON_DATABASE_URL=db_url,
        BENCHMON_DAGSTER_DATABASE_URL=with_database(pg_server_url, dagster_db),
        BENCHMON_HOME=str(home),
        BENCHMON_INBOX_ROOT=str(tmp_path / "root"),
    )
    ui, board = free_port(), free_port()
    log = tmp_path / "dev.log"
    command = [sys.executable, "-m", "benchmon_pipeline.cli", "dev", "--port", str(ui)]
    command += ["--dashboard", "--dashboard-port", str(board)]
    process = subprocess.Popen(
        command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    try:

        def dashboard_serves() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"benchmon dev exited early:\n{log.read_text()}")
            return _answers(f"http://127.0.0.1:{board}/_stcore/health")

        # Dagster's UI is not waited for (tests/e2e/test_benchmon_dev.py does): Ctrl-C while
        # it is still starting must stop it as well.
        wait_for(dashboard_serves, 120, f"the dashboard (log: {log})", every=0.2)
        said = log.read_text()
        assert f"Dagster UI: http://127.0.0.1:{ui}" in said
        assert f"dashboard: http://127.0.0.1:{board}" in said
        children = psutil.Process(process.pid).children(recursive=True)
        assert any("streamlit" in " ".join(c.cmdline()) for c in children)
        assert any("dagster" in " ".join(c.cmdline()) for c in children)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert process.wait(90) == 0, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(dagster_db)
                )
            )
    assert still_alive(children) == [], "a process of benchmon dev outlived Ctrl-C"
    assert started_for(home) == [], "a process of benchmon dev outlived Ctrl-C"
    assert not _answers(f"http://127.0.0.1:{board}/_stcore/health")
