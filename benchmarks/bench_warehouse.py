"""How fast the warehouse takes results in and answers the dashboard's questions.

Fills the log with ROWS results over CONFIGS configurations, alternating batches between
the batch ingest path (`append_results`: one query for known keys, COPY of the new rows,
one fold; see its docstring for the fallback) and a raw COPY of equally made rows
straight into `benchmark_transactions`
(same table, same indexes and triggers, no idempotency check, no fold), so both see the
same table at the same sizes. Then one `upsert_benchmark_result` call per row on a
sample, the fold of the raw rows, and the read paths: current-snapshot lookup, snapshot
history, a 30-day daily trend for one model.

    python benchmarks/bench_warehouse.py            # 1,000,000 rows, 1,000 configurations
    python benchmarks/bench_warehouse.py --quick    # small sizes, a few seconds

Uses BENCHMON_DATABASE_URL when set (it is migrated first; rows are added, never
removed), else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from support import raw_copy, raw_rows, timed_ms, verdict

from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.server import ensure_database
from benchmon_pipeline.db.urls import libpq_url, with_database
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results, fold_new_results, verify_transaction_log

NOW = datetime.now(UTC)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url:
        url = libpq_url(url)
        migrations.upgrade(url)
        yield url
        return
    home = Path(tempfile.mkdtemp(prefix="benchmon-bench-"))
    try:
        url = with_database(embedded.start(home / "pgdata"), "benchmon_bench")
        ensure_database(url)
        migrations.upgrade(url)
        yield url
    finally:
        embedded.stop(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


def configurations(n: int) -> list[tuple[str, str, str, str]]:
    """n configurations: models × 5 datasets × 2 prompts × 2 environments."""
    per_model = 5 * 2 * 2
    models = max(1, n // per_model)
    configs = [
        (f"org/model-{m:03d}", f"dataset-{d}", f"prompt-v{p}", env)
        for m in range(models)
        for d in range(5)
        for p in range(2)
        for env in ("ci", "production")
    ]
    return configs[:n]


def results(rng: random.Random, configs, count: int, run_prefix: str, start: int) -> list[Result]:
    out = []
    for i in range(start, start + count):
        model, dataset, prompt, env = rng.choice(configs)
        f1 = round(rng.uniform(0.6, 0.95), 4)
        out.append(
            Result(
                model_version=model,
                dataset_version=dataset,
                prompt_version=prompt,
                environment=env,
                model_provider="bench",
                created_at=NOW - timedelta(seconds=rng.uniform(0, 365 * 86400)),
                commit_sha=f"{rng.getrandbits(160):040x}",
                branch_name="main" if rng.random() < 0.9 else f"feature/{rng.randint(1, 50)}",
                run_id=f"{run_prefix}-{i}",
                triggered_by="bench",
                tags=("nightly", env),
                duration_seconds=round(rng.uniform(10, 600), 3),
                metrics={
                    "f1": f1,
                    "precision": round(f1 + rng.uniform(-0.03, 0.03), 4),
                    "recall": round(f1 + rng.uniform(-0.03, 0.03), 4),
                    "accuracy": round(rng.uniform(0.7, 0.99), 4),
                    "latency_ms": round(rng.uniform(100, 900), 1),
                    "tokens_per_second": round(rng.uniform(20, 200), 1),
                },
                directions={"tokens_per_second": "higher"},
            )
        )
    return out


def run(
    url: str, rows: int, n_configs: int, batch_size: int, upsert_sample: int, repeat: int
) -> None:
    rng = random.Random(20261123)
    configs = configurations(n_configs)
    prefix = uuid.uuid4().hex[:8]
    print(
        f"benchmon warehouse benchmark: {rows:,} log rows over {len(configs):,} "
        f"configurations, batches of {batch_size:,}"
    )

    batch_time = raw_time = 0.0
    batch_rows = raw_rows_total = 0
    made = 0
    # Autocommit, so that each `conn.transaction()` below is a transaction of its own, as
    # each chunk of an ingest run is (on a connection that is already in a transaction it
    # would only be a savepoint: the whole fill was one transaction, sealed only at its
    # end, and every fold read all the rows the transaction had appended so far).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = on")
        turn = 0
        while made < rows:
            count = min(batch_size, rows - made)
            batch = results(rng, configs, count, prefix, made)
            made += count
            if turn % 2 == 0:
                start = time.perf_counter()
                with conn.transaction():
                    append_results(conn, batch, ["bench"] * count)
                batch_time += time.perf_counter() - start
                batch_rows += count
            else:
                prepared = raw_rows(batch)
                start = time.perf_counter()
                raw_copy(conn, prepared)
                raw_time += time.perf_counter() - start
                raw_rows_total += count
            turn += 1
        batch_rate = batch_rows / batch_time
        raw_rate = raw_rows_total / raw_time if raw_rows_total else float("nan")
        print(
            f"batch ingest path (append_results: COPY + fold): "
            f"{batch_rate:,.0f} rows/s ({batch_rows:,} rows)"
        )
        print(
            f"raw COPY into benchmark_transactions: {raw_rate:,.0f} rows/s "
            f"({raw_rows_total:,} rows)"
        )
        ratio = batch_rate / raw_rate
        print(f"batch / raw COPY: {ratio:.0%} (target >= 50 %: {verdict(ratio >= 0.5)})")

        start = time.perf_counter()
        with conn.transaction():
            folded = fold_new_results(conn, actor="bench")
        fold_time = time.perf_counter() - start
        print(
            f"fold of the raw-COPY rows (snapshots asset path): "
            f"{raw_rows_total / fold_time:,.0f} rows/s ({len(folded):,} versions created)"
        )

    with psycopg.connect(url, autocommit=True) as conn:
        sample = results(rng, configs, upsert_sample, prefix + "-upsert", 0)
        start = time.perf_counter()
        for r in sample:
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s,"
                " commit_sha => %s, branch_name => %s, model_provider => %s,"
                " duration_seconds => %s::numeric, tags => %s::text[], run_id => %s,"
                " triggered_by => %s, source => 'bench', metric_directions => %s::jsonb)",
                (
                    r.model_version,
                    r.dataset_version,
                    r.prompt_version,
                    r.environment,
                    json.dumps(r.metrics),
                    r.created_at,
                    r.commit_sha,
                    r.branch_name,
                    r.model_provider,
                    repr(r.duration_seconds),
                    list(r.tags),
                    r.run_id,
                    r.triggered_by,
                    json.dumps(r.directions),
                ),
                prepare=True,
            )
        upsert_rate = upsert_sample / (time.perf_counter() - start)
        print(
            f"upsert_benchmark_result, one call per row (sample of {upsert_sample:,}): "
            f"{upsert_rate:,.0f} rows/s"
        )
        print(f"batch / per-row upsert: {batch_rate / upsert_rate:.1f}x")

        conn.execute("VACUUM ANALYZE")
        total, versions = conn.execute(
            "SELECT (SELECT count(*) FROM benchmark_transactions),"
            " (SELECT count(*) FROM benchmark_snapshots)"
        ).fetchone()
        print(f"log rows: {total:,}; snapshot versions: {versions:,}")

        config = configs[len(configs) // 2]
        lookup = timed_ms(
            conn,
            "SELECT * FROM v_latest_benchmarks WHERE model_version = %s"
            " AND dataset_version = %s AND prompt_version = %s"
            " AND environment = %s",
            config,
            repeat,
        )
        print(
            f"current-snapshot lookup: {lookup:.3f} ms (median of {repeat}; target < 1 ms: "
            f"{verdict(lookup < 1)})"
        )
        history = timed_ms(
            conn, "SELECT * FROM get_snapshot_history(%s, %s, %s, %s, 10)", config, repeat
        )
        print(f"snapshot history (last 10 versions): {history:.3f} ms (median of {repeat})")
        trend_query = (
            "SELECT * FROM performance_trends(%s, date_trunc('day', now())"
            " - interval '29 days') ORDER BY day"
        )
        trend = timed_ms(conn, trend_query, (config[0],), repeat)
        days, runs = conn.execute(
            f"SELECT count(DISTINCT day), sum(run_count) FROM ({trend_query}) AS t", (config[0],)
        ).fetchone()
        print(
            f"30-day daily trend, one model: {trend:.3f} ms (median of {repeat}; {days} days, "
            f"{runs:,} runs; target < 20 ms: {verdict(trend < 20)})"
        )

        start = time.perf_counter()
        check = verify_transaction_log(conn)
        print(f"verify_transaction_log: {check.problem} in {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--configs", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--upsert-sample", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=1_000)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.configs, args.batch = 8_000, 100, 1_000
        args.upsert_sample, args.repeat = 200, 50
    with database(os.environ.get("BENCHMON_DATABASE_URL")) as url:
        run(url, args.rows, args.configs, args.batch, args.upsert_sample, args.repeat)


if __name__ == "__main__":
    main()
