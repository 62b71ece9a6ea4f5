"""`benchmon dashboard`: the interactive dashboard (reports/app.py) served by Streamlit.

Streamlit runs as a child process (`python -m streamlit run …/reports/app.py`), headless
and with its usage statistics off, told the results database through
BENCHMON_DATABASE_URL — the one this command checked (reachable, schema current, a
benchmon role) and named on stderr, so a login granted only benchmon_reader is enough.
`benchmon dev --dashboard` starts the same child beside Dagster (`start`, `stop`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.params import PORT
from benchmon_pipeline.cli.processes import stop_group
from benchmon_pipeline.settings import DATABASE_URL_VAR, get_settings

DEFAULT_PORT = 8501  # Streamlit's own
READY_SECONDS = 60
STOP_GRACE_SECONDS = 15


def app_path() -> Path:
    """The Streamlit script, shipped in the package: any working directory works."""
    import benchmon_pipeline.reports

    return Path(benchmon_pipeline.reports.__file__).with_name("app.py")


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
    ]


def url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def check_port_free(host: str, port: int) -> None:
    """Streamlit told a port in use exits with a line buried in its log; say it first."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(
                f"cannot serve the dashboard on {host}:{port} ({exc.strerror}): pass "
                "--port N for a free port",
                exits.INVALID_INPUT,
            ) from exc


def start(host: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Streamlit serving the dashboard, in a process group of its own (stopped by `stop`)."""
    return subprocess.Popen(command(host, port), env=env, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    stop_group(process, STOP_GRACE_SECONDS)


def wait_until_serving(process: subprocess.Popen, address: str) -> None:
    """Poll Streamlit's health endpoint until it answers; a child that exits first, or one
    that never answers, is a one-line error."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(
                f"the dashboard server exited with code {process.returncode} before it "
                "served (its output is above)",
                exits.INTERNAL,
            )
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as answer:  # noqa: S310 (our own server)
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise CliError(
        f"the dashboard server did not answer on {address} within {READY_SECONDS} s", exits.INTERNAL
    )


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


@click.command()
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=PORT, help="Port to serve on."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def dashboard(port: int, host: str) -> None:
    """Serve the interactive dashboard (snapshot, trends, models, regressions) over the
    results database, read-only. Ctrl-C stops it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # see `benchmon dev`
    signal.signal(signal.SIGTERM, _interrupt)
    settings = get_settings()
    check_port_free(host, port)
    with running_databases(settings) as databases:
        env = {**os.environ, DATABASE_URL_VAR: databases.results_url}
        process = start(host, port, env)
        try:
            address = url(host, port)
            wait_until_serving(process, address)
            click.echo(f"dashboard: {address}  (Ctrl-C to stop)", err=True)
            process.wait()
        except KeyboardInterrupt:
            click.echo("stopping the dashboard …", err=True)
        finally:
            stop(process)
    if process.returncode not in (0, -signal.SIGINT, 130, None):
        raise SystemExit(process.returncode)
