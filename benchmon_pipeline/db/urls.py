"""One database URL, spelled for each client that needs it.

Users give a plain `postgresql://` URL (any `+driver` suffix is accepted). Our own code
talks libpq through psycopg 3; Dagster's storage must name psycopg2 explicitly, because
with SQLAlchemy 2.1 a bare `postgresql://` selects psycopg 3 and dagster-postgres then
fails on every event.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url


def libpq_url(url: str) -> str:
    """The URL psycopg 3 / libpq accept: no SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def dagster_storage_url(url: str) -> str:
    """The URL dagster-postgres needs: the psycopg2 driver named explicitly."""
    return make_url(url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return libpq_url(make_url(url).set(database=database).render_as_string(hide_password=False))


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise ValueError(f"the database URL {redact(url)!r} names no database")
    return name


def redact(url: str) -> str:
    """The URL as it may be printed: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)
