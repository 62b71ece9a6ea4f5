"""sql/0036: the fold copies the newest row's metrics from its own scan of the new rows
(no look-up of the log by id); each new version still shows its newest result's metrics."""

import random
from datetime import UTC, datetime, timedelta

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_each_new_version_shows_the_metrics_of_its_newest_result(db):
    # Six configurations over three months (three partitions), created_at ties broken by
    # seq, two batches (the second makes version 2 of every configuration).
    rng = random.Random(36)
    configs = [(f"org/m-{i}", "set", "p", "ci") for i in range(6)]
    for batch_no in range(2):
        results = [
            Result(
                *config[:3],
                environment=config[3],
                metrics={"f1": round(rng.random(), 4), "latency_ms": rng.randint(1, 999)},
                run_id=f"b{batch_no}-{k}",
                created_at=T0 + timedelta(days=30 * batch_no + rng.randint(0, 2) * 20),
            )
            for k in range(120)
            for config in [configs[k % 6]]
        ]
        append_results(db, results, ["a.json"] * len(results))
        for c, config in enumerate(configs):
            mine = [k for k in range(len(results)) if k % 6 == c]
            newest = results[max(mine, key=lambda k: (results[k].created_at, k))]
            version, transaction_id, metrics = db.execute(
                "SELECT snapshot_version, transaction_id, metrics FROM benchmark_snapshots"
                " WHERE model_version = %s AND is_current",
                (config[0],),
            ).fetchone()
            assert version == batch_no + 1
            assert metrics == newest.metrics
            stored = db.execute(
                "SELECT metrics FROM benchmark_transactions WHERE id = %s", (transaction_id,)
            ).fetchone()[0]
            assert metrics == stored
