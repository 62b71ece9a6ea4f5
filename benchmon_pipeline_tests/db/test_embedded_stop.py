"""Stopping the embedded PostgreSQL reports what happened: stopped, not running, or failed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmon_pipeline.db import embedded

# A live process that is not a PostgreSQL server and ignores pg_ctl's stop signal.
_STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(600)\n"
)


def test_a_server_that_does_not_stop_is_reported_not_called_stopped(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", _STUBBORN], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        pgdata = tmp_path / "pgdata"
        pgdata.mkdir()
        (pgdata / "postmaster.pid").write_text(f"{process.pid}\n{pgdata}\n")
        with pytest.raises(embedded.StopFailed) as raised:
            embedded.stop(pgdata, wait_seconds=2)
        message = str(raised.value)
        assert f"pid {process.pid}" in message and "still running" in message
        assert process.poll() is None  # nothing claimed it stopped, and it did not
    finally:
        process.kill()
        process.wait()


def test_a_stale_pid_file_means_not_running(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "postmaster.pid").write_text(f"{process.pid}\n{pgdata}\n")
    assert embedded.stop(pgdata, wait_seconds=2) is False


def test_a_running_server_is_stopped(tmp_path):
    pgdata = tmp_path / "pgdata"
    embedded.start(pgdata)
    assert embedded.is_running(pgdata)
    assert embedded.stop(pgdata) is True
    assert not embedded.is_running(pgdata)
