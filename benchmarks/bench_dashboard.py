"""How fast the report (and, later, the dashboard's tabs) is made, beside the same numbers
computed from the raw log in the same run.

Over LOG_ROWS results of CONFIGURATIONS configurations spread across DAYS days (raw COPY
into the log before any clock starts, then folded into snapshots and the daily trend table
refreshed, as the pipeline keeps them; bench_access.py's fill), one function per
measurement:
  * `measure_report`: `write_report()` (every query of the four views, the figures and the
    file), median of warm runs, beside the report's numbers read from the raw log — the
    newest result per configuration (DISTINCT ON), the daily series of each model whose
    trends the report draws, and the model comparison from the newest results — and the
    report file's size. Targets: < 2 s, ≥ 10× faster than the log, < 5 MB.

    python benchmarks/bench_dashboard.py            # 1,000,000 rows, 1,000 configurations
    python benchmarks/bench_dashboard.py --quick    # small sizes (smoke test)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from bench_access import LATEST_FROM_LOG, MODELS_FROM_LOG, SERIES_FROM_LOG, fill_log
from support import fresh_database, server, verdict

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.reports.report import Limits, write_report


def seconds(call, repeat: int) -> float:
    """Median wall time of `call()` in seconds, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report_from_log(conn: psycopg.Connection, models: list[str], days: int) -> None:
    """The report's numbers asked of the raw log: newest result per configuration, each
    model's daily f1 series over `days`, the comparison of every model."""
    conn.execute(LATEST_FROM_LOG).fetchall()
    since = datetime.now(UTC) - timedelta(days=days)
    for model in models:
        conn.execute(SERIES_FROM_LOG, ("f1", "f1", "f1", model, since, "f1")).fetchall()
    conn.execute(MODELS_FROM_LOG, (models,)).fetchall()


def measure_report(url: str, conn: psycopg.Connection, repeat: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="benchmon-bench-report-"))
    path = folder / "dashboard.html"
    limits = Limits()
    with BenchmarkDataAccess.connect(url, cache_ttl=0) as api:
        first_start = time.perf_counter()
        summary = write_report(api, path, limits=limits)
        first = time.perf_counter() - first_start
        build = seconds(lambda: write_report(api, path, limits=limits), repeat)
    shown = sorted(
        {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT model_version FROM benchmark_snapshots WHERE is_current"
            )
        }
    )
    log = seconds(lambda: report_from_log(conn, shown, limits.days), max(1, repeat // 2))
    ratio = log / build
    print(
        f"report build ({summary.configurations:,} configurations, "
        f"{summary.shown.get('trends', 0)} trends drawn): {build * 1000:.0f} ms "
        f"(first in this process {first * 1000:.0f} ms), raw log {log * 1000:.0f} ms, "
        f"{ratio:.1f}× faster [target < 2 s and ≥ 10×: {verdict(build < 2 and ratio >= 10)}]"
    )
    size = path.stat().st_size
    print(f"report file: {size / 1e6:.2f} MB [target < 5 MB: {verdict(size < 5_000_000)}]")
    path.unlink()
    folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    rows, models, datasets, days = (20_000, 10, 10, 60) if args.quick else (1_000_000, 20, 50, 60)
    repeat = 3 if args.quick else 5
    today = datetime.now(UTC).date()
    print(
        f"bench_dashboard: {rows:,} log rows over {models * datasets:,} configurations "
        f"({models} models × {datasets} datasets) and {days} days"
        f"{' (quick)' if args.quick else ''}"
    )
    with server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url:
        url = fresh_database(server_url, "benchmon_bench_dashboard")
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
            measure_report(url, conn, repeat)


if __name__ == "__main__":
    main()
