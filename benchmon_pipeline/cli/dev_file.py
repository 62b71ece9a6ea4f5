"""Where the running `benchmon dev` serves its UI: `$BENCHMON_HOME/dev.json`.

`benchmon dev` writes it once Dagster is started and removes it when it stops; commands
that talk to the UI (`trends backfill`) read it, so they follow `dev --port` without being
told. A file left by a `benchmon dev` that was killed names a process that is gone (or a
pid now used by another program, told apart by its start time): that reads as not running.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

FILE_NAME = "dev.json"


@dataclass(frozen=True)
class DevServer:
    url: str
    pid: int


class NotRunning(Exception):
    """No `benchmon dev` is serving for this BENCHMON_HOME."""


def dev_file(home: Path) -> Path:
    return home / FILE_NAME


def _reachable_host(host: str) -> str:
    """The address a client on this machine uses for a server listening on `host`."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (not binding: reading where dev listens)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def write(home: Path, host: str, port: int, pid: int | None = None) -> Path:
    """Record this process as the running `benchmon dev` (written whole, then renamed)."""
    pid = pid or os.getpid()
    path = dev_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "url": f"http://{_reachable_host(host)}:{port}",
        "host": host,
        "port": port,
        "pid": pid,
        "started": psutil.Process(pid).create_time(),
    }
    partial = path.with_name(f".{FILE_NAME}.{pid}")
    partial.write_text(json.dumps(record) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def remove(home: Path, pid: int | None = None) -> None:
    """Remove the file if it still names this process (a newer `benchmon dev` may own it)."""
    path = dev_file(home)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == (pid or os.getpid()):
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int, started: float | None) -> bool:
    try:
        process = psutil.Process(pid)
        return started is None or abs(process.create_time() - started) < 1
    except psutil.Error:
        return False


def running(home: Path) -> DevServer:
    """The `benchmon dev` serving for `home`; raises NotRunning saying why not."""
    path = dev_file(home)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        server = DevServer(str(record["url"]), int(record["pid"]))
        started = record.get("started")
    except FileNotFoundError:
        raise NotRunning(f"benchmon dev is not running (no {path})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotRunning(f"benchmon dev is not running ({path} is unreadable: {exc})") from None
    if not _alive(server.pid, started):
        raise NotRunning(
            f"benchmon dev is not running (its process {server.pid}, recorded in {path}, is gone)"
        )
    return server
