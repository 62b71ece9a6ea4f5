"""The environment every process benchmon spawns inherits: one database, one instance."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from benchmon_pipeline.db import embedded
from benchmon_pipeline.db.server import Databases, DatabaseUnavailable, prepare
from benchmon_pipeline.db.urls import dagster_storage_url, redact
from benchmon_pipeline.settings import (
    DATABASE_URL_VAR,
    HOME_VAR,
    INBOX_ROOT_VAR,
    Settings,
    get_settings,
)
from benchmon_pipeline.trends.event_log_settings import RANGE_RUN_EVENT_SETTINGS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAGSTER_STORAGE_VAR = "BENCHMON_DAGSTER_STORAGE_URL"


@contextmanager
def running_databases(
    settings: Settings | None = None, *, migrate: bool = True, quiet: bool = False
) -> Iterator[Databases]:
    """Databases ready and migrated; an embedded server started here is stopped on exit.

    Raises `DatabaseUnavailable` when the server cannot be reached (commands turn it
    into a clear error with `as_click_error`).
    """
    settings = settings or get_settings()
    started_here = not settings.database_url and not embedded.is_running(settings.pgdata)
    if started_here and not quiet:
        click.echo(f"starting embedded PostgreSQL in {settings.pgdata} …", err=True)
    failed = False
    try:
        yield prepare(settings, migrate=migrate)
    except BaseException:
        failed = True
        raise
    finally:
        if started_here:
            try:
                stopped = embedded.stop(settings.pgdata)
            except embedded.StopFailed as exc:
                if failed:  # the error already on its way out stays the one reported
                    click.echo(f"Error: {exc}", err=True)
                else:
                    raise click.ClickException(str(exc)) from exc
            else:
                if not quiet:
                    click.echo(
                        "embedded PostgreSQL stopped"
                        if stopped
                        else "embedded PostgreSQL had already stopped",
                        err=True,
                    )


@contextmanager
def as_click_error() -> Iterator[None]:
    """A database that cannot be reached is a one-line error, not a traceback."""
    try:
        yield
    except DatabaseUnavailable as exc:
        raise click.ClickException(str(exc)) from exc


def child_environment(settings: Settings, databases: Databases) -> dict[str, str]:
    """os.environ plus what Dagster's processes need to find the same databases.

    Dagster's event-recording settings for many-day runs (trends/event_log_settings.py)
    come first so that a value set in the user's environment wins.
    """
    dagster_home = settings.dagster_home
    dagster_home.mkdir(parents=True, exist_ok=True)
    template = PROJECT_ROOT / "dagster.yaml"
    if template.exists():
        shutil.copyfile(template, dagster_home / "dagster.yaml")
    return {
        **RANGE_RUN_EVENT_SETTINGS,
        **os.environ,
        HOME_VAR: str(settings.home),
        DATABASE_URL_VAR: databases.results_url,
        DAGSTER_STORAGE_VAR: dagster_storage_url(databases.dagster_url),
        "DAGSTER_HOME": str(dagster_home),
        INBOX_ROOT_VAR: str(settings.inbox_root),
    }


def describe(databases: Databases) -> str:
    kind = "embedded" if databases.embedded else "external"
    return f"results database ({kind}): {redact(databases.results_url)}"
