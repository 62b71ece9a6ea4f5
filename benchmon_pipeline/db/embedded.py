"""The embedded PostgreSQL: a server from the `pgserver` wheel, data under BENCHMON_HOME.

One process owns it (`benchmon dev`, or the test session): it starts the server, exports
the URL to every process it spawns, and stops it on exit. We pass `cleanup_mode=None`
so pgserver never stops a server behind our back (its reference counting leaks servers
when a process is killed); stopping is explicit, through `stop()`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

import psutil

log = logging.getLogger(__name__)


def start(pgdata: Path) -> str:
    """Start (or attach to) the server for `pgdata`; returns its libpq URL."""
    with warnings.catch_warnings():  # pgserver warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # heavy import, only needed when we really embed

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if not is_running(pgdata):
        _wait_until_gone(pgdata)
        # pgserver caches one handle per data dir and would hand back the handle of a
        # server we stopped earlier in this process instead of starting it again.
        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


class StopFailed(RuntimeError):
    """The server for a data directory is still running after `pg_ctl stop`."""


def stop(pgdata: Path, wait_seconds: int = 60) -> bool:
    """Stop the server for `pgdata` if it is running; True if one was stopped.

    False when none was running (no or a stale `postmaster.pid`); `StopFailed` when one
    is still running afterwards, so no caller reports "stopped" for a live server.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import _commands

    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "pgserver" if os.geteuid() == 0 else None
    try:
        _commands.pg_ctl(
            ["-w", "-t", str(wait_seconds), "-m", "fast", "stop"],
            pgdata=pgdata,
            user=user,
            timeout=wait_seconds + 30,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        if not is_running(pgdata):
            log.info("embedded PostgreSQL at %s was not running", pgdata)
            return False
        pid = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        raise StopFailed(
            f"could not stop the embedded PostgreSQL in {pgdata} (pid {pid}): pg_ctl stop "
            f"failed ({exc}); it is still running. Stop it with `kill {pid}` (or "
            f"`kill -9 {pid}` if it does not exit), then start benchmon again."
        ) from exc
    return True


def binaries() -> Path:
    """Where the wheel's PostgreSQL programs are (pg_ctl, psql, pg_dump …)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def is_running(pgdata: Path) -> bool:
    """True if a server is running on `pgdata` (per its postmaster.pid). A killed server
    that its parent has not reaped yet (a zombie) is not running."""
    pid = _postmaster_pid(pgdata)
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # running as the pgserver user


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None


def _wait_until_gone(pgdata: Path, seconds: float = 15.0) -> None:
    """A server killed a moment ago may linger as a zombie, and PostgreSQL refuses to start
    while the pid in postmaster.pid exists at all: wait (briefly) until it is reaped."""
    pid = _postmaster_pid(pgdata)
    if pid is None:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return  # alive (not ours to wait for) or another process now
        except psutil.NoSuchProcess:
            return
        time.sleep(0.1)


def exists(pgdata: Path) -> bool:
    """True if `pgdata` holds an embedded server's data directory (running or not)."""
    return (pgdata / "PG_VERSION").is_file()
