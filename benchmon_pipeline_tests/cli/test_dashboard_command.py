"""`benchmon dashboard` follows the CLI's conventions before it starts a server: it refuses
in CI with no database URL (78), says a schema is behind (75) and a port is taken (65), in
one line each. Serving itself is tested in a real browser (browser/test_dashboard.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from benchmon_pipeline.cli import exits


def benchmon(*args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_", "CI"))
    }
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_error_line(done: subprocess.CompletedProcess, says: str) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0], done.stderr
    assert "Traceback" not in done.stderr


def test_in_ci_without_a_database_url_it_refuses(tmp_path):
    done = benchmon("dashboard", "--port", "0", CI="true", BENCHMON_HOME=str(tmp_path))
    assert done.returncode == exits.CONFIG, done.stderr
    one_error_line(done, "BENCHMON_DATABASE_URL is not set, and this is a CI job")


def test_a_database_without_the_schema_is_behind(fresh_empty_database):
    done = benchmon("dashboard", "--port", "0", BENCHMON_DATABASE_URL=fresh_empty_database)
    assert done.returncode == exits.SCHEMA_BEHIND, done.stderr
    one_error_line(done, "run `benchmon db upgrade`")
    assert "benchmon: database" not in done.stderr  # it never got as far as serving


def test_a_port_in_use_is_named(db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = benchmon("dashboard", "--port", str(port), BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.INVALID_INPUT, done.stderr
    one_error_line(done, f"cannot serve the dashboard on 127.0.0.1:{port}")
