"""The log partitioned by month keeps every guarantee, on partitions made after the start."""

import json

import psycopg
import pytest

from benchmon_pipeline.db import migrations
from benchmon_pipeline.warehouse import checked_since_checkpoint, verify_transaction_log
from benchmon_pipeline_tests.helpers import upgrade_before
from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert

NEW_MONTH = "2031-05-01"  # a month no test data touches: its partition is made here


def _insert_at(db, created_at, metrics, *, key_without_time=False):
    """A raw INSERT dated `created_at`; with `key_without_time` the key is the one of a
    result that did not state when it ran (so the same key may come at another time)."""
    key = (
        db.execute(
            "SELECT benchmark_content_sha256(%s, %s, %s, %s, NULL, NULL, NULL, NULL, NULL,"
            " %s::jsonb, '{}', NULL, NULL)",
            (*CONFIG, json.dumps(metrics)),
        ).fetchone()[0]
        if key_without_time
        else None
    )
    return db.execute(
        "INSERT INTO benchmark_transactions (model_version, dataset_version, prompt_version,"
        " environment, metrics, created_at, content_sha256)"
        " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s) RETURNING id",
        (*CONFIG, json.dumps(metrics), created_at, key),
    ).fetchone()[0]


def _partition_of(db, transaction_id):
    return db.execute(
        "SELECT tableoid::regclass::text FROM benchmark_transactions WHERE id = %s",
        (transaction_id,),
    ).fetchone()[0]


def test_a_partition_made_after_the_start_refuses_every_rewrite(db):
    made = [n for (n,) in db.execute("SELECT ensure_log_partitions(%s, %s)", (NEW_MONTH,) * 2)]
    assert made == ["benchmark_transactions_y2031m05"]
    row = _insert_at(db, "2031-05-10T12:00:00Z", {"f1": 0.5})
    assert _partition_of(db, row) == "benchmark_transactions_y2031m05"
    for statement in (
        "UPDATE benchmark_transactions_y2031m05 SET notes = 'x'",
        "DELETE FROM benchmark_transactions_y2031m05",
        "TRUNCATE benchmark_transactions_y2031m05",
        "UPDATE benchmark_transactions SET notes = 'x' WHERE created_at >= '2031-05-01'",
        "DELETE FROM benchmark_transactions WHERE created_at >= '2031-05-01'",
    ):
        with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
            db.execute(statement)
    assert db.execute("SELECT count(*) FROM benchmark_transactions_y2031m05").fetchone()[0] == 1


def test_a_row_inserted_into_a_partition_directly_is_sealed(db):
    db.execute("SELECT ensure_log_partitions(%s, %s)", (NEW_MONTH,) * 2)
    db.execute(
        "INSERT INTO benchmark_transactions_y2031m05 (model_version, dataset_version,"
        " prompt_version, environment, metrics, created_at) VALUES (%s, %s, %s, %s,"
        " '{\"f1\": 0.4}', '2031-05-02')",
        CONFIG,
    )
    check = verify_transaction_log(db)
    assert check.ok, check.problem
    assert check.problem == "OK: 1 rows in 1 links, chain intact"


def test_the_content_key_is_unique_across_partitions(db):
    db.execute("SELECT ensure_log_partitions('2031-01-01', '2031-03-01')")
    first = _insert_at(db, "2031-01-15", {"f1": 0.7}, key_without_time=True)
    assert _partition_of(db, first) == "benchmark_transactions_y2031m01"
    with pytest.raises(psycopg.errors.UniqueViolation, match="content_sha256_is_unique"):
        _insert_at(db, "2031-03-15", {"f1": 0.7}, key_without_time=True)
    # … and the ingest paths skip it as a duplicate, whichever month it would land in.
    with db.transaction():
        db.execute("SELECT set_config('benchmon.skip_duplicates', 'on', true)")
        db.execute(
            "INSERT INTO benchmark_transactions (model_version, dataset_version,"
            " prompt_version, environment, metrics, created_at, content_sha256)"
            " SELECT model_version, dataset_version, prompt_version, environment, metrics,"
            " '2031-02-20', content_sha256 FROM benchmark_transactions WHERE id = %s",
            (first,),
        )
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 1


def test_a_month_without_partition_goes_to_the_default_and_stays_there(db):
    early = _insert_at(db, "2019-03-04", {"f1": 0.1})
    assert _partition_of(db, early) == "benchmark_transactions_default"
    made = [n for (n,) in db.execute("SELECT ensure_log_partitions('2019-03-01', '2019-04-01')")]
    assert made == ["benchmark_transactions_y2019m04"], "a month with default rows was made"
    assert _partition_of(db, early) == "benchmark_transactions_default"
    later = _insert_at(db, "2019-04-04", {"f1": 0.2})
    assert _partition_of(db, later) == "benchmark_transactions_y2019m04"
    assert checked_since_checkpoint(db, full=True).ok


def test_the_chain_spans_partitions_and_names_an_altered_row_in_a_new_one(db):
    db.execute("SELECT ensure_log_partitions('2031-01-01', '2031-02-01')")
    _insert_at(db, "2031-01-03", {"f1": 0.3})
    altered = _insert_at(db, "2031-02-03", {"f1": 0.4})
    upsert(db, CONFIG, {"f1": 0.5})  # today's month
    assert verify_transaction_log(db).ok
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute("UPDATE benchmark_transactions SET notes = 'x' WHERE id = %s", (altered,))
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")
    check = verify_transaction_log(db)
    assert (check.ok, check.transaction_id) == (False, altered), check.problem


def test_snapshots_reference_the_key_table(db):
    tid = upsert(db, CONFIG, {"f1": 0.9})
    referenced = db.execute(
        "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint"
        " WHERE contype = 'f' AND conname LIKE '%transaction_id_fkey'"
    ).fetchall()
    assert referenced == [("benchmark_transaction_keys",)]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        db.execute(
            "INSERT INTO accepted_changes (model_version, dataset_version, prompt_version,"
            " environment, metric, transaction_id, actor, reason)"
            " VALUES (%s, %s, %s, %s, 'f1', gen_random_uuid(), 'a', 'r')",
            CONFIG,
        )
    assert (
        db.execute(
            "SELECT count(*) FROM benchmark_snapshots s JOIN benchmark_transactions t"
            " ON t.id = s.transaction_id WHERE t.id = %s",
            (tid,),
        ).fetchone()[0]
        == 1
    )


def test_a_database_of_the_unpartitioned_schema_migrates_in_place(fresh_empty_database, tmp_path):
    """Filled by migrations 0001–0028, then upgraded: every row, the chain, snapshots."""
    upgrade_before(fresh_empty_database, 29, tmp_path / "sql")
    with psycopg.connect(fresh_empty_database, autocommit=True) as conn:
        for f1, when in ((0.8, "2026-09-03"), (0.85, "2026-10-03"), (0.9, None)):
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, %s)",
                (*CONFIG, json.dumps({"f1": f1}), when),
            )
        with conn.transaction():
            raw_insert(conn, CONFIG, {"f1": 0.7})
            raw_insert(conn, CONFIG, {"f1": 0.75})
        before = conn.execute(
            "SELECT id, seq, content_sha256 FROM benchmark_transactions ORDER BY seq"
        ).fetchall()
        current = conn.execute(
            "SELECT transaction_id FROM benchmark_snapshots WHERE is_current"
        ).fetchall()

    assert [m.version for m in migrations.upgrade(fresh_empty_database)][:2] == [29, 30]
    with psycopg.connect(fresh_empty_database, autocommit=True) as conn:
        after = conn.execute(
            "SELECT id, seq, content_sha256 FROM benchmark_transactions ORDER BY seq"
        ).fetchall()
        assert after == before
        assert (
            conn.execute(
                "SELECT relkind FROM pg_class WHERE relname = 'benchmark_transactions'"
            ).fetchone()[0]
            == "p"
        )
        parts = {
            p
            for (p,) in conn.execute(
                "SELECT DISTINCT tableoid::regclass::text FROM benchmark_transactions"
            )
        }
        assert {"benchmark_transactions_y2026m09", "benchmark_transactions_y2026m10"} <= parts
        check = verify_transaction_log(conn)
        assert check.ok, check.problem
        assert check.problem == "OK: 5 rows in 4 links, chain intact"
        resolved = conn.execute(
            "SELECT s.transaction_id FROM benchmark_snapshots s"
            " JOIN benchmark_transactions t ON t.id = s.transaction_id WHERE s.is_current"
        ).fetchall()
        assert resolved == current and current
        new = upsert(conn, CONFIG, {"f1": 0.95})  # appends after the copied rows
        seq = conn.execute("SELECT seq FROM benchmark_transactions WHERE id = %s", (new,))
        assert seq.fetchone()[0] > before[-1][1]
        with pytest.raises(psycopg.errors.UniqueViolation, match="content_sha256_is_unique"):
            conn.execute(
                "INSERT INTO benchmark_transactions (model_version, dataset_version,"
                " prompt_version, environment, metrics, created_at, content_sha256)"
                " SELECT model_version, dataset_version, prompt_version, environment,"
                " metrics, created_at, content_sha256 FROM benchmark_transactions"
                " WHERE seq = %s",
                (before[0][1],),
            )
        assert verify_transaction_log(conn).ok


def test_db_upgrade_creates_this_month_and_the_next(db, db_url):
    from click.testing import CliRunner

    from benchmon_pipeline.cli.main import cli

    done = CliRunner().invoke(cli, ["db", "upgrade"], env={"BENCHMON_DATABASE_URL": db_url})
    assert done.exit_code == 0, done.output
    expected = [
        n
        for (n,) in db.execute(
            "SELECT 'benchmark_transactions_' || to_char(m AT TIME ZONE 'UTC', '\"y\"YYYY\"m\"MM')"
            " FROM (VALUES (now()), (now() + interval '1 month')) AS v (m)"
        )
    ]
    for name in expected:
        assert f"created partition {name}" in done.output
    row = upsert(db, CONFIG, {"f1": 0.5})
    assert _partition_of(db, row) == expected[0]
