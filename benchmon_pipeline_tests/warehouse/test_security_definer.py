"""SECURITY DEFINER functions cannot be turned against the database (defect 1)."""

import re

import psycopg
import pytest

from benchmon_pipeline_tests.db.logins import is_superuser, login_as
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert

SAFE_PATH = "search_path=pg_catalog, public, pg_temp"


def test_every_security_definer_function_has_a_safe_path_and_owner(db):
    functions = db.execute(
        "SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}'), r.rolname, r.rolsuper,"
        "       r.rolcreaterole, r.rolbypassrls"
        "  FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner"
        " WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace"
    ).fetchall()
    assert len(functions) >= 10  # the fold, the seal, the snapshot operations, …
    unsafe = [name for name, config, *_ in functions if SAFE_PATH not in config]
    assert unsafe == [], f"SECURITY DEFINER functions without {SAFE_PATH!r}"
    owners = {(owner, su, cr, br) for _, _, owner, su, cr, br in functions}
    assert owners == {("benchmon_owner", False, False, False)}


def test_a_writer_cannot_shadow_a_table_with_a_temporary_view(db, db_url):
    """The red team's escalation: a temp view named like a table the fold reads."""
    upsert(db, CONFIG, {"f1": 0.9})
    with login_as(db_url, "benchmon_writer") as writer:
        role = writer.execute("SELECT session_user").fetchone()[0]
        writer.execute(
            "CREATE FUNCTION pg_temp.escalate() RETURNS bigint LANGUAGE plpgsql AS $$"
            " BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', session_user); RETURN 0; END $$"
        )
        writer.execute(
            "CREATE TEMP VIEW fold_applied AS SELECT pg_current_xact_id() AS xact_id,"
            " pg_temp.escalate() AS through_seq"
        )
        # The fold's first statement reads fold_applied; nothing else fails after it.
        writer.execute("SELECT * FROM fold_transactions(own_rows_only => true)").fetchall()
        assert not is_superuser(db_url, role), "the writer made itself superuser"
        writer.execute("DROP VIEW pg_temp.fold_applied")
        upsert(writer, CONFIG, {"f1": 0.91})  # and the fold still works for it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            writer.execute(f"ALTER ROLE {role} SUPERUSER")


def test_the_log_still_refuses_rewrites_through_the_new_owner(db):
    # It is not granted DELETE at all; even with it, the ALWAYS trigger refuses.
    upsert(db, CONFIG, {"f1": 0.9})
    db.execute("GRANT DELETE ON benchmark_transactions TO benchmon_owner")
    db.execute("SET ROLE benchmon_owner")
    with pytest.raises(psycopg.errors.RestrictViolation, match="benchmark_transactions"):
        db.execute("DELETE FROM benchmark_transactions")


def test_security_definer_bodies_name_their_tables_with_the_schema(db):
    """Defence in depth behind the search path: FROM/JOIN/INTO/UPDATE x is public.x."""
    tables = [
        name
        for (name,) in db.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p', 'v', 'm')"
        )
    ]
    pattern = re.compile(
        rf"\b(?:FROM|JOIN|INTO|UPDATE)\s+({'|'.join(sorted(tables, key=len, reverse=True))})\b"
    )
    bodies = db.execute(
        "SELECT p.oid::regprocedure::text, p.prosrc FROM pg_proc p"
        " WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace"
    ).fetchall()
    unqualified = {name: pattern.findall(body) for name, body in bodies if pattern.search(body)}
    assert unqualified == {}
