"""Decide which PostgreSQL benchmon uses, and check it is one benchmon can work with.

`BENCHMON_DATABASE_URL` set → that server. Unset → the embedded server under
BENCHMON_HOME: started here if its data directory exists and nobody has started it yet;
created only by the callers that may (`benchmon dev`), never silently by another command.
Dagster's own storage is a second database on the same server (`benchmon_dagster`) unless
`BENCHMON_DAGSTER_DATABASE_URL` points elsewhere; only `benchmon dev` needs it.

Only `benchmon db upgrade` and `benchmon dev` migrate (`migrate=True`, which also creates a
missing database). Everyone else checks the schema read-only (`check_schema`) and is
told, by `SchemaBehind`, to run `benchmon db upgrade`: a least-privilege role (a CI job
granted only benchmon_writer) can neither create tables nor should it try.
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


class LoginRefused(RuntimeError):
    """The server answered but refused the login (password, role, database name, pg_hba):
    a setting to fix, not an outage to wait out; the message says which."""


# What the server says when it refuses a login for good (psycopg gives no SQLSTATE for a
# failed connection, only libpq's text): retrying cannot help.
_REFUSALS = (
    "password authentication failed",
    "does not exist",  # the role or the database
    "no pg_hba.conf entry",
    "permission denied for database",
    "authentication failed",
    "is not permitted to log in",
)


def login_refused(error: BaseException) -> bool:
    """True if `error` is the server refusing a login, not an outage (LoginRefused)."""
    if isinstance(error, LoginRefused):
        return True
    text = str(error)
    return (
        isinstance(error, psycopg.OperationalError)
        and "FATAL:" in text
        and any(refusal in text for refusal in _REFUSALS)
    )


def _cannot_connect(url: str, exc: psycopg.OperationalError) -> RuntimeError:
    if login_refused(exc):
        return LoginRefused(
            f"{redact(url)} refused the login: {_reason(exc)}; check the user, password and "
            "database name in BENCHMON_DATABASE_URL (docs/setup.md)"
        )
    return DatabaseUnavailable(f"cannot connect to {redact(url)}: {_reason(exc)}")


class NoDatabase(RuntimeError):
    """No database is configured and none may be created here; the message says what to set."""


class SchemaBehind(RuntimeError):
    """The database is empty or lacks migrations this benchmon has; run `benchmon db upgrade`."""


class NotPermitted(RuntimeError):
    """The login role is a member of neither benchmon role."""


@dataclass(frozen=True)
class Databases:
    results_url: str
    dagster_url: str
    embedded: bool
    migrated: tuple[str, ...] = ()  # the migrations `prepare(migrate=True)` applied now


def ensure_database(url: str) -> None:
    """Create the database `url` names if it does not exist (needs CREATEDB)."""
    name = database_name(url)
    try:
        with psycopg.connect(url, connect_timeout=10):
            return
    except psycopg.OperationalError as exc:
        if f'database "{name}" does not exist' not in str(exc):
            raise _cannot_connect(url, exc) from exc
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


def reachable(url: str) -> None:
    """Connect once; `DatabaseUnavailable` (or `LoginRefused`) with libpq's reason when
    that fails."""
    try:
        with psycopg.connect(url, connect_timeout=10):
            return
    except psycopg.OperationalError as exc:
        raise _cannot_connect(url, exc) from exc


def _reason(exc: Exception) -> str:
    """libpq's whole message on one line: what failed ("Connection refused") and its hint."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines).removeprefix("connection failed: ") or type(exc).__name__


def check_schema(url: str) -> None:
    """Raise `SchemaBehind` unless every migration this benchmon has is applied to `url`.

    Read-only: one call of benchmon_schema_versions(), which both benchmon roles may make
    (sql/0025); the owner, on a database from before it, reads schema_migrations. A role
    that may do neither is in neither benchmon role (`NotPermitted`) or on a database from
    before 0025, which is behind anyway.
    """
    known = migrations.discover()
    with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
        try:
            applied = {row[0] for row in conn.execute("SELECT benchmon_schema_versions()")}
        except psycopg.errors.UndefinedFunction:
            applied = _versions_from_the_table(conn)
        except psycopg.errors.InsufficientPrivilege:
            _must_be_a_member(conn)
            applied = None
    name = database_name(url)
    if applied is not None and not applied:
        raise SchemaBehind(f"database {name!r} holds no benchmon schema: run `benchmon db upgrade`")
    missing = [m for m in known if applied is None or m.version not in applied]
    if missing:
        raise SchemaBehind(
            f"database {name!r} is behind this benchmon ({len(missing)} of {len(known)} "
            f"migrations not applied, the first {missing[0].path.name}): run "
            "`benchmon db upgrade` as the database's owner"
        )


def _versions_from_the_table(conn: psycopg.Connection) -> set[int] | None:
    """The versions in schema_migrations (a database from before 0025); None when this role
    may not read it."""
    try:
        return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    except psycopg.errors.UndefinedTable:
        return set()
    except psycopg.errors.InsufficientPrivilege:
        _must_be_a_member(conn)
        return None


def _must_be_a_member(conn: psycopg.Connection) -> None:
    member = conn.execute(
        "SELECT pg_has_role(current_user, 'benchmon_writer', 'USAGE')"
        " OR pg_has_role(current_user, 'benchmon_reader', 'USAGE')"
    ).fetchone()[0]
    if not member:
        raise NotPermitted(
            f"role {conn.info.user!r} is a member of neither benchmon_writer nor "
            "benchmon_reader: grant one of them (docs/setup.md)"
        )


def prepare(
    settings: Settings, *, migrate: bool = False, create: bool = False, dagster: bool = False
) -> Databases:
    """The databases `settings` name, reachable and current.

    migrate: create the results database if missing and apply the migrations (else only
        check the schema, read-only).
    create: create the embedded server's data directory if there is none (`benchmon dev`).
    dagster: also make sure Dagster's storage database exists (`benchmon dev`).
    """
    if settings.database_url:
        results_url = libpq_url(settings.database_url)
        is_embedded = False
    else:
        if not create and not embedded.exists(settings.pgdata):
            raise NoDatabase(
                f"no database: BENCHMON_DATABASE_URL is not set and {settings.home} holds no "
                "embedded PostgreSQL; set BENCHMON_DATABASE_URL, or run `benchmon dev` once "
                "to create the embedded one (set BENCHMON_HOME to use one elsewhere)"
            )
        server_url = embedded.start(settings.pgdata)
        results_url = with_database(server_url, DEFAULT_RESULTS_DATABASE)
        is_embedded = True
    dagster_url = (
        libpq_url(settings.dagster_database_url)
        if settings.dagster_database_url
        else with_database(results_url, DEFAULT_DAGSTER_DATABASE)
    )
    if migrate or (is_embedded and create):
        ensure_database(results_url)
    else:
        reachable(results_url)
    check_server_version(results_url)
    if dagster:
        ensure_database(dagster_url)
    migrated = ()
    if migrate:
        migrated = tuple(m.path.name for m in migrations.upgrade(results_url))
    else:
        check_schema(results_url)
    return Databases(results_url, dagster_url, is_embedded, migrated)
