"""The reader role reads, and nothing else (defects 9 and 10), tried with a real login."""

import psycopg
import pytest

from benchmon_pipeline_tests.db.logins import login_as
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert

FOLD_LOCK = 1651339118  # 'bmon': configuration locks (0004, 0012)
CHAIN_LOCK = 1651336040  # 'bmch': the chain head (0003)


def _some_of_everything(db) -> None:
    """At least one row in every table of the schema the tests can fill cheaply."""
    db.execute("INSERT INTO tracked_branches VALUES (%s, %s, %s, %s, 'main')", CONFIG)
    db.execute(
        "INSERT INTO metric_overrides (model_version, dataset_version, prompt_version,"
        " environment, metric, direction) VALUES (%s, %s, %s, %s, 'f1', 'higher')",
        CONFIG,
    )
    upsert(db, CONFIG, {"f1": 0.9})
    upsert(db, CONFIG, {"f1": 0.8})
    db.execute(
        "INSERT INTO ingested_files (inbox, uri, status, results_total, results_new)"
        " VALUES ('folder', 'file:///inbox/a.json', 'ingested', 1, 1)"
    )
    db.execute(
        "INSERT INTO regression_alerts (rule, model_version, dataset_version, prompt_version,"
        " environment, metric, severity, reason) VALUES ('baseline', %s, %s, %s, %s, 'f1',"
        " 'WARN', 'f1 fell')",
        CONFIG,
    )
    # Trend tables from the marked days; one marked day left behind for trend_dirty_days.
    db.execute("SELECT refresh_daily_trends(current_date - 1, current_date + 1)")
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, '{\"f1\": 0.7}'::jsonb,"
        " created_at => now() - interval '30 days')",
        CONFIG,
    )


def _readable(conn) -> dict[str, int | None]:
    """Every table and view of public this connection may SELECT: its row count."""
    names = conn.execute(
        "SELECT format('%I', c.relname) FROM pg_class c"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')"
        "   AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1"
    ).fetchall()
    return {n: conn.execute(f"SELECT count(*) FROM public.{n}").fetchone()[0] for (n,) in names}


def test_reader_access_none_hides_every_row_of_every_table_and_view(db, db_url):
    _some_of_everything(db)
    with login_as(db_url, "benchmon_reader") as reader:
        seen = _readable(reader)
        # The 'read' template: the reader sees what the owner sees (a filled schema, so
        # the check below is about rows that exist).
        owner_counts = {
            n: db.execute(f"SELECT count(*) FROM public.{n}").fetchone()[0] for n in seen
        }
        assert seen == owner_counts
        empty = sorted(n for n, count in seen.items() if count == 0)
        assert {
            "snapshot_events",
            "ingested_files",
            "daily_performance_trends",
            "daily_configuration_counts",
            "trend_dirty_days",
            "transaction_log_chain",
            "benchmark_transactions",
            "security_settings",
        }.isdisjoint(empty)

        db.execute("UPDATE security_settings SET reader_access = 'none'")
        visible = {n: count for n, count in _readable(reader).items() if count}
        assert visible == {}, "reader_access = 'none' still shows these to the reader"


def test_the_reader_cannot_take_the_locks_ingestion_waits_on(db, db_url):
    with login_as(db_url, "benchmon_reader") as reader:
        for call in (
            f"SELECT pg_advisory_lock({CHAIN_LOCK}, 0)",
            f"SELECT pg_advisory_lock_shared({FOLD_LOCK}, 1)",
            f"SELECT pg_try_advisory_lock({FOLD_LOCK}::bigint << 32)",
            f"SELECT pg_advisory_xact_lock({CHAIN_LOCK}, 0)",
            f"SELECT pg_try_advisory_xact_lock_shared({CHAIN_LOCK}, 0)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="pg_.*advisory"):
                reader.execute(call)
        assert (
            reader.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            ).fetchone()[0]
            == 0
        )
    # The writer still ingests: the fold and the seal take their locks as benchmon_owner,
    # and the writer may take the locks the alert and webhook code use.
    with login_as(db_url, "benchmon_writer") as writer:
        upsert(writer, CONFIG, {"f1": 0.9})
        assert writer.execute("SELECT pg_try_advisory_xact_lock(1, 2)").fetchone()[0]
    assert db.execute("SELECT count(*) FROM transaction_log_chain").fetchone()[0] == 1


def test_the_reader_cannot_create_large_objects(db_url):
    with login_as(db_url, "benchmon_reader") as reader:
        for call in (
            "SELECT lo_create(0)",
            "SELECT lo_creat(-1)",
            "SELECT lo_from_bytea(0, '\\x00'::bytea)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="lo_"):
                reader.execute(call)
        assert reader.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0] == 0
