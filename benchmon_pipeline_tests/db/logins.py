"""Real login roles for security tests: a role that logs in, member of a benchmon role.

Roles are cluster-wide, so each gets a unique name and is dropped afterwards. The test
server trusts local connections (pgserver's pg_hba), so the password only matters on a
server that asks for one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql


@contextmanager
def login_as(db_url: str, member_of: str) -> Iterator[psycopg.Connection]:
    """A connection of a fresh login role that is a member of `member_of`."""
    name = f"t_{member_of.removeprefix('benchmon_')}_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                sql.Identifier(name), sql.Literal(password), sql.Identifier(member_of)
            )
        )
    try:
        with psycopg.connect(db_url, user=name, password=password, autocommit=True) as conn:
            assert conn.execute("SELECT session_user").fetchone()[0] == name
            yield conn
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def is_superuser(db_url: str, role: str) -> bool:
    with psycopg.connect(db_url, autocommit=True) as admin:
        return admin.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()[0]


@contextmanager
def login_url(db_url: str, member_of: str | None) -> Iterator[str]:
    """The URL of a fresh login role that is a member of `member_of` (None: of no role),
    for commands run as a subprocess with BENCHMON_DATABASE_URL; dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"t_{(member_of or 'nobody').removeprefix('benchmon_')}_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    grant = sql.SQL(" IN ROLE {}").format(sql.Identifier(member_of)) if member_of else sql.SQL("")
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
            + grant
        )
    try:
        url = make_url(db_url).set(username=name, password=password)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (name,),
            )
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
