"""The warehouse at scale: ten million log rows in a log partitioned by month (issue 20).

Fills the log server-side (INSERT … SELECT generate_series, one transaction a month over
13 months, two months at a time on two connections, through the log's own triggers: each
row comes with its content key and canonical JSON, as the ingest path sends them, and the
database checks the key against the row and claims it; each month's transaction is sealed
into the hash chain at commit, so `db verify` checks the fill like any other rows), folds
the snapshots (`fold_transactions`) and builds the daily trend table
(`refresh_daily_trends`), the set-based paths the product runs. Then measures, each beside
its same-run baseline:

  * ingest of a day's new results through the batch path (`append_results`: COPY, fold
    into snapshots, commit) vs a raw COPY of equally made rows into the same partitioned
    table (triggers on, commit); rows made before the clock on both sides, two
    alternating rounds;
  * the current-snapshot lookup;
  * a 30-day trend of one model from the trend table vs the same from the raw log
    (`performance_trends`);
  * `db verify` from the checkpoint (the day's new rows) vs the full verify;
  * partition pruning in the plans of the time-bounded queries;
  * storage per result (all partitions, the key table, every index).

    python benchmarks/bench_scale.py                  # 10,000,000 rows, 10,000 configurations
    python benchmarks/bench_scale.py --rows 1000000   # a trial
    python benchmarks/bench_scale.py --quick          # 10,000 rows, 100 configurations

Uses BENCHMON_DATABASE_URL's server when set (a database `benchmon_bench_scale` is made
afresh on it), else an embedded PostgreSQL in a temporary directory. Exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
from bench_warehouse import configurations, results
from support import fresh_database, raw_copy, raw_rows, server, timed_ms, verdict

from benchmon_pipeline.warehouse import (
    append_results,
    checked_since_checkpoint,
    fold_new_results,
)
from benchmon_pipeline.warehouse.encoding import keys_and_rows

MONTHS = 13
FILL_CONNECTIONS = 2  # months filled at once

# One month's rows, made by the server: configuration c = i mod CONFIGS named as
# bench_warehouse.configurations() names it (20 configurations a model). Each row comes
# with its content key and the canonical JSON it hashes (as the ingest path sends them),
# written out set-based for these values (every metric a float of at most four decimals or
# an integer), so the log's trigger checks them (the key is the JSON's sha256, the JSON
# states the row's columns) instead of building the JSON itself; `check_fill_keys` holds
# a sample of the keys to the database's own rule (benchmark_content_sha256).
FILL_MONTH = """
INSERT INTO benchmark_transactions
    (created_at, model_version, dataset_version, prompt_version, environment,
     model_provider, commit_sha, branch_name, run_id, triggered_by, source, metrics,
     metric_directions, tags, duration_seconds, content_sha256, content_json)
SELECT created_at, model, dataset, prompt, env, 'bench', sha, 'main', run_id, 'bench',
       'bench-fill',
       jsonb_build_object('f1', f1, 'precision', precision, 'recall', recall,
                          'accuracy', 0.9, 'latency_ms', latency,
                          'tokens_per_second', tokens),
       '{"tokens_per_second": "higher"}', ARRAY['nightly'], duration,
       encode(sha256(convert_to(content, 'UTF8')), 'hex'), content
  FROM (SELECT *,
               '{"branch_name":"main","commit_sha":"' || sha || '","created_at":"'
               || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
               || CASE WHEN to_char(created_at, 'US') = '000000' THEN ''
                       ELSE '.' || to_char(created_at, 'US') END
               || '+00:00","dataset_version":"' || dataset || '","duration_seconds":'
               || duration || '.0,"environment":"' || env
               || '","metrics":{"accuracy":0.9,"f1":' || rtrim(f1::text, '0')
               || ',"latency_ms":' || latency || '.0,"precision":'
               || rtrim(precision::text, '0') || ',"recall":' || rtrim(recall::text, '0')
               || ',"tokens_per_second":' || tokens
               || '.0},"model_provider":"bench","model_version":"' || model
               || '","notes":null,"prompt_version":"' || prompt || '","run_id":"' || run_id
               || '","tags":["nightly"]}' AS content
          FROM (SELECT %(start)s::timestamptz + (%(span)s::interval * (i::float8 / %(n)s))
                           AS created_at,
                       'org/model-' || lpad((c / 20)::text, 3, '0') AS model,
                       'dataset-' || (c / 4 %% 5) AS dataset,
                       'prompt-v' || (c / 2 %% 2) AS prompt,
                       CASE WHEN c %% 2 = 0 THEN 'ci' ELSE 'production' END AS env,
                       md5(%(tag)s || i) AS sha, %(tag)s || '-' || i AS run_id,
                       f1, round(f1 + 0.01, 4) AS precision, round(f1 - 0.01, 4) AS recall,
                       100 + i %% 800 AS latency, 20 + i %% 180 AS tokens,
                       10 + i %% 590 AS duration
                  FROM (SELECT i, (i + %(offset)s) %% %(configs)s AS c,
                               round((0.6 + (i %% 3500) / 10000.0)::numeric, 4) AS f1
                          FROM generate_series(1, %(n)s) AS i) AS g) AS v) AS w
"""

# A sample of the filled rows whose key is not the database's own rule for their columns.
CHECK_FILL_KEYS = """
SELECT count(*), count(*) FILTER (WHERE t.content_sha256 <> benchmark_content_sha256(
           t.model_version, t.dataset_version, t.prompt_version, t.environment,
           t.model_provider, t.commit_sha, t.branch_name, t.run_id, t.created_at, t.metrics,
           t.tags, t.notes, t.duration_seconds))
  FROM benchmark_transactions t WHERE t.source = 'bench-fill' AND t.seq %% %(step)s = 0
"""

# How a result of one model over the last 30 days is asked of the raw log.
RAW_WINDOW = (
    "SELECT count(*) FROM benchmark_transactions WHERE model_version = %s"
    " AND created_at >= date_trunc('day', now()) - interval '29 days'"
)


def fill(url: str, rows: int, n_configs: int, now: datetime) -> float:
    """ROWS rows over the last MONTHS months (up to yesterday), one transaction a month,
    on FILL_CONNECTIONS connections at once (a month each; the chain seals each month's
    transaction as it commits, as it does for concurrent writers)."""
    first = now - timedelta(days=30 * MONTHS)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT ensure_log_partitions(%s, %s)", (first, now + timedelta(days=31)))
    per_month = rows // MONTHS
    months = queue.SimpleQueue()
    for m in range(MONTHS):
        months.put(m)

    def worker() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                try:
                    m = months.get_nowait()
                except queue.Empty:
                    return
                n = per_month if m < MONTHS - 1 else rows - per_month * (MONTHS - 1)
                last = m == MONTHS - 1
                with conn.transaction():
                    conn.execute(
                        FILL_MONTH,
                        {
                            "start": first + timedelta(days=30 * m),
                            "span": timedelta(days=30) - timedelta(days=1 if last else 0),
                            "n": n,
                            "tag": f"fill{m}",
                            "offset": m * 7,
                            "configs": n_configs,
                        },
                    )
                print(f"  filled month {m + 1}/{MONTHS}: {n:,} rows", flush=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(FILL_CONNECTIONS) as pool:
        for done in [pool.submit(worker) for _ in range(FILL_CONNECTIONS)]:
            done.result()
    return time.perf_counter() - start


def check_fill_keys(conn: psycopg.Connection, rows: int) -> bool:
    """The fill's keys, on a sample of about 2,000 rows, against the database's rule."""
    sampled, wrong = conn.execute(CHECK_FILL_KEYS, {"step": max(1, rows // 2000)}).fetchone()
    print(
        f"fill's content keys checked against benchmark_content_sha256() on {sampled:,} "
        f"rows: {wrong} differ ({verdict(sampled > 0 and wrong == 0)})"
    )
    return sampled > 0 and wrong == 0


def ingest_rates(
    conn: psycopg.Connection, configs: list, new_rows: int, now: datetime
) -> tuple[float, float]:
    """Rows a second of the batch path and of raw COPY, NEW_ROWS each, in two alternating
    rounds (raw, batch, raw, batch) so that neither side always finds the caches warmed by
    the other. Both sides get their rows ready-made before the clock starts (the ingest
    batch makes keys and rows while it parses files: encoding.keys_and_rows) and both
    commit inside it (the commit seals the rows into the chain); what the batch path adds
    is its own: the optimistic COPY under a savepoint, the fold into snapshots."""
    rng = random.Random(20261204)
    prefix = uuid.uuid4().hex[:8]
    times = {"batch": 0.0, "raw": 0.0}
    half = new_rows // 2
    for round_, size in enumerate((half, new_rows - half)):

        def made(tag: str, size: int = size, round_: int = round_) -> list:
            return [
                replace(r, created_at=now - timedelta(seconds=rng.uniform(0, 3600)))
                for r in results(rng, configs, size, f"{prefix}-{tag}{round_}", 0)
            ]

        raw = raw_rows(made("raw"))
        batch = made("batch")
        keys, rows = keys_and_rows(batch, "bench")
        start = time.perf_counter()
        raw_copy(conn, raw)
        times["raw"] += time.perf_counter() - start
        start = time.perf_counter()
        with conn.transaction():
            append_results(conn, batch, ["bench"] * size, keys=keys, rows=rows)
        times["batch"] += time.perf_counter() - start
    return new_rows / times["batch"], new_rows / times["raw"]


def explain(conn: psycopg.Connection, query: str, params: tuple) -> list[str]:
    return [row[0] for row in conn.execute("EXPLAIN " + query, params).fetchall()]


def partitions_scanned(plan: list[str]) -> set[str]:
    return set(
        re.findall(
            r"(?<!Bitmap Index )Scan (?:using \S+ )?on (benchmark_transactions_\w+)",
            "\n".join(plan),
        )
    )


def run(url: str, rows: int, n_configs: int, new_rows: int, repeat: int, enforce: bool) -> bool:
    """Every figure; False when a target is missed (speed and size targets only when
    `enforce`: at --quick sizes they say little, correctness and pruning still count)."""
    now = datetime.now(UTC)
    configs = configurations(n_configs)
    ok = True
    print(
        f"benchmon scale benchmark: {rows:,} log rows over {len(configs):,} configurations, "
        f"{MONTHS} months; a day's new rows: {new_rows:,}"
    )
    seconds = fill(url, rows, len(configs), now)
    print(
        f"server-side fill (triggers check and claim each key, chain sealed per month, "
        f"{FILL_CONNECTIONS} connections): {rows / seconds:,.0f} rows/s"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        ok &= check_fill_keys(conn, rows)
        start = time.perf_counter()
        with conn.transaction():
            fold_new_results(conn, actor="bench")
        print(f"fold of the log into snapshots: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        conn.execute(
            "SELECT refresh_daily_trends(%s, %s)",
            ((now - timedelta(days=30 * MONTHS + 1)).date(), now.date()),
        )
        print(f"daily trend table built: {time.perf_counter() - start:.1f} s")
        conn.execute("VACUUM ANALYZE")

        start = time.perf_counter()
        full = checked_since_checkpoint(conn, full=True)
        full_time = time.perf_counter() - start
        print(f"db verify --full: {full.problem} in {full_time:.1f} s")
        ok &= full.ok

        # A day's new results: NEW_ROWS through the product's batch path, as many by COPY.
        batch_rate, raw_rate = ingest_rates(conn, configs, new_rows, now)
        ratio = batch_rate / raw_rate
        print(
            f"batch ingest path (append_results: COPY under a savepoint, fold into snapshots, "
            f"commit): {batch_rate:,.0f} rows/s"
        )
        print(f"raw COPY into the partitioned log (COPY, commit): {raw_rate:,.0f} rows/s")
        print(f"batch / raw COPY: {ratio:.0%} (target >= 50 %: {verdict(ratio >= 0.5)})")
        ok &= (ratio >= 0.5) or not enforce

        start = time.perf_counter()
        since = checked_since_checkpoint(conn)
        since_time = time.perf_counter() - start
        print(
            f"db verify from the checkpoint ({2 * new_rows:,} new rows): {since.problem} in "
            f"{since_time:.2f} s, beside the full verify's {full_time:.1f} s "
            f"(target < 5 s: {verdict(since.ok and since_time < 5)})"
        )
        ok &= since.ok and (since_time < 5 or not enforce)

        conn.execute("ANALYZE")
        config = configs[len(configs) // 2]
        lookup = timed_ms(
            conn,
            "SELECT * FROM v_latest_benchmarks WHERE model_version = %s"
            " AND dataset_version = %s AND prompt_version = %s AND environment = %s",
            config,
            repeat,
        )
        print(
            f"current-snapshot lookup: {lookup:.3f} ms (median of {repeat}; "
            f"target < 1 ms: {verdict(lookup < 1)})"
        )
        ok &= (lookup < 1) or not enforce

        model = (config[0],)
        trend = timed_ms(
            conn,
            "SELECT * FROM v_performance_trends WHERE model_version = %s"
            " AND day >= current_date - 29 ORDER BY day",
            model,
            repeat,
        )
        raw_trend = timed_ms(
            conn,
            "SELECT * FROM performance_trends(%s, date_trunc('day', now())"
            " - interval '29 days') ORDER BY day",
            model,
            max(5, repeat // 10),
        )
        faster = raw_trend / trend
        print(
            f"30-day trend, one model, trend table (v_performance_trends): {trend:.3f} ms; "
            f"from the raw log (performance_trends): {raw_trend:.3f} ms; {faster:.1f}x "
            f"(target < 10 ms and >= 10x: {verdict(trend < 10 and faster >= 10)})"
        )
        ok &= (trend < 10 and faster >= 10) or not enforce

        total = conn.execute(
            "SELECT count(*) FROM pg_partition_tree('benchmark_transactions') WHERE isleaf"
        ).fetchone()[0]
        for what, query in (
            ("30-day window of the raw log", RAW_WINDOW),
            (
                "performance_trends over 30 days",
                "SELECT * FROM performance_trends(%s, now() - interval '29 days')",
            ),
        ):
            plan = explain(conn, query, model)
            scanned = partitions_scanned(plan)
            # the window's two months, the month made ahead, the default partition
            pruned = 0 < len(scanned) <= 4 < total
            print(
                f"partition pruning, {what}: {len(scanned)} of {total} partitions scanned "
                f"({', '.join(sorted(scanned))}; {verdict(pruned)})"
            )
            print("\n".join("    " + line for line in plan))
            ok &= pruned

        heap, indexes, keys, results_stored = conn.execute(
            "SELECT sum(pg_table_size(relid)), sum(pg_indexes_size(relid)),"
            "       pg_total_relation_size('benchmark_transaction_keys'),"
            "       (SELECT count(*) FROM benchmark_transactions)"
            "  FROM pg_partition_tree('benchmark_transactions')"
        ).fetchone()
        size = heap + indexes + keys
        per_result = size / results_stored
        print(
            f"storage: {per_result:,.0f} bytes per result ({size / 2**20:,.0f} MiB for "
            f"{results_stored:,} results: partitions {heap / results_stored:,.0f}, their "
            f"indexes {indexes / results_stored:,.0f}, key table with its indexes "
            f"{keys / results_stored:,.0f}; target <= 1 KB: {verdict(per_result <= 1024)})"
        )
        ok &= (per_result <= 1024) or not enforce
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 100 configurations")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--configs", type=int, default=10_000)
    parser.add_argument("--new-rows", type=int, default=5_000, help="each of batch and COPY")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.configs, args.new_rows, args.repeat = 10_000, 100, 500, 20
    started = time.perf_counter()
    with server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url:
        url = fresh_database(server_url, "benchmon_bench_scale")
        ok = run(url, args.rows, args.configs, args.new_rows, args.repeat, not args.quick)
    print(f"total: {time.perf_counter() - started:.0f} s")
    if not ok:
        print("FAIL: a target was missed")
        sys.exit(1)


if __name__ == "__main__":
    main()
