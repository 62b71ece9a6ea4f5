"""The one fold routine: tracked branches only, each log row applied exactly once."""

import psycopg

from benchmon_pipeline.warehouse import fold_new_results
from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert, versions


def _run_counts(db):
    return [
        r[0]
        for r in db.execute(
            "SELECT run_count FROM benchmark_snapshots ORDER BY snapshot_version"
        ).fetchall()
    ]


def test_a_result_from_a_non_tracked_branch_creates_no_version(db):
    pr = upsert(db, CONFIG, {"f1": 0.5}, branch="feature/faster-prompt")
    assert (
        db.execute("SELECT count(*) FROM benchmark_transactions WHERE id = %s", (pr,)).fetchone()[0]
        == 1
    )
    assert versions(db, CONFIG) == []

    upsert(db, CONFIG, {"f1": 0.9}, branch="main")
    upsert(db, CONFIG, {"f1": 0.8})  # no branch stated: counts as tracked
    assert versions(db, CONFIG) == [(1, 0.9, False, False), (2, 0.8, True, False)]
    assert fold_new_results(db) == []  # the PR row was applied, as "no version"


def test_the_tracked_branch_can_be_overridden_per_configuration(db):
    db.execute("INSERT INTO tracked_branches VALUES (%s, %s, %s, %s, 'release')", CONFIG)
    upsert(db, CONFIG, {"f1": 0.9}, branch="main")
    upsert(db, CONFIG, {"f1": 0.8}, branch="release")
    assert versions(db, CONFIG) == [(1, 0.8, True, False)]


def test_rows_from_other_clients_are_folded_once_by_the_next_fold(db):
    raw_insert(db, CONFIG, {"f1": 0.7})
    raw_insert(db, CONFIG, {"f1": 0.75})
    raw_insert(db, CONFIG, {"f1": 0.6}, branch="wip")
    (created,) = fold_new_results(db, actor="snapshots-asset")
    assert (created["snapshot_version"], created["run_count"]) == (1, 2)
    assert fold_new_results(db) == []
    assert db.execute("SELECT actor FROM snapshot_events").fetchone()[0] == "snapshots-asset"


def test_a_lower_seq_that_commits_later_is_still_folded_exactly_once(db, db_url):
    with psycopg.connect(db_url) as slow:  # a transaction that stays open
        raw_insert(slow, CONFIG, {"f1": 0.1})  # takes the lower seq …
        raw_insert(db, CONFIG, {"f1": 0.2})  # … this one commits first
        assert [c["run_count"] for c in fold_new_results(db)] == [1]
        slow.commit()
    assert [c["run_count"] for c in fold_new_results(db)] == [1]
    assert fold_new_results(db) == []
    assert db.execute(
        "SELECT array_agg(m.f1 ORDER BY s.snapshot_version) FROM"
        " benchmark_snapshots s, LATERAL (SELECT (s.metrics->>'f1')::float AS f1) m"
    ).fetchone()[0] == [0.2, 0.1]
    assert (
        db.execute(
            "SELECT seq FROM benchmark_transactions WHERE metrics->>'f1' = '0.1'"
        ).fetchone()[0]
        == 1
    )


def test_rows_appended_after_a_fold_in_the_same_transaction_are_folded_at_commit(db):
    with db.transaction():
        upsert(db, CONFIG, {"f1": 0.9})
        raw_insert(db, CONFIG, {"f1": 0.95})
    assert versions(db, CONFIG) == [(1, 0.9, False, False), (2, 0.95, True, False)]
    assert fold_new_results(db) == []
    assert _run_counts(db) == [1, 1]


def test_a_batch_of_runs_is_one_version_showing_the_newest(db):
    with db.transaction():
        for f1, day in ((0.7, 3), (0.9, 1), (0.8, 2)):
            db.execute(
                "INSERT INTO benchmark_transactions (model_version, dataset_version,"
                " prompt_version, environment, metrics, created_at)"
                " VALUES (%s, %s, %s, %s, %s::jsonb, %s::timestamptz)",
                (*CONFIG, f'{{"f1": {f1}}}', f"2026-01-0{day}T00:00:00Z"),
            )
        created = db.execute("SELECT * FROM fold_transactions(own_rows_only => true)").fetchall()
        assert len(created) == 1
    assert versions(db, CONFIG) == [(1, 0.7, True, False)]  # created 2026-01-03
    assert db.execute(
        "SELECT run_count, first_seen_at::date::text FROM benchmark_snapshots"
    ).fetchone() == (3, "2026-01-01")
