"""Writers released together never produce a gap, a duplicate or two current versions."""

import threading

import psycopg

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results, verify_transaction_log
from benchmon_pipeline_tests.warehouse.calls import CONFIG, rebuild_differences, upsert

THREADS = 4
ROUNDS = 40
OTHER = (CONFIG[0], CONFIG[1], "analysis-v5", CONFIG[3])


def test_concurrent_upserts_into_the_same_configurations(db, db_url):
    barrier = threading.Barrier(THREADS)
    errors = []

    def writer(n):
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                for r in range(ROUNDS):
                    barrier.wait(timeout=30)
                    if n == 0:  # one writer takes the batch path into both configurations
                        append_results(
                            conn,
                            [
                                Result(
                                    *c[:3],
                                    metrics={"f1": 0.5},
                                    environment=c[3],
                                    run_id=f"batch-{r}-{i}",
                                )
                                for i, c in enumerate((CONFIG, OTHER, CONFIG))
                            ],
                            ["b"] * 3,
                        )
                    else:
                        upsert(conn, CONFIG if n % 2 else OTHER, {"f1": 0.5}, run_id=f"{n}-{r}")
        except Exception as exc:  # noqa: BLE001 — reported below, in the test's thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    for config in (CONFIG, OTHER):
        numbers, current = db.execute(
            "SELECT array_agg(snapshot_version ORDER BY snapshot_version),"
            "       array_agg(snapshot_version) FILTER (WHERE is_current)"
            "  FROM benchmark_snapshots WHERE (model_version, dataset_version, prompt_version,"
            "       environment) = (%s, %s, %s, %s)",
            config,
        ).fetchone()
        # each round: one version per upserting thread for this configuration + one batch
        expected = ROUNDS * (
            1 + sum(1 for n in range(1, THREADS) if (n % 2 == 1) == (config == CONFIG))
        )
        assert numbers == list(range(1, expected + 1))
        assert current == [expected]
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == ROUNDS * (
        THREADS - 1 + 3
    )
    assert verify_transaction_log(db).ok
    assert rebuild_differences(db) == []


def test_a_duplicate_stored_concurrently_during_a_batch_is_skipped(db_url):
    shared = Result(*CONFIG[:3], metrics={"f1": 0.9}, environment=CONFIG[3], run_id="shared")
    own = Result(*CONFIG[:3], metrics={"f1": 0.8}, environment=CONFIG[3], run_id="own")
    outcomes = []
    with psycopg.connect(db_url) as other, psycopg.connect(db_url, autocommit=True) as conn:
        other.execute("SELECT 1")  # a transaction is open: the append below stays in it
        (first,) = append_results(other, [shared], ["other.json"])  # not committed yet

        # The batch does not see it, and its COPY waits on the uncommitted key …
        batch = threading.Thread(
            target=lambda: outcomes.extend(
                append_results(conn, [shared, own], ["a.json", "b.json"])
            )
        )
        batch.start()
        batch.join(timeout=1)
        assert batch.is_alive()
        other.commit()  # … which now exists: the batch falls back to ON CONFLICT
        batch.join(timeout=30)

        assert [(o.transaction_id == first.transaction_id, o.inserted) for o in outcomes] == [
            (True, False),
            (False, True),
        ]
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 2
        assert conn.execute(
            "SELECT array_agg(snapshot_version ORDER BY snapshot_version) FROM benchmark_snapshots"
        ).fetchone()[0] == [1, 2]
        assert verify_transaction_log(conn).ok
