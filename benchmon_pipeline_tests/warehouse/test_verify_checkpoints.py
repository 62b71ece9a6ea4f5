"""`benchmon db verify` checks from its last checkpoint; `--full` checks everything."""

import psycopg
import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.warehouse import checked_since_checkpoint
from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert


def _behind_the_triggers(db, statement, *params):
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute(statement, params)
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")


def _alter(db, transaction_id):
    _behind_the_triggers(
        db,
        "UPDATE benchmark_transactions SET metrics = '{\"f1\": 0.01}' WHERE id = %s",
        transaction_id,
    )


def _db_verify(db_url, *args):
    return CliRunner().invoke(cli, ["db", "verify", *args], env={"BENCHMON_DATABASE_URL": db_url})


def _checkpoints(db):
    return db.execute(
        "SELECT link_no, full_check, rows_checked, verified_by = session_user"
        " FROM transaction_log_checkpoints ORDER BY checkpoint_no"
    ).fetchall()


def test_the_second_check_reads_only_what_was_appended_since_the_first(db, db_url):
    for f1 in (0.8, 0.85, 0.9):
        upsert(db, CONFIG, {"f1": f1})
    first = _db_verify(db_url)
    assert first.exit_code == 0, first.output
    assert "OK: 3 rows in 3 links, chain intact (checkpoint 1 recorded)" in first.output

    upsert(db, CONFIG, {"f1": 0.91})
    with db.transaction():  # one link, two rows
        raw_insert(db, CONFIG, {"f1": 0.7})
        raw_insert(db, CONFIG, {"f1": 0.75})
    second = _db_verify(db_url)
    assert second.exit_code == 0, second.output
    assert "OK: 3 rows in 2 links after link 3, chain intact (checkpoint 2 recorded)" in (
        second.output
    )
    assert _checkpoints(db) == [(3, True, 3, True), (5, False, 3, True)]


def test_a_row_altered_before_the_checkpoint_is_found_by_full(db, db_url):
    upsert(db, CONFIG, {"f1": 0.8})
    altered = upsert(db, CONFIG, {"f1": 0.85})
    assert checked_since_checkpoint(db).ok
    upsert(db, CONFIG, {"f1": 0.9})
    _alter(db, altered)

    quick = _db_verify(db_url)
    assert quick.exit_code == 0, quick.output  # behind the checkpoint: not read again
    assert "OK: 1 rows in 1 links after link 2" in quick.output

    full = _db_verify(db_url, "--full")
    assert full.exit_code == 1, full.output
    assert f"BROKEN: row seq 2 (id {altered}) differs from what link 2 sealed" in full.output
    assert [c[0] for c in _checkpoints(db)] == [2, 3], "a failed check recorded a checkpoint"


def test_a_row_altered_after_the_checkpoint_is_found_by_default(db, db_url):
    upsert(db, CONFIG, {"f1": 0.8})
    assert checked_since_checkpoint(db).ok
    altered = upsert(db, CONFIG, {"f1": 0.85})
    _alter(db, altered)
    done = _db_verify(db_url)
    assert done.exit_code == 1, done.output
    assert f"BROKEN: row seq 2 (id {altered}) differs from what link 2 sealed" in done.output


def test_a_rewritten_checkpoint_link_is_found_by_default(db):
    for f1 in (0.8, 0.85):
        upsert(db, CONFIG, {"f1": f1})
    assert checked_since_checkpoint(db).ok
    with db.transaction():
        db.execute("ALTER TABLE transaction_log_chain DISABLE TRIGGER ALL")
        db.execute("UPDATE transaction_log_chain SET link_hash = sha256('x') WHERE link_no = 2")
        db.execute("ALTER TABLE transaction_log_chain ENABLE TRIGGER ALL")
    check = checked_since_checkpoint(db)
    assert (check.ok, check.link_no, check.checkpoint_no) == (False, 2, None)
    assert "link 2 no longer has the hash it had when it was verified" in check.problem


def test_a_transaction_open_during_a_check_is_read_by_the_next_one(db, db_url):
    """Its rows commit after the checkpoint's link was read, whatever its seq or link."""
    upsert(db, CONFIG, {"f1": 0.8})
    with psycopg.connect(db_url) as late:
        with late.transaction():
            slow = raw_insert(late, CONFIG, {"f1": 0.6})  # xid assigned, not committed
            assert checked_since_checkpoint(db).ok  # checkpoint at link 1
        upsert(db, CONFIG, {"f1": 0.9})
    _alter(db, slow)
    check = checked_since_checkpoint(db)
    assert (check.ok, check.transaction_id) == (False, slow), check.problem


def test_checkpoints_are_append_only(db):
    upsert(db, CONFIG, {"f1": 0.8})
    assert checked_since_checkpoint(db).ok
    with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
        db.execute("UPDATE transaction_log_checkpoints SET link_no = 0")
