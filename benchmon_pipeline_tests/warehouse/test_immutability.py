"""History cannot be rewritten, by any role; the reader cannot write at all."""

import psycopg
import pytest

from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert

REWRITES = [
    ("benchmark_transactions", "UPDATE benchmark_transactions SET metrics = '{\"f1\": 0.99}'"),
    ("benchmark_transactions", "DELETE FROM benchmark_transactions"),
    ("benchmark_transactions", "TRUNCATE benchmark_transactions CASCADE"),
    ("snapshot_events", "UPDATE snapshot_events SET actor = 'mallory'"),
    ("snapshot_events", "DELETE FROM snapshot_events"),
    ("snapshot_events", "TRUNCATE snapshot_events"),
    ("transaction_log_chain", "DELETE FROM transaction_log_chain"),
]


@pytest.mark.parametrize(("table", "statement"), REWRITES)
def test_the_owner_cannot_rewrite_history(db, table, statement):
    upsert(db, CONFIG, {"f1": 0.9})
    with pytest.raises(psycopg.errors.RestrictViolation, match=f"on public.{table} is not allowed"):
        db.execute(statement)


def test_an_update_that_matches_no_row_fails_too(db):
    with pytest.raises(psycopg.errors.RestrictViolation, match="benchmark_transactions"):
        db.execute("UPDATE benchmark_transactions SET notes = 'x' WHERE false")


def test_replication_role_does_not_switch_the_guard_off(db):
    upsert(db, CONFIG, {"f1": 0.9})
    db.execute("SET session_replication_role = replica")
    with pytest.raises(psycopg.errors.RestrictViolation, match="benchmark_transactions"):
        db.execute("DELETE FROM benchmark_transactions")


def test_the_writer_appends_but_cannot_rewrite(db):
    db.execute("SET ROLE benchmon_writer")
    upsert(db, CONFIG, {"f1": 0.9})
    raw_insert(db, CONFIG, {"f1": 0.91})
    statements = [s for _, s in REWRITES[:2]] + [
        "UPDATE benchmark_snapshots SET is_current = false"
    ]
    for statement in statements:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="benchmark_"):
            db.execute(statement)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="benchmark_transactions"):
        db.execute(
            "INSERT INTO benchmark_transactions (model_version, dataset_version,"
            " prompt_version, environment, metrics, content_sha256, seq)"
            " OVERRIDING SYSTEM VALUE VALUES ('m', 'd', 'p', 'e', '{}', %s, 1)",
            ("0" * 64,),
        )
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 2


def test_the_writer_is_stopped_by_the_trigger_even_with_privileges(db):
    # Privileges are the first wall; the trigger holds even if someone grants too much.
    upsert(db, CONFIG, {"f1": 0.9})
    db.execute("GRANT UPDATE, DELETE ON benchmark_transactions TO benchmon_writer")
    db.execute(
        "CREATE POLICY writer_all ON benchmark_transactions FOR ALL TO benchmon_writer USING (true)"
    )
    db.execute("SET ROLE benchmon_writer")
    with pytest.raises(psycopg.errors.RestrictViolation, match="benchmark_transactions"):
        db.execute("DELETE FROM benchmark_transactions")


def test_the_reader_reads_but_cannot_insert(db):
    upsert(db, CONFIG, {"f1": 0.9})
    db.execute("SET ROLE benchmon_reader")
    assert db.execute("SELECT count(*) FROM v_latest_benchmarks").fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="benchmark_transactions"):
        raw_insert(db, CONFIG, {"f1": 0.91})
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="upsert_benchmark_result"):
        upsert(db, CONFIG, {"f1": 0.92})
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="checkout_snapshot"):
        db.execute("SELECT checkout_snapshot(%s, %s, %s, %s, 1)", CONFIG)


def test_the_stricter_template_gives_the_reader_nothing(db):
    upsert(db, CONFIG, {"f1": 0.9})
    db.execute("UPDATE security_settings SET reader_access = 'none'")
    db.execute("SET ROLE benchmon_reader")
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM v_latest_benchmarks").fetchone()[0] == 0
    db.execute("RESET ROLE")
    db.execute("SET ROLE benchmon_writer")
    assert db.execute("SELECT count(*) FROM v_latest_benchmarks").fetchone()[0] == 1


def test_state_changes_only_through_functions_that_record_them(db):
    upsert(db, CONFIG, {"f1": 0.9})
    upsert(db, CONFIG, {"f1": 0.8})
    with pytest.raises(psycopg.errors.UniqueViolation, match="one_current"):
        db.execute("UPDATE benchmark_snapshots SET is_current = true")
    with pytest.raises(psycopg.errors.CheckViolation, match="current_version_is_active"):
        db.execute("UPDATE benchmark_snapshots SET is_active = false WHERE is_current")
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot be deactivated"):
        db.execute("SELECT set_snapshot_active(%s, %s, %s, %s, 2, false)", CONFIG)
    with pytest.raises(psycopg.errors.NoDataFound, match="no snapshot version 7"):
        db.execute("SELECT checkout_snapshot(%s, %s, %s, %s, 7)", CONFIG)
