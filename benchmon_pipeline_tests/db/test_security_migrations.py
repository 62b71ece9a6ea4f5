"""The security migrations also apply when a non-superuser database owner runs them."""

import uuid

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from benchmon_pipeline.db import migrations
from benchmon_pipeline.db.urls import libpq_url, with_database


def test_a_createrole_database_owner_can_migrate_and_hand_functions_to_the_owner_role(
    pg_server_url, template_url
):
    role = f"t_migrator_{uuid.uuid4().hex[:10]}"
    name = f"bm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(role)
            )
        )
    url = with_database(pg_server_url, name)
    try:
        with psycopg.connect(url, autocommit=True) as admin:  # PostgreSQL 15+ default
            admin.execute("ALTER SCHEMA public OWNER TO pg_database_owner")
        with psycopg.connect(url, user=role, autocommit=True) as conn:
            assert not conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()[0]
        # benchmon_owner exists already (the template's migration made it), so this role
        # is not its admin: the migration stops and says what a superuser must run.
        as_role = make_url(url).set(username=role, password=None)
        with pytest.raises(psycopg.errors.RaiseException, match="may not give objects") as refused:
            migrations.upgrade(libpq_url(as_role.render_as_string(hide_password=False)))
        assert f"GRANT benchmon_owner TO {role}" in refused.value.diag.message_hint
        with psycopg.connect(pg_server_url, autocommit=True) as admin:  # as the hint says
            admin.execute(sql.SQL("GRANT benchmon_owner TO {}").format(sql.Identifier(role)))
        migrations.upgrade(libpq_url(as_role.render_as_string(hide_password=False)))
        with psycopg.connect(url, autocommit=True) as admin:
            done = admin.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
            assert [v for (v,) in done] == [m.version for m in migrations.discover()]
            owners = admin.execute(
                "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc"
                " WHERE prosecdef AND pronamespace = 'public'::regnamespace"
            ).fetchall()
            assert owners == [("benchmon_owner",)]
            assert not admin.execute(
                "SELECT has_schema_privilege('benchmon_owner', 'public', 'CREATE')"
            ).fetchone()[0]
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
