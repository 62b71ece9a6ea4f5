"""One database URL, spelled for each client that needs it.

Users give a plain `postgresql://` URL (any `+driver` suffix is accepted). Our own code
talks libpq through psycopg 3; Dagster's storage must name psycopg2 explicitly, because
with SQLAlchemy 2.1 a bare `postgresql://` selects psycopg 3 and dagster-postgres then
fails on every event.

The URLs are taken apart with the standard library: every CLI command names its database,
and importing SQLAlchemy only to split a URL cost each command half a second
(`benchmarks/bench_cli.py` measures start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, quote, unquote, urlsplit


@dataclass(frozen=True)
class Parts:
    """What a URL names; the password stays out of the repr."""

    host: str | None
    port: int | None
    database: str | None
    username: str | None


def _split(url: str) -> SplitResult:
    parts = urlsplit(url)
    if not parts.scheme or not parts.scheme.split("+")[0].startswith("postgres"):
        raise ValueError(f"{redact(url)!r} is not a PostgreSQL URL (postgresql://…)")
    return parts


def parts(url: str) -> Parts:
    split = _split(url)
    database = unquote(split.path.lstrip("/")) or None
    host = split.hostname and unquote(split.hostname)
    return Parts(host, split.port, database, split.username and unquote(split.username))


def _join(split: SplitResult) -> str:
    """`urlunsplit` drops the `//` of an empty host (`postgresql:///db?host=/run/…`)."""
    query = f"?{split.query}" if split.query else ""
    fragment = f"#{split.fragment}" if split.fragment else ""
    return f"{split.scheme}://{split.netloc}{split.path}{query}{fragment}"


def _with_scheme(url: str, scheme: str) -> str:
    return _join(_split(url)._replace(scheme=scheme))


def libpq_url(url: str) -> str:
    """The URL psycopg 3 / libpq accept: no SQLAlchemy driver suffix."""
    return _with_scheme(url, "postgresql")


def dagster_storage_url(url: str) -> str:
    """The URL dagster-postgres needs: the psycopg2 driver named explicitly."""
    return _with_scheme(url, "postgresql+psycopg2")


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    split = _split(url)._replace(scheme="postgresql", path="/" + quote(database, safe=""))
    return _join(split)


def database_name(url: str) -> str:
    name = parts(url).database
    if not name:
        raise ValueError(f"the database URL {redact(url)!r} names no database")
    return name


def redact(url: str) -> str:
    """The URL as it may be printed: the password hidden."""
    split = urlsplit(url)
    user_info, at, host = split.netloc.rpartition("@")
    if not at or ":" not in user_info:
        return url
    user = user_info.split(":", 1)[0]
    return _join(split._replace(netloc=f"{user}:***@{host}"))
