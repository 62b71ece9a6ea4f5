"""Decide which PostgreSQL benchmon uses and make sure its databases exist.

`BENCHMON_DATABASE_URL` set → that server. Unset → the embedded server under
BENCHMON_HOME, started here if nobody has started it yet. Dagster's own storage is a
second database on the same server (`benchmon_dagster`, created when missing) unless
`BENCHMON_DAGSTER_DATABASE_URL` points elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.urls import database_name, libpq_url, redact, with_database
from benchmon_pipeline.settings import (
    DEFAULT_DAGSTER_DATABASE,
    DEFAULT_RESULTS_DATABASE,
    Settings,
)

MINIMUM_SERVER_VERSION = 150000


class DatabaseUnavailable(RuntimeError):
    """The results database cannot be reached; the message says which and why."""


@dataclass(frozen=True)
class Databases:
    results_url: str
    dagster_url: str
    embedded: bool


def ensure_database(url: str) -> None:
    """Create the database `url` names if it does not exist (needs CREATEDB)."""
    name = database_name(url)
    try:
        with psycopg.connect(url, connect_timeout=10):
            return
    except psycopg.OperationalError as exc:
        if f'database "{name}" does not exist' not in str(exc):
            raise DatabaseUnavailable(f"cannot connect to {redact(url)}: {exc}") from exc
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def check_server_version(url: str) -> None:
    with psycopg.connect(url, connect_timeout=10) as conn:
        version = conn.info.server_version
    if version < MINIMUM_SERVER_VERSION:
        raise DatabaseUnavailable(
            f"{redact(url)} runs PostgreSQL {version // 10000}; benchmon needs 15 or newer"
        )


def prepare(settings: Settings, *, migrate: bool = True) -> Databases:
    """Start the embedded server if needed, create both databases, migrate the results one."""
    if settings.database_url:
        results_url = libpq_url(settings.database_url)
        is_embedded = False
    else:
        server_url = embedded.start(settings.pgdata)
        results_url = with_database(server_url, DEFAULT_RESULTS_DATABASE)
        is_embedded = True
    dagster_url = (
        libpq_url(settings.dagster_database_url)
        if settings.dagster_database_url
        else with_database(results_url, DEFAULT_DAGSTER_DATABASE)
    )
    ensure_database(results_url)
    check_server_version(results_url)
    ensure_database(dagster_url)
    if migrate:
        migrations.upgrade(results_url)
    return Databases(results_url=results_url, dagster_url=dagster_url, embedded=is_embedded)
