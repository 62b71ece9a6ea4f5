"""The fold of sql/0012: every step one statement, whatever the number of configurations,
and a cost per call that does not depend on what the transaction appended before."""

import random
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results, fold_new_results
from benchmon_pipeline_tests.warehouse.calls import (
    CONFIG,
    checkout,
    raw_insert,
    rebuild_differences,
    set_baseline,
    versions,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _result(config, f1, run_id, *, branch=None, at=None):
    return Result(
        *config[:3],
        metrics={"f1": f1},
        environment=config[3],
        run_id=run_id,
        branch_name=branch,
        created_at=at,
    )


def _configs(n):
    return [(f"org/m-{i % 7}", f"set-{i // 7}", "p", "ci" if i % 2 else "prod") for i in range(n)]


def _one_current_each(db):
    return db.execute(
        "SELECT count(DISTINCT (model_version, dataset_version, prompt_version, environment)),"
        " count(*) FILTER (WHERE is_current) FROM benchmark_snapshots"
    ).fetchone()


def test_many_results_of_one_configuration_in_a_batch_are_one_version(db):
    # 200 results, created_at ties broken by seq: the last of the newest instant is shown.
    rng = random.Random(1)
    results = [
        _result(CONFIG, round(rng.random(), 4), f"r{i}", at=T0 + timedelta(hours=rng.randint(0, 5)))
        for i in range(200)
    ]
    outcomes = append_results(db, results, ["a.json"] * len(results))
    newest = max(range(200), key=lambda i: (results[i].created_at, i))
    assert db.execute(
        "SELECT snapshot_version, run_count, transaction_id, first_seen_at,"
        " is_current FROM benchmark_snapshots"
    ).fetchall() == [
        (1, 200, outcomes[newest].transaction_id, min(r.created_at for r in results), True)
    ]
    assert db.execute("SELECT count(*) FROM snapshot_events").fetchone()[0] == 1


def test_a_batch_over_many_configurations_numbers_each_after_its_highest_version(db):
    configs = _configs(300)
    append_results(db, [_result(c, 0.5, f"a{i}") for i, c in enumerate(configs)], ["a.json"] * 300)
    checkout_config = configs[17]
    append_results(db, [_result(checkout_config, 0.6, "b")], ["b.json"])
    checkout(db, checkout_config, 1)  # current is v1, the highest is v2
    set_baseline(db, configs[18], 1)

    batch = [_result(c, 0.7, f"c{i}-{k}") for i, c in enumerate(configs) for k in range(2)]
    append_results(db, batch, ["c.json"] * len(batch))
    rows = db.execute(
        "SELECT model_version, dataset_version, prompt_version, environment,"
        " max(snapshot_version), max(run_count) FILTER (WHERE is_current)"
        " FROM benchmark_snapshots GROUP BY 1, 2, 3, 4"
    ).fetchall()
    assert len(rows) == 300
    for *config, highest, run_count in rows:
        assert highest == (3 if tuple(config) == checkout_config else 2), config
        assert run_count == 2
    assert versions(db, checkout_config)[-1] == (3, 0.7, True, False)
    assert versions(db, configs[18])[0] == (1, 0.5, False, True)  # the baseline stays
    assert _one_current_each(db) == (300, 300)
    assert (
        db.execute(
            "SELECT count(*) FROM snapshot_events WHERE event_type = 'new_version'"
        ).fetchone()[0]
        == 300 + 1 + 300
    )
    assert rebuild_differences(db) == []


def test_interleaved_branches_and_tracked_overrides_in_one_batch(db):
    released = ("org/m-x", "set", "p", "prod")
    db.execute("INSERT INTO tracked_branches VALUES (%s, %s, %s, %s, 'release')", released)
    batch = [
        _result(CONFIG, 0.1, "1", branch="main", at=T0),
        _result(CONFIG, 0.9, "2", branch="feature/x", at=T0 + timedelta(days=2)),  # newest, PR
        _result(CONFIG, 0.2, "3", branch=None, at=T0 + timedelta(days=1)),
        _result(released, 0.3, "4", branch="main", at=T0 + timedelta(days=3)),  # not tracked
        _result(released, 0.4, "5", branch="release", at=T0),
        _result(CONFIG, 0.8, "6", branch="feature/y", at=T0 + timedelta(days=3)),
    ]
    outcomes = append_results(db, batch, ["x.json"] * len(batch))
    assert versions(db, CONFIG) == [(1, 0.2, True, False)]
    assert versions(db, released) == [(1, 0.4, True, False)]
    assert db.execute(
        "SELECT run_count FROM benchmark_snapshots WHERE transaction_id = %s",
        (outcomes[2].transaction_id,),
    ).fetchone() == (2,)
    assert fold_new_results(db) == []  # the pull-request rows were applied, as "no version"


def test_repeats_in_a_batch_and_results_stored_before_add_no_version(db):
    first = [_result(CONFIG, 0.5, "1"), _result(CONFIG, 0.6, "2")]
    append_results(db, first, ["a.json", "b.json"])
    again = [first[0], _result(CONFIG, 0.7, "3"), first[1], _result(CONFIG, 0.7, "3")]
    outcomes = append_results(db, again, ["a.json", "c.json", "b.json", "c-copy.json"])
    assert [o.inserted for o in outcomes] == [False, True, False, False]
    assert outcomes[3].transaction_id == outcomes[1].transaction_id
    assert db.execute(
        "SELECT snapshot_version, run_count FROM benchmark_snapshots ORDER BY snapshot_version"
    ).fetchall() == [(1, 2), (2, 1)]
    only_repeats = append_results(db, first, ["a.json", "b.json"])
    assert not any(o.inserted for o in only_repeats)
    assert db.execute("SELECT count(*) FROM benchmark_snapshots").fetchone() == (2,)


def test_many_folds_in_one_transaction_each_apply_only_their_new_rows(db_url):
    """The n-th append of a transaction folds its own rows only (found by (xact_id, seq));
    rows appended after the last fold are folded when the transaction commits."""
    configs = _configs(20)
    with psycopg.connect(db_url) as conn:
        conn.execute("SELECT 1")  # one transaction around everything: appends are savepoints
        for batch in range(25):
            append_results(
                conn,
                [
                    _result(c, batch / 100, f"{batch}-{i}-{k}")
                    for i, c in enumerate(configs)
                    for k in range(3)
                ],
                ["f.json"] * 60,
            )
        raw_insert(conn, configs[0], {"f1": 0.99})  # after the last fold, before commit
        conn.commit()
        assert conn.execute(
            "SELECT count(*), min(run_count), max(run_count), max(snapshot_version)"
            " FROM benchmark_snapshots"
        ).fetchone() == (20 * 25 + 1, 1, 3, 26)
        assert versions(conn, configs[0])[-1] == (26, 0.99, True, False)
        assert conn.execute("SELECT count(*) FROM transaction_log_chain").fetchone() == (1,)
        assert _one_current_each(conn) == (20, 20)
        assert rebuild_differences(conn) == []
        assert fold_new_results(conn) == []


def test_the_fold_reads_only_the_new_rows_of_its_transaction(db_url):
    """After many appends in one transaction, finding the fold's rows is an index range
    scan on (xact_id, seq), not a scan of everything the transaction appended."""
    with psycopg.connect(db_url) as conn:
        own = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        append_results(
            conn, [_result(CONFIG, 0.1, str(i)) for i in range(2_000)], ["f.json"] * 2_000
        )
        last = conn.execute("SELECT max(seq) FROM benchmark_transactions").fetchone()[0]
        conn.execute("SET LOCAL enable_seqscan = off")  # a table this small could be scanned
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM benchmark_transactions t"
                " WHERE t.xact_id = %s::xid8 AND t.seq > %s",
                (own, last - 5),
            )
        )
        # the (xact_id, seq) index, as each partition of the log names its copy (sql/0030)
        assert re.search(r"Index Scan on benchmark_transactions\w*_xact_id\w*", plan), plan
        assert "rows=5 " in plan or "rows=5)" in plan, plan
        conn.rollback()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_rebuild_equals_live_after_big_interleaved_batches(db, seed):
    """Batches over many configurations at once (several per transaction), raw rows folded
    later, checkouts and baselines in between: the live table stays what the log and the
    events rebuild, with one current version per configuration."""
    rng = random.Random(seed)
    configs = _configs(40)
    counter = iter(range(10**6))
    for _ in range(30):
        with db.transaction():
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(["batch", "batch", "raw", "fold", "checkout", "baseline"])
                if kind == "batch":
                    batch = [
                        _result(
                            c,
                            round(rng.random(), 3),
                            str(next(counter)),
                            branch=rng.choice(["main", None, "feature/z"]),
                            at=T0 + timedelta(minutes=rng.randint(0, 50)),
                        )
                        for c in rng.choices(configs, k=rng.randint(1, 120))
                    ]
                    batch += rng.sample(batch, k=min(len(batch), rng.randint(0, 5)))  # repeats
                    append_results(db, batch, ["r.json"] * len(batch))
                elif kind == "raw":
                    raw_insert(
                        db,
                        rng.choice(configs),
                        {"f1": rng.random()},
                        branch=rng.choice(["main", None]),
                    )
                elif kind == "fold":
                    fold_new_results(db, actor="asset")
                else:
                    config = rng.choice(configs)
                    existing = [v for v, *_ in versions(db, config)]
                    if existing:
                        (checkout if kind == "checkout" else set_baseline)(
                            db, config, rng.choice(existing)
                        )
    fold_new_results(db)
    assert rebuild_differences(db) == []
    configured, current = _one_current_each(db)
    assert configured == current > 20
    gaps = db.execute(
        "SELECT count(*) FROM (SELECT max(snapshot_version) - count(*) AS gap"
        " FROM benchmark_snapshots GROUP BY model_version, dataset_version, prompt_version,"
        " environment) g WHERE gap <> 0"
    ).fetchone()[0]
    assert gaps == 0, "versions are 1, 2, 3… without gap"
