"""How fast the data-access API answers, beside the same questions asked of the raw log.

Over LOG_ROWS results of CONFIGURATIONS configurations spread across DAYS days (raw COPY
into the log, made before any clock starts; then folded into snapshots and the daily trend
table refreshed, as the pipeline keeps them), measured in the same run, each as the median
wall time of a call with the cache bypassed (`fresh=True`: query and DataFrame):
  * `get_latest_snapshots()` (one row per configuration) beside the newest tracked result
    per configuration read from the log (DISTINCT ON);
  * a 30-day `get_time_series()` of one model and metric in day buckets beside the same
    buckets computed from the log;
  * `compare_models()` of 5 models beside their newest results per configuration from the
    log, one row per metric, ranked.
Targets: < 50 ms each and ≥ 10× faster than the log.

And `benchmon export transactions --format csv --output FILE` of every log row, run as a
user runs it (a subprocess: start-up, connection and all), beside `COPY … TO STDOUT` of the
same rows (the export's own SELECT, in this process, written to a file; the rows read once
before either is timed): the export's rate as a share of COPY's (target ≥ 0.5), and its
peak RSS exporting one model's rows and every row (target: flat, the larger no more than
1.5× the smaller: the rows are streamed).

    python benchmarks/bench_access.py            # 1,000,000 rows, 1,000 configurations
    python benchmarks/bench_access.py --quick    # small sizes (smoke test)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql
from support import fresh_database, raw_copy, raw_rows, server, timed_ms, verdict

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.access.queries import directions
from benchmon_pipeline.cli.export import _query
from benchmon_pipeline.results.model import Result

METRICS = ("f1", "precision", "recall", "latency_ms")

# The same questions of the raw log.
LATEST_FROM_LOG = """
SELECT DISTINCT ON (model_version, dataset_version, prompt_version, environment)
       model_version, dataset_version, prompt_version, environment, created_at, metrics
  FROM benchmark_transactions
 WHERE branch_name IS NULL OR branch_name = 'main'
 ORDER BY model_version, dataset_version, prompt_version, environment,
          created_at DESC, seq DESC
"""

SERIES_FROM_LOG = """
SELECT date_bin('1 day', created_at, '2001-01-01 00:00+00') AS bucket_start,
       model_version, dataset_version, prompt_version, environment, count(*),
       avg((metrics ->> %s)::float8), min((metrics ->> %s)::float8),
       max((metrics ->> %s)::float8)
  FROM benchmark_transactions
 WHERE model_version = %s AND created_at >= %s AND metrics ? %s
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 3, 4, 5, 1
"""

# The directions as the API finds them (queries.directions: metric_direction() once per
# metric name unless a stated direction or an override can change it), so that both sides
# differ only in where the newest values come from.
MODELS_FROM_LOG = f"""
WITH newest AS (
    SELECT DISTINCT ON (model_version, dataset_version, prompt_version, environment) *
      FROM benchmark_transactions
     WHERE model_version = ANY (%s) AND (branch_name IS NULL OR branch_name = 'main')
     ORDER BY model_version, dataset_version, prompt_version, environment,
              created_at DESC, seq DESC
), values AS MATERIALIZED (
    SELECT n.model_version, n.dataset_version, n.prompt_version, n.environment,
           m.key AS metric, m.value::float8 AS value,
           n.metric_directions ->> m.key AS stated
      FROM newest n CROSS JOIN jsonb_each(n.metrics) AS m
), {directions("values", "v.stated")}
SELECT d.*, rank() OVER (PARTITION BY d.dataset_version, d.prompt_version, d.environment,
                                      d.metric
                         ORDER BY CASE WHEN d.direction = 'lower' THEN d.value
                                       ELSE -d.value END)
  FROM directed d
"""


def fill_log(url: str, rows: int, models: int, datasets: int, days: int, today: date) -> None:
    """`rows` results over `days` days ending today: `models` × `datasets` configurations,
    one prompt and environment, the tracked branch."""
    rng = random.Random(17)
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), UTC)
    span = int((datetime.now(UTC) - start).total_seconds())
    batch: list[Result] = []
    with psycopg.connect(url) as conn:
        for i in range(rows):
            batch.append(
                Result(
                    model_version=f"org/model-{i % models:02d}",
                    model_provider="bench",
                    dataset_version=f"set-{(i // models) % datasets:03d}",
                    prompt_version="p1",
                    environment="ci",
                    branch_name="main",
                    created_at=start + timedelta(seconds=rng.randrange(span)),
                    run_id=f"run-{i}",
                    triggered_by="bench",
                    metrics={
                        "f1": rng.uniform(0.6, 0.95),
                        "precision": rng.uniform(0.6, 0.95),
                        "recall": rng.uniform(0.6, 0.95),
                        "latency_ms": rng.lognormvariate(6, 0.3),
                    },
                )
            )
            if len(batch) == 50_000:
                raw_copy(conn, raw_rows(batch))
                batch.clear()
        if batch:
            raw_copy(conn, raw_rows(batch))


def call_ms(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of `call()`, in ms, warm."""
    for _ in range(3):
        call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(what: str, api_ms: float, log_ms: float) -> None:
    ratio = log_ms / api_ms
    print(
        f"{what}: API {api_ms:.2f} ms, raw log {log_ms:.2f} ms, {ratio:.1f}× faster "
        f"[target < 50 ms and ≥ 10×: {verdict(api_ms < 50 and ratio >= 10)}]"
    )


def copy_seconds(url: str, path: Path) -> tuple[float, int]:
    """`COPY (the export's SELECT of every log row) TO STDOUT` as CSV into `path`: seconds
    from connecting to the last byte written, and the row count."""
    query, params = _query("transactions", {}, None, None)
    start = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cursor, open(path, "wb") as out:
        conn.execute("SET TimeZone = 'UTC'")
        copy_sql = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)
        with cursor.copy(copy_sql, params) as copy:
            for chunk in copy:
                out.write(chunk)
        rows = cursor.rowcount
    return time.perf_counter() - start, rows


def export_run(url: str, path: Path, *options: str, fmt: str = "csv") -> tuple[float, int, int]:
    """`benchmon export transactions --format fmt --output path [options]` as a subprocess:
    seconds, rows written (its stderr says) and its peak RSS in bytes (wait4's rusage of
    that one child)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env["BENCHMON_DATABASE_URL"] = url
    command = [sys.executable, "-m", "benchmon_pipeline.cli", "export", "transactions"]
    start = time.perf_counter()
    child = subprocess.Popen(
        [*command, "--format", fmt, "--output", str(path), *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"benchmon export failed ({child.returncode}): {stderr}")
    rows = int(stderr.rsplit("exported ", 1)[1].split()[0])
    return seconds, rows, usage.ru_maxrss * 1024  # Linux reports KiB


def report_export(url: str, model: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        copied = Path(folder) / "copy.csv"
        exported = Path(folder) / "export.csv"
        copy_seconds(url, copied)  # once unmeasured: neither side reads a cold table
        copy_s, copy_rows = copy_seconds(url, copied)
        copied.unlink()
        export_s, export_rows, peak_all = export_run(url, exported)
        if export_rows != copy_rows:
            raise SystemExit(f"export wrote {export_rows:,} rows, COPY {copy_rows:,}")
        exported.unlink()
        _, few_rows, peak_few = export_run(url, exported, "--model", model)
        parquet = Path(folder) / "export.parquet"
        parquet_s, parquet_rows, parquet_peak_all = export_run(url, parquet, fmt="parquet")
        if parquet_rows != copy_rows:
            raise SystemExit(f"Parquet export wrote {parquet_rows:,} rows, COPY {copy_rows:,}")
        parquet.unlink()
        _, _, parquet_peak_few = export_run(url, parquet, "--model", model, fmt="parquet")
    share = (export_rows / export_s) / (copy_rows / copy_s)
    print(
        f"export of {export_rows:,} rows to CSV: {export_rows / export_s:,.0f} rows/s "
        f"({export_s:.2f} s, start-up included), COPY TO STDOUT {copy_rows / copy_s:,.0f} rows/s "
        f"({copy_s:.2f} s), {share:.2f} of COPY's rate [target ≥ 0.5: {verdict(share >= 0.5)}]"
    )
    growth = peak_all / peak_few
    print(
        f"export peak memory: {peak_few / 2**20:.0f} MiB at {few_rows:,} rows, "
        f"{peak_all / 2**20:.0f} MiB at {export_rows:,} rows, {growth:.2f}× "
        f"[target flat (≤ 1.5×): {verdict(growth <= 1.5)}]"
    )
    parquet_growth = parquet_peak_all / parquet_peak_few
    print(
        f"Parquet export of {parquet_rows:,} rows: {parquet_rows / parquet_s:,.0f} rows/s "
        f"({parquet_s:.2f} s, start-up included), "
        f"{(parquet_rows / parquet_s) / (copy_rows / copy_s):.2f} of COPY's CSV rate; peak memory "
        f"{parquet_peak_few / 2**20:.0f} MiB at {few_rows:,} rows, "
        f"{parquet_peak_all / 2**20:.0f} MiB at {parquet_rows:,} rows, {parquet_growth:.2f}× "
        f"[target flat (≤ 1.5×): {verdict(parquet_growth <= 1.5)}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    rows, models, datasets, days = (20_000, 10, 10, 60) if args.quick else (1_000_000, 20, 50, 60)
    repeat = 10 if args.quick else 30
    today = datetime.now(UTC).date()
    print(
        f"bench_access: {rows:,} log rows over {models * datasets:,} configurations "
        f"({models} models × {datasets} datasets) and {days} days"
        f"{' (quick)' if args.quick else ''}"
    )
    with server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url:
        url = fresh_database(server_url, "benchmon_bench_access")
        start = time.perf_counter()
        fill_log(url, rows, models, datasets, days, today)
        print(f"log filled by raw COPY in {time.perf_counter() - start:.1f} s")
        with psycopg.connect(url, autocommit=True) as conn:
            start = time.perf_counter()
            folded = conn.execute("SELECT count(*) FROM fold_transactions()").fetchone()[0]
            first = today - timedelta(days=days - 1)
            conn.execute("SELECT refresh_daily_trends(%s, %s)", (first, today))
            conn.execute("VACUUM ANALYZE")
            print(
                f"folded into {folded:,} current versions and trend table refreshed in "
                f"{time.perf_counter() - start:.1f} s"
            )
            model = "org/model-03"
            five = [f"org/model-{m:02d}" for m in range(5)]
            since = datetime.now(UTC) - timedelta(days=30)
            with BenchmarkDataAccess.connect(url) as api:
                latest = api.get_latest_snapshots(fresh=True)
                if len(latest) != models * datasets:
                    raise SystemExit(f"{len(latest)} current versions, not {models * datasets}")
                report(
                    f"get_latest_snapshots() ({len(latest):,} rows)",
                    call_ms(lambda: api.get_latest_snapshots(fresh=True), repeat),
                    timed_ms(conn, LATEST_FROM_LOG, (), max(3, repeat // 5)),
                )
                series = api.get_time_series(model, "f1", days_back=30, fresh=True)
                report(
                    f"30-day get_time_series() of one model, day buckets ({len(series):,} rows)",
                    call_ms(
                        lambda: api.get_time_series(model, "f1", days_back=30, fresh=True),
                        repeat,
                    ),
                    timed_ms(conn, SERIES_FROM_LOG, ("f1", "f1", "f1", model, since, "f1"), repeat),
                )
                compared = api.compare_models(five, fresh=True)
                report(
                    f"compare_models() of 5 models ({len(compared):,} rows)",
                    call_ms(lambda: api.compare_models(five, fresh=True), repeat),
                    timed_ms(conn, MODELS_FROM_LOG, (five,), max(3, repeat // 5)),
                )
                cached = call_ms(lambda: api.get_latest_snapshots(), repeat)
                print(f"get_latest_snapshots() from the cache (within 30 s): {cached:.3f} ms")
        report_export(url, model)


if __name__ == "__main__":
    main()
