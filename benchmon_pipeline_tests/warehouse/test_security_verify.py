"""`benchmon db verify` names the row a superuser deleted behind the triggers (defect 13)."""

from click.testing import CliRunner

from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.warehouse import verify_transaction_log
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert


def _delete_behind_the_triggers(db, transaction_id) -> None:
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute("DELETE FROM benchmark_transactions WHERE id = %s", (transaction_id,))
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")


def _one_link_of_three(db) -> list[tuple]:
    upsert(db, CONFIG, {"f1": 0.7})  # link 1
    with db.transaction():  # link 2: three rows
        for f1 in (0.8, 0.85, 0.9):
            upsert(db, CONFIG, {"f1": f1})
    return db.execute(
        "SELECT seq, id FROM benchmark_transactions WHERE seq > 1 ORDER BY seq"
    ).fetchall()


def test_a_row_deleted_from_the_middle_of_a_link_is_named(db, db_url):
    (first_seq, _), (_, gone), (_, survivor) = _one_link_of_three(db)
    _delete_behind_the_triggers(db, gone)

    check = verify_transaction_log(db)
    assert not check.ok
    assert check.transaction_id != survivor, "verify blamed the row after the deleted one"
    assert check.problem == (
        f"link 2 sealed 3 rows; row 2 of them is gone (the row after seq {first_seq})"
    )
    done = CliRunner().invoke(cli, ["db", "verify"], env={"BENCHMON_DATABASE_URL": db_url})
    assert done.exit_code == 1, done.output
    assert (
        f"BROKEN: link 2 sealed 3 rows; row 2 of them is gone (the row after seq {first_seq})"
        in done.output
    )


def test_the_first_and_last_rows_of_a_link_are_named_too(db):
    rows = _one_link_of_three(db)
    _delete_behind_the_triggers(db, rows[0][1])
    assert (
        verify_transaction_log(db).problem
        == "link 2 sealed 3 rows; row 1 of them is gone (its first row)"
    )


def test_the_last_row_of_a_link_is_named(db):
    rows = _one_link_of_three(db)
    _delete_behind_the_triggers(db, rows[2][1])
    assert verify_transaction_log(db).problem == (
        f"link 2 sealed 3 rows; row 3 of them is gone (the row after seq {rows[1][0]})"
    )


def test_an_altered_row_is_still_named_as_altered(db):
    rows = _one_link_of_three(db)
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute("UPDATE benchmark_transactions SET notes = 'x' WHERE id = %s", (rows[1][1],))
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")
    check = verify_transaction_log(db)
    assert check.transaction_id == rows[1][1]
    assert (
        check.problem == f"row seq {rows[1][0]} (id {rows[1][1]}) differs from what link 2 sealed"
    )
