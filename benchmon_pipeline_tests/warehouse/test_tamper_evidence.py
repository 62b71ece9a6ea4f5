"""The hash chain names what a superuser changed behind the triggers' back."""

from click.testing import CliRunner

from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.warehouse import verify_transaction_log
from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert


def _behind_the_triggers(db, statement, *params):
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute(statement, params)
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")


def _benchmon_db_verify(db_url):
    return CliRunner().invoke(cli, ["db", "verify"], env={"BENCHMON_DATABASE_URL": db_url})


def test_an_intact_log_verifies(db):
    for f1 in (0.8, 0.85, 0.9):
        upsert(db, CONFIG, {"f1": f1})
    with db.transaction():  # one transaction, one link for both rows
        raw_insert(db, CONFIG, {"f1": 0.7})
        raw_insert(db, CONFIG, {"f1": 0.75})
    check = verify_transaction_log(db)
    assert check.ok, check.problem
    assert check.problem == "OK: 5 rows in 4 links, chain intact"


def test_a_row_altered_with_triggers_disabled_is_named(db, db_url):
    upsert(db, CONFIG, {"f1": 0.8})
    altered = upsert(db, CONFIG, {"f1": 0.85})
    upsert(db, CONFIG, {"f1": 0.9})
    _behind_the_triggers(
        db, "UPDATE benchmark_transactions SET metrics = '{\"f1\": 0.95}' WHERE id = %s", altered
    )

    check = verify_transaction_log(db)
    assert not check.ok
    assert check.transaction_id == altered
    assert check.problem == f"row seq 2 (id {altered}) differs from what link 2 sealed"

    done = _benchmon_db_verify(db_url)
    assert done.exit_code == 1, done.output
    assert f"BROKEN: row seq 2 (id {altered})" in done.output


def test_the_cli_says_ok_for_an_intact_log(db, db_url):
    upsert(db, CONFIG, {"f1": 0.8})
    done = _benchmon_db_verify(db_url)
    assert done.exit_code == 0, done.output
    assert "OK: 1 rows in 1 links" in done.output


def test_a_deleted_row_is_found(db):
    upsert(db, CONFIG, {"f1": 0.8})
    gone = upsert(db, CONFIG, {"f1": 0.85})
    _behind_the_triggers(db, "DELETE FROM benchmark_transactions WHERE id = %s", gone)
    check = verify_transaction_log(db)
    assert (check.ok, check.link_no) == (False, 2)
    assert "row 1 of them is gone" in check.problem


def test_a_row_slipped_in_without_sealing_is_found(db):
    upsert(db, CONFIG, {"f1": 0.8})
    db.execute(
        "ALTER TABLE benchmark_transactions DISABLE TRIGGER benchmark_transactions_request_seal"
    )
    slipped = raw_insert(db, CONFIG, {"f1": 0.99})
    db.execute(
        "ALTER TABLE benchmark_transactions ENABLE TRIGGER benchmark_transactions_request_seal"
    )
    check = verify_transaction_log(db)
    assert (check.ok, check.transaction_id) == (False, slipped)
    assert "is in no link" in check.problem


def test_a_rewritten_link_breaks_the_chain(db):
    for f1 in (0.8, 0.85, 0.9):
        upsert(db, CONFIG, {"f1": f1})
    with db.transaction():
        db.execute("ALTER TABLE transaction_log_chain DISABLE TRIGGER ALL")
        db.execute(
            "UPDATE transaction_log_chain SET link_hash = sha256('forged') WHERE link_no = 2"
        )
        db.execute("ALTER TABLE transaction_log_chain ENABLE TRIGGER ALL")
    check = verify_transaction_log(db)
    assert (check.ok, check.link_no) == (False, 2)
    assert check.problem == "link 2: its hash does not match its contents"
