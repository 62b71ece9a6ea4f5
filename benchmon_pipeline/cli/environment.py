"""The environment every process benchmon spawns inherits: one database, one instance."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import click
import psycopg

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.db import embedded, packaged, urls
from benchmon_pipeline.db.server import (
    Databases,
    DatabaseUnavailable,
    LoginRefused,
    NoDatabase,
    NotPermitted,
    SchemaBehind,
    login_refused,
    prepare,
)
from benchmon_pipeline.db.urls import dagster_storage_url, database_name
from benchmon_pipeline.settings import (
    DATABASE_URL_VAR,
    HOME_VAR,
    INBOX_ROOT_VAR,
    Settings,
    get_settings,
)
from benchmon_pipeline.trends.event_log_settings import RANGE_RUN_EVENT_SETTINGS

DAGSTER_STORAGE_VAR = "BENCHMON_DAGSTER_STORAGE_URL"


CI_VARIABLES = ("CI", "GITHUB_ACTIONS")  # set to "true" by GitHub Actions, GitLab, CircleCI …


def in_ci(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return any(env.get(name, "").strip().lower() == "true" for name in CI_VARIABLES)


def _ci_marker() -> str:
    """Which variable says this is a CI job, as the message shows it (`GITHUB_ACTIONS=true`)."""
    name = next(n for n in CI_VARIABLES if os.environ.get(n, "").strip().lower() == "true")
    return f"{name}={os.environ[name].strip()}"


@contextmanager
def running_databases(
    settings: Settings | None = None,
    *,
    migrate: bool = False,
    create: bool = False,
    dagster: bool = False,
    quiet: bool = False,
) -> Iterator[Databases]:
    """The databases, reachable and current (see `db.server.prepare` for the flags); an
    embedded server started here is stopped on exit. Names the database on stderr.

    Every way this can fail is a `CliError` with its exit code (cli/exits.py): in CI with
    no BENCHMON_DATABASE_URL (a fork's pull request gets no secrets) the command refuses
    rather than judge a throwaway database; no database configured; unreachable; schema
    behind; a role in neither benchmon role.
    """
    settings = settings or get_settings()
    if not settings.database_url and not create and in_ci():
        raise CliError(
            f"{DATABASE_URL_VAR} is not set, and this is a CI job ({_ci_marker()}): add the "
            f"secret {DATABASE_URL_VAR} to the job's environment (a pull request from a "
            "fork gets no secrets; run the gate only where the secret exists). Refusing "
            "to store or judge results in a throwaway database.",
            exits.CONFIG,
        )
    started_here = (
        not settings.database_url
        and not embedded.is_running(settings.pgdata)
        and (create or embedded.exists(settings.pgdata))
    )
    if started_here and not quiet:
        click.echo(f"starting embedded PostgreSQL in {settings.pgdata} …", err=True)
    failed = False
    try:
        with as_click_error():
            databases = prepare(settings, migrate=migrate, create=create, dagster=dagster)
        click.echo(f"benchmon: {describe(databases, settings)}", err=True)
        yield databases
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
    """What stops a command from using the database, as one line and its exit code."""
    try:
        yield
    except DatabaseUnavailable as exc:
        raise CliError(f"database unavailable: {exc}", exits.UNAVAILABLE) from exc
    except (NoDatabase, LoginRefused) as exc:
        raise CliError(str(exc), exits.CONFIG) from exc
    except SchemaBehind as exc:
        raise CliError(str(exc), exits.SCHEMA_BEHIND) from exc
    except NotPermitted as exc:
        raise CliError(str(exc), exits.NO_PERMISSION) from exc


def explain_database_error(error: psycopg.Error) -> tuple[int, str]:
    """An error the database raised while a command worked, as (exit code, one line)."""
    first = (getattr(error.diag, "message_primary", None) or str(error)).strip()
    first = first.splitlines()[0] if first else type(error).__name__
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return exits.NO_PERMISSION, (
            f"the database refused: {first}. Writing (push, alerts ack|resolve|accept, checkout, "
            "baseline, activate|deactivate) needs a role granted benchmon_writer; reading needs "
            "benchmon_reader (docs/setup.md)"
        )
    if login_refused(error):
        return exits.CONFIG, f"the database refused the login: {first}; check BENCHMON_DATABASE_URL"
    if isinstance(error, psycopg.OperationalError):
        return exits.UNAVAILABLE, f"database unavailable: {first}"
    if isinstance(error, psycopg.errors.NumericValueOutOfRange):
        return exits.INVALID_INPUT, f"a value is out of range for the database: {first}"
    if isinstance(error, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedFunction):
        return exits.SCHEMA_BEHIND, f"{first}: run `benchmon db upgrade`"
    return exits.INTERNAL, (
        f"the database said: {first} (rerun with -v for the traceback, and please report it)"
    )


def child_environment(settings: Settings, databases: Databases) -> dict[str, str]:
    """os.environ plus what Dagster's processes need to find the same databases.

    Dagster's event-recording settings for many-day runs (trends/event_log_settings.py)
    come first so that a value set in the user's environment wins.
    """
    dagster_home = settings.dagster_home
    dagster_home.mkdir(parents=True, exist_ok=True)
    template = packaged.instance_template()
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


def describe(databases: Databases, settings: Settings | None = None) -> str:
    """Which database a command uses, as it may be printed: host and database, never the
    password (the embedded server's URL is a socket path; its data directory says more)."""
    if databases.embedded:
        pgdata = (settings or get_settings()).pgdata
        name = database_name(databases.results_url)
        return f"database {name} on the embedded PostgreSQL in {pgdata}"
    url = urls.parts(databases.results_url)
    where = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}/{url.database}"
    return f"database {where}" + (f" as {url.username}" if url.username else "")
