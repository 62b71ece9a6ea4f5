import psycopg

from benchmon_pipeline.db import migrations
from benchmon_pipeline_tests.helpers import rows


def _schema(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """SELECT table_name, column_name, data_type, is_nullable, column_default
               FROM information_schema.columns WHERE table_schema = 'public'
               ORDER BY table_name, column_name"""
        ).fetchall()


def test_every_migration_is_recorded_once(db):
    recorded = rows(db, "SELECT version, name FROM schema_migrations ORDER BY version")
    expected = [{"version": m.version, "name": m.name} for m in migrations.discover()]
    assert recorded == expected


def test_migrating_twice_changes_nothing(db_url):
    before = _schema(db_url)
    assert migrations.upgrade(db_url) == []
    assert _schema(db_url) == before


def test_fresh_database_gets_every_migration(fresh_database, pg_server_url):
    # A database made from `template0` has nothing: upgrade applies every file in order.
    import uuid

    from psycopg import sql

    from benchmon_pipeline.db.urls import with_database

    name = f"bm_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(pg_server_url, name)
    try:
        applied = migrations.upgrade(url)
        assert [m.version for m in applied] == [m.version for m in migrations.discover()]
        columns = {c[1] for c in _schema(url) if c[0] == "benchmark_transactions"}
        assert {
            "id",
            "created_at",
            "commit_sha",
            "branch_name",
            "model_version",
            "model_provider",
            "dataset_version",
            "prompt_version",
            "environment",
            "metrics",
            "duration_seconds",
            "tags",
            "notes",
            "run_id",
            "triggered_by",
        } <= columns
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_migration_files_are_named_in_order():
    found = migrations.discover()
    assert found, "sql/ holds no migrations"
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert found[0].version == 1
