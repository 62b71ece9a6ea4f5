"""`sql/schema.sql`: the whole current schema in one file, written from the migrations.

Databases are upgraded by the numbered migrations (`migrations.py`); people read the
schema here. `write_schema()` builds a database from every migration and dumps it with
PostgreSQL's own `pg_dump` (tables, functions, views, triggers, grants, policies, and
the rows the migrations seed), so the file cannot drift from the migrations by hand: a
test builds one database each way and compares their catalogues.

    python -m benchmon_pipeline.db.schema      # or: make schema
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.urls import libpq_url, with_database

SCHEMA_FILE = migrations.SQL_DIR / "schema.sql"
BOOKKEEPING = "schema_migrations"  # which migrations a database has seen: not schema

HEADER = """\
-- benchmon's whole current schema, in one file to read.
--
-- GENERATED from the migrations (sql/NNNN_*.sql) by `make schema`
-- (python -m benchmon_pipeline.db.schema); do not edit by hand. Databases are created
-- and upgraded by the migrations, never from this file; a test builds one database
-- each way and holds their catalogues equal (benchmon_pipeline_tests/db/test_schema_sql.py).
"""

# The roles the schema names (owners, grantees, policies), as the migrations create them:
# roles are cluster-wide, so pg_dump leaves them out. Not PUBLIC, not whoever ran the
# migrations (they load the file), not the roles every cluster has. `owns`: whoever
# loads the file must be a member to give it objects (as 0015 grants benchmon_owner).
_ROLES = """
    WITH named(oid, owns) AS (
        SELECT relowner, true FROM pg_class WHERE relnamespace = 'public'::regnamespace
        UNION SELECT proowner, true FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION SELECT typowner, true FROM pg_type WHERE typnamespace = 'public'::regnamespace
        UNION SELECT nspowner, true FROM pg_namespace WHERE nspname = 'public'
        UNION SELECT (aclexplode(relacl)).grantee, false FROM pg_class
               WHERE relnamespace = 'public'::regnamespace
        UNION SELECT (aclexplode(attacl)).grantee, false FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid
               WHERE c.relnamespace = 'public'::regnamespace
        UNION SELECT (aclexplode(proacl)).grantee, false FROM pg_proc
        UNION SELECT (aclexplode(nspacl)).grantee, false FROM pg_namespace
               WHERE nspname = 'public'
        UNION SELECT unnest(polroles), false FROM pg_policy
    )
    SELECT quote_ident(r.rolname), quote_literal(r.rolname), r.rolcanlogin, r.rolsuper,
           r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls, bool_or(owns)
      FROM pg_roles r JOIN named USING (oid)
     WHERE r.rolname <> current_user AND r.oid <> 10  -- 10: the bootstrap superuser
       AND r.rolname NOT LIKE 'pg\\_%'
     GROUP BY r.oid, r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole,
              r.rolreplication, r.rolbypassrls
     ORDER BY r.rolname"""
_ATTRIBUTES = ("LOGIN", "SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS")

# pg_dump's settings that only restate a default or guard a long restore; the ones kept
# (encoding, search_path, check_function_bodies, messages, row_security) change how the
# file loads.
_NOISE = re.compile(
    r"^SET (statement_timeout|lock_timeout|idle_in_transaction_session_timeout"
    r"|standard_conforming_strings|xmloption|default_tablespace"
    r"|default_table_access_method) = .*;\n\n?",
    re.M,
)


class SchemaDumpFailed(RuntimeError):
    """pg_dump is missing or failed; the message says which and why."""


def pg_dump_path() -> Path:
    """The pg_dump of the embedded server's binaries (the same major version)."""
    found = shutil.which("pg_dump", path=str(embedded.binaries()))
    if found is None:
        raise SchemaDumpFailed(f"no pg_dump in {embedded.binaries()}: reinstall pgserver")
    return Path(found)


def dump(url: str) -> str:
    """The schema of the database at `url` as schema.sql holds it."""
    url = libpq_url(url)
    with psycopg.connect(url) as conn:
        user = conn.execute("SELECT current_user").fetchone()[0]
        seeded = [
            name
            for (name,) in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = 'public'::regnamespace AND relname <> %s ORDER BY relname",
                (BOOKKEEPING,),
            )
            if conn.execute(
                sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(name))
            ).fetchone()[0]
        ]
        roles = _roles(conn)
        system_grants = _system_function_grants(conn)
    schema = _pg_dump(url, "--schema-only", f"--exclude-table={BOOKKEEPING}")
    rows = _pg_dump(url, "--data-only", "--inserts", *(f"--table={t}" for t in seeded))
    rows = _without_owner(rows, user)
    body = _without_owner(schema, user) + "\n-- The rows the migrations seed\n" + rows
    return HEADER + roles + system_grants + "\n" + body.strip() + "\n"


def _roles(conn: psycopg.Connection) -> str:
    """An idempotent DO block creating the roles the schema names, so the file loads on a
    new server, and making whoever loads it a member of the roles that own objects."""
    lines = []
    for role, literal, *flags, owns in conn.execute(_ROLES):
        attributes = " ".join(
            ("" if on else "NO") + attribute
            for attribute, on in zip(_ATTRIBUTES, flags, strict=True)
        )
        lines += [
            f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal}) THEN",
            f"        CREATE ROLE {role}",
            f"            {attributes};",
            "    END IF;",
        ]
        if owns:
            lines += [
                f"    IF NOT pg_has_role(current_user, {literal}, 'USAGE') THEN",
                f"        EXECUTE format('GRANT {role} TO %I', current_user);",
                "    END IF;",
            ]
    if not lines:
        return ""
    intro = [
        "",
        "-- Roles are cluster-wide, so pg_dump leaves them out: the ones the schema names come",
        "-- first, created only when missing; whoever loads the file may give them objects.",
        "DO $$",
        "BEGIN",
    ]
    return "\n".join([*intro, *lines, "END $$;"]) + "\n"


def _system_function_grants(conn: psycopg.Connection) -> str:
    """The grants on PostgreSQL's own functions the migrations changed (0016: advisory
    locks and large objects not for PUBLIC), which pg_dump does not write."""
    changed = conn.execute(
        """SELECT p.oid::regprocedure::text,
                  array(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                    WHEN a.grantee = (SELECT oid FROM pg_roles
                                                      WHERE rolname = current_user)
                                    THEN 'CURRENT_USER'
                                    ELSE quote_ident(a.grantee::regrole::text) END
                        FROM aclexplode(p.proacl) a
                        WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
                        ORDER BY 1)
             FROM pg_proc p
             LEFT JOIN pg_init_privs i
                    ON i.objoid = p.oid AND i.classoid = 'pg_proc'::regclass
            WHERE p.pronamespace = 'pg_catalog'::regnamespace
              AND p.proacl IS DISTINCT FROM i.initprivs
            ORDER BY 1"""
    ).fetchall()
    if not changed:
        return ""
    lines = [
        "",
        "-- PostgreSQL's own functions whose grants the migrations changed (a superuser's",
        "-- step; pg_dump leaves it out).",
    ]
    for function, grantees in changed:
        lines.append(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC;")
        if grantees:
            lines.append(f"GRANT EXECUTE ON FUNCTION {function} TO {', '.join(grantees)};")
    return "\n".join(lines) + "\n"


def _pg_dump(url: str, *options: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own binary, our own arguments)
        [str(pg_dump_path()), *options, "--dbname", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SchemaDumpFailed(f"pg_dump failed: {done.stderr.strip()}")
    return done.stdout


def _without_owner(text: str, user: str) -> str:
    """Objects owned by whoever ran the migrations belong to whoever loads the file: drop
    those `OWNER TO` lines, keep the ones naming benchmon_owner (they matter)."""
    owner = re.compile(rf"^ALTER .* OWNER TO {re.escape(user)};\n", re.M)
    named = re.compile(rf"; Owner: {re.escape(user)}$", re.M)  # pg_dump's headings
    return _body(named.sub("", owner.sub("", text)))


def _body(text: str) -> str:
    """pg_dump's output without its version banner, its noise settings and its blank-line
    runs."""
    lines = _NOISE.sub("", text).splitlines()
    lines = [line for line in lines if not line.startswith("-- Dumped ")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def build_from_migrations(server_url: str) -> str:
    """A new database on the server, every migration applied; returns its URL."""
    name = f"benchmon_schema_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    url = with_database(server_url, name)
    migrations.upgrade(url)
    return url


def drop(url: str, server_url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def write_schema(server_url: str | None = None, path: Path = SCHEMA_FILE) -> Path:
    """Write `path` from a fresh database built by the migrations on `server_url` (a
    temporary embedded server when None)."""
    if server_url is None:
        home = Path(tempfile.mkdtemp(prefix="benchmon-schema-"))
        try:
            return write_schema(with_database(embedded.start(home / "pgdata"), "postgres"), path)
        finally:
            embedded.stop(home / "pgdata")
            shutil.rmtree(home, ignore_errors=True)
    url = build_from_migrations(server_url)
    try:
        path.write_text(dump(url), encoding="utf-8")
    finally:
        drop(url, server_url)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", help="a PostgreSQL server (default: a temporary one)")
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE)
    args = parser.parse_args(argv)
    try:
        written = write_schema(args.server_url, args.output)
    except (SchemaDumpFailed, psycopg.Error) as error:
        print(f"benchmon: cannot write the schema: {error}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"wrote {written}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
