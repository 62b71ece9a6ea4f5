"""How fast the dashboards are: the interactive dashboard's tabs, each beside the same
question asked of the raw log in the same run.

Over LOG_ROWS results of CONFIGURATIONS configurations across DAYS days (bench_access.py's
log: raw COPY, folded into snapshots, the daily trend table refreshed; then every
configuration's version made its baseline and one newer result folded as its current
version), each tab's data as `benchmon dashboard` gets it — the functions of
reports/views.py that reports/app.py caches, the API's cache off — as the median wall time:
  * Snapshot: every configuration's current metrics beside its baseline, vs the newest
    result per configuration read from the log;
  * Trends: one metric's day buckets of the first model (the tab as it opens) and of five
    chosen models, with their baselines and open alerts (the metrics' units and thresholds
    are the sidebar's, asked once per page), vs the same buckets from the log;
  * Models: `compare_models` of every model, vs their newest results ranked from the log;
  * Regressions: every configuration judged at an absolute threshold of 0.05, vs its newest
    result against its baseline's result in the log.
Targets: each tab < 300 ms and ≥ 10× faster than the log.

And the report (`measure_report`): `write_report()` (every query of the four views, the
figures and the file), median of warm runs, beside the report's numbers read from the raw
log — the newest result per configuration (DISTINCT ON), the daily series of each model
whose trends the report draws, and the model comparison from the newest results — and the
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
from bench_access import LATEST_FROM_LOG, MODELS_FROM_LOG, SERIES_FROM_LOG, call_ms, fill_log
from support import fresh_database, server, timed_ms, verdict

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.reports import views
from benchmon_pipeline.reports.report import Limits, write_report

# The dashboard's tabs -----------------------------------------------------------------------
# Each tab's data as the app gets it (reports/views.py, the functions app.py caches), with the
# API's cache off, beside the same question asked of the raw log in the same run.

# The Trends tab's question of the log: one metric's day buckets of one model's
# configurations over the last 30 days (the tab draws one model unless more are chosen).
TRENDS_FROM_LOG = """
SELECT date_bin('1 day', created_at, '2001-01-01 00:00+00') AS bucket_start,
       model_version, dataset_version, prompt_version, environment, count(*),
       avg((metrics ->> %(metric)s)::float8), min((metrics ->> %(metric)s)::float8),
       max((metrics ->> %(metric)s)::float8)
  FROM benchmark_transactions
 WHERE model_version = ANY (%(models)s) AND created_at >= %(since)s AND metrics ? %(metric)s
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 2, 3, 4, 5, 1
"""

# The Regressions tab's question of the log: each configuration's newest result against the
# result its baseline version shows (the second newest here: `add_current_versions` gives
# every configuration one newer result than its baseline), per metric, worse by at least
# the threshold in the metric's direction.
REGRESSIONS_FROM_LOG = """
WITH ranked AS (
    SELECT model_version, dataset_version, prompt_version, environment, metrics,
           row_number() OVER (PARTITION BY model_version, dataset_version, prompt_version,
                                           environment
                              ORDER BY created_at DESC, seq DESC) AS newest
      FROM benchmark_transactions
     WHERE branch_name IS NULL OR branch_name = 'main'
), pairs AS (
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
           m.key AS metric, m.value::float8 AS current, (b.metrics ->> m.key)::float8 AS baseline
      FROM ranked c
      JOIN ranked b USING (model_version, dataset_version, prompt_version, environment)
     CROSS JOIN jsonb_each(c.metrics) AS m
     WHERE c.newest = 1 AND b.newest = 2
)
SELECT *, metric_direction(metric) AS direction FROM pairs
 WHERE CASE WHEN metric_direction(metric) = 'lower' THEN current - baseline
            ELSE baseline - current END >= %(threshold)s
"""

TAB_TARGET_MS = 300


def add_current_versions(conn: psycopg.Connection) -> None:
    """Every configuration's current version becomes its baseline, and one newer result each
    (half of them 0.1 F1 worse), folded, its current version: what the tabs compare."""
    conn.execute(
        "SELECT set_baseline(model_version, dataset_version, prompt_version, environment,"
        " snapshot_version, 'bench', 'the bulk of the log')"
        "  FROM benchmark_snapshots WHERE is_current"
    )
    conn.execute(
        """
        INSERT INTO benchmark_transactions (model_version, dataset_version, prompt_version,
               environment, branch_name, metrics, notes)
        SELECT model_version, dataset_version, prompt_version, environment, 'main',
               jsonb_build_object(
                   'f1', f1_score - 0.1 * (abs(hashtext(dataset_version || model_version)) % 2),
                   'precision', metrics -> 'precision', 'recall', metrics -> 'recall',
                   'latency_ms', metrics -> 'latency_ms'),
               'bench: the newest version'
          FROM benchmark_snapshots WHERE is_current
        """
    )
    conn.execute("SELECT count(*) FROM fold_transactions()")


def report_tab(what: str, tab_ms: float, log_ms: float) -> None:
    ratio = log_ms / tab_ms
    met = tab_ms < TAB_TARGET_MS and ratio >= 10
    print(
        f"{what}: tab {tab_ms:.1f} ms, raw log {log_ms:.1f} ms, {ratio:.1f}× faster "
        f"[target < {TAB_TARGET_MS} ms and ≥ 10×: {verdict(met)}]"
    )


def snapshot_tab(api: BenchmarkDataAccess, conn: psycopg.Connection, repeat: int) -> None:
    filters = views.Filters()
    rows = views.snapshot(api, filters)
    report_tab(
        f"Snapshot tab ({len(rows):,} rows)",
        call_ms(lambda: views.snapshot(api, filters), repeat),
        timed_ms(conn, LATEST_FROM_LOG, (), max(3, repeat // 5)),
    )


def trends_tab(
    api: BenchmarkDataAccess, conn: psycopg.Connection, repeat: int, models: tuple[str, ...]
) -> None:
    """The tab as it opens (the first model) and with `models` chosen in the sidebar."""
    since = datetime.now(UTC) - timedelta(days=30)
    known = api.metrics()  # the sidebar's list of metrics, which the app asks once for all tabs
    for filters in (views.Filters(), views.Filters(models=models)):
        drawn = views.trends(api, filters, "f1", known=known)
        params = {"metric": "f1", "since": since, "models": list(drawn.models)}
        report_tab(
            f"Trends tab, {len(drawn.models)} model(s), 30 days ({len(drawn.series):,} rows)",
            call_ms(lambda filters=filters: views.trends(api, filters, "f1", known=known), repeat),
            timed_ms(conn, TRENDS_FROM_LOG, params, max(3, repeat // 5)),
        )


def models_tab(api: BenchmarkDataAccess, conn: psycopg.Connection, repeat: int) -> None:
    filters = views.Filters()
    every = list(api.models()["model_version"])
    compared = views.models(api, filters)
    report_tab(
        f"Models tab, every model ({len(compared):,} rows)",
        call_ms(lambda: views.models(api, filters), repeat),
        timed_ms(conn, MODELS_FROM_LOG, (every,), max(3, repeat // 5)),
    )


def regressions_tab(api: BenchmarkDataAccess, conn: psycopg.Connection, repeat: int) -> None:
    filters = views.Filters(threshold=0.05)
    found = views.regressions(api, filters)
    report_tab(
        f"Regressions tab, threshold 0.05 ({len(found):,} regressions)",
        call_ms(lambda: views.regressions(api, filters), repeat),
        timed_ms(conn, REGRESSIONS_FROM_LOG, {"threshold": 0.05}, max(3, repeat // 5)),
    )


def dashboard_tabs(url: str, conn: psycopg.Connection, repeat: int, models: int) -> None:
    chosen = tuple(f"org/model-{m:02d}" for m in range(min(5, models)))
    with BenchmarkDataAccess.connect(url, cache_ttl=0) as api:
        snapshot_tab(api, conn, repeat)
        trends_tab(api, conn, repeat, chosen)
        models_tab(api, conn, repeat)
        regressions_tab(api, conn, repeat)


# The report ----------------------------------------------------------------------------------


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
    rows, models, datasets, days = (5_000, 5, 10, 30) if args.quick else (1_000_000, 20, 50, 60)
    repeat = 3 if args.quick else 15
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
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT count(*) FROM fold_transactions()")
            add_current_versions(conn)
            first = today - timedelta(days=days - 1)
            conn.execute("SELECT refresh_daily_trends(%s, %s)", (first, today))
            conn.execute("VACUUM ANALYZE")
            print(f"log filled, folded and trends refreshed in {time.perf_counter() - start:.1f} s")
            dashboard_tabs(url, conn, repeat, models)
            measure_report(url, conn, 3 if args.quick else 5)


if __name__ == "__main__":
    main()
