"""`benchmon dev`: database, migrations, Dagster UI and daemon, in one command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import click
import psutil

from benchmon_pipeline.cli import dashboard as dashboard_server
from benchmon_pipeline.cli import dev_file, exits
from benchmon_pipeline.cli.environment import (
    as_click_error,
    child_environment,
    running_databases,
)
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.params import PORT
from benchmon_pipeline.cli.processes import stop_group
from benchmon_pipeline.db import embedded, packaged
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.settings import get_settings

STOP_GRACE_SECONDS = 30


SESSION_VAR = "BENCHMON_DEV_SESSION"


def _stop(process: subprocess.Popen) -> None:
    stop_group(process, STOP_GRACE_SECONDS)


def session_processes(session: str) -> list[psutil.Process]:
    """Every live process started for this `benchmon dev` session, found by the marker in
    its environment: Dagster's code servers run in process groups of their own and can
    outlive their parent."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and proc.environ().get(SESSION_VAR) == session:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _stop_stragglers(session: str) -> None:
    stragglers = session_processes(session)
    for proc in stragglers:
        proc.terminate()
    _, alive = psutil.wait_procs(stragglers, timeout=10)
    for proc in alive:
        proc.kill()


class _EmbeddedWatch:
    """Starts the embedded PostgreSQL again when it stopped behind our back (killed, OOM).

    Its URL is a socket in its data directory, so every process keeps the same one; runs
    in flight when it died fail and are retried (their files are requested again).
    """

    RETRY_SECONDS = 5.0

    def __init__(self, pgdata: Path):
        self.pgdata = pgdata
        self.next_try = 0.0

    def restart_if_stopped(self) -> None:
        if time.monotonic() < self.next_try or embedded.is_running(self.pgdata):
            return
        click.echo(
            f"embedded PostgreSQL in {self.pgdata} stopped unexpectedly; restarting …", err=True
        )
        try:
            embedded.start(self.pgdata)
        except Exception as exc:  # its old processes may still be exiting: try again soon
            self.next_try = time.monotonic() + self.RETRY_SECONDS
            click.echo(
                f"could not restart it yet ({type(exc).__name__}: {exc}); "
                f"trying again in {self.RETRY_SECONDS:.0f} s",
                err=True,
            )
        else:
            click.echo("embedded PostgreSQL restarted", err=True)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _refuse_a_second(home: Path) -> None:
    """Two `benchmon dev` on one BENCHMON_HOME share its embedded PostgreSQL and Dagster
    home: Dagster warns of two daemons, and the second one's exit removed the first's
    dev.json, so `trends backfill` said nothing was running."""
    try:
        other = dev_file.running(home)
    except dev_file.NotRunning:
        return
    raise CliError(
        f"benchmon dev is already running for {home} (process {other.pid}, {other.url}); "
        "stop it first, or set BENCHMON_HOME to another folder to run a second one",
        exits.CONFIG,
    )


@click.command()
@click.option("--port", default=3000, show_default=True, type=PORT, help="Port of the Dagster UI.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--dashboard", is_flag=True, help="Also serve the interactive dashboard (`benchmon dashboard`)."
)
@click.option(
    "--dashboard-port",
    default=dashboard_server.DEFAULT_PORT,
    show_default=True,
    type=PORT,
    help="Port of the dashboard, with --dashboard.",
)
def dev(port: int, host: str, dashboard: bool, dashboard_port: int) -> None:
    """Start PostgreSQL (embedded unless BENCHMON_DATABASE_URL is set), migrate, and run
    the Dagster UI with its daemon and the inbox sensor. Ctrl-C stops everything."""
    # A shell that starts us in the background leaves SIGINT ignored, and children inherit
    # that; handle it explicitly so Ctrl-C (or SIGINT from a supervisor) always works.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    settings = get_settings()
    _refuse_a_second(settings.home)
    if dashboard:
        dashboard_server.check_port_free(host, dashboard_port)
    with (
        as_click_error(),
        running_databases(settings, migrate=True, create=True, dagster=True) as databases,
    ):
        env = child_environment(settings, databases)
        FolderInbox(settings.inbox_root).ensure_layout()
        workspace = str(packaged.workspace_file())  # shipped in the package: any cwd works
        command = [sys.executable, "-m", "dagster", "dev", "-w", workspace]
        command += ["-h", host, "-p", str(port)]
        click.echo(f"inbox: {settings.inbox_root / 'inbox'}", err=True)
        click.echo(f"Dagster UI: http://{host}:{port}  (Ctrl-C to stop)", err=True)
        session = uuid.uuid4().hex
        process = subprocess.Popen(
            command,
            env={**env, SESSION_VAR: session},
            cwd=settings.dagster_home,
            start_new_session=True,
        )
        watch = _EmbeddedWatch(settings.pgdata) if not settings.database_url else None
        board = None
        interrupted = False
        try:
            if dashboard:
                board = dashboard_server.start(host, dashboard_port, {**env, SESSION_VAR: session})
                address = dashboard_server.url(host, dashboard_port)
                click.echo(f"dashboard: {address}  (Ctrl-C to stop)", err=True)
            dev_file.write(settings.home, host, port)  # for `trends backfill` and the like
            while process.poll() is None:
                time.sleep(0.5)
                if watch:
                    watch.restart_if_stopped()
        except KeyboardInterrupt:
            interrupted = True
            click.echo("stopping Dagster …", err=True)
        finally:
            dev_file.remove(settings.home)
            if board is not None:
                dashboard_server.stop(board)
            _stop(process)
            _stop_stragglers(session)
    # Dagster interrupted while it starts exits 1 ("Aborted!"): a Ctrl-C is a clean stop.
    if not interrupted and process.returncode not in (0, -signal.SIGINT, 130, None):
        raise SystemExit(process.returncode)
