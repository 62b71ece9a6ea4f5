"""How fast the daily trend tables are built and read, and how fast files become snapshots.

Over LOG_ROWS results spread across DAYS days (raw COPY into the log, made before any
clock starts), measured in the same run:
  * the DAYS-day backfill as ONE Dagster run (refresh_trends job, single-run policy), with
    Dagster recording the run's events in batches (the settings of
    benchmon_pipeline/trends/event_log_settings.py), and, for comparison, once more with
    Dagster's default of one write per event and day;
  * one day-partition refresh, as a Dagster run;
  * a 30-day trend query for one model from the trend table (v_performance_trends) next
    to the same question asked of the raw log (performance_trends()).
Then FILES result files dropped into a running `benchmon dev` until every result is
folded into a current snapshot (end to end: sensor, daemon, runs).

    python benchmarks/bench_trends.py            # 1,000,000 rows over 365 days; 10,000 files
    python benchmarks/bench_trends.py --quick    # small sizes (smoke test)
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import psycopg
from support import drop_and_wait, fresh_database, raw_copy, raw_rows, server, timed_ms, verdict

from benchmon_pipeline.db.urls import dagster_storage_url
from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.trends import event_log_settings
from benchmon_pipeline.trends.ranges import RANGE_END_TAG, RANGE_START_TAG

MODELS = [f"org/model-{m:02d}" for m in range(20)]


def fill_log(url: str, rows: int, days: int, last_day: date) -> None:
    """`rows` results over `days` days ending `last_day`, 20 models, each on one of 5
    datasets (i % 20 fixes i % 5): 20 configurations, so 7,300 configuration-days and
    29,200 trend rows over a year."""
    rng = random.Random(7)
    start = datetime.combine(last_day - timedelta(days=days - 1), datetime.min.time(), UTC)
    batch: list[Result] = []
    with psycopg.connect(url) as conn:
        for i in range(rows):
            model = MODELS[i % len(MODELS)]
            created = start + timedelta(seconds=rng.randrange(days * 86_400))
            metrics = {
                "f1": rng.uniform(0.6, 0.95),
                "precision": rng.uniform(0.6, 0.95),
                "recall": rng.uniform(0.6, 0.95),
                "latency_ms": rng.lognormvariate(6, 0.3),
            }
            batch.append(
                Result(
                    model_version=model,
                    model_provider="bench",
                    dataset_version=f"set-{i % 5}",
                    prompt_version="p1",
                    environment="ci",
                    branch_name="main",
                    created_at=created,
                    run_id=f"run-{i}",
                    triggered_by="bench",
                    metrics=metrics,
                )
            )
            if len(batch) == 50_000:
                raw_copy(conn, raw_rows(batch))
                batch.clear()
        if batch:
            raw_copy(conn, raw_rows(batch))


QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # figures, not logs


def run_trends(url: str, instance, **tags) -> tuple[float, float]:
    """(seconds of the whole in-process Dagster run, seconds of the asset's step)."""
    start = time.perf_counter()
    result = defs.resolve_job_def("refresh_trends").execute_in_process(
        instance=instance,
        resources={"postgres": PostgresResource(database_url=url)},
        run_config=QUIET_RUN,
        **tags,
    )
    seconds = time.perf_counter() - start
    if not result.success:
        raise SystemExit("the trend run failed")
    (step,) = [e for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    return seconds, step.event_specific_data.duration_ms / 1000


def run_with_default_event_recording(url: str, instance, **tags) -> float:
    """Seconds of the same run with Dagster writing every event on its own."""
    names = event_log_settings.RANGE_RUN_EVENT_SETTINGS
    saved = {name: os.environ.pop(name, None) for name in names}
    try:
        return run_trends(url, instance, **tags)[0]
    finally:
        os.environ.update({name: value for name, value in saved.items() if value is not None})


def query_ms(url: str, query: str, params: tuple, repeat: int = 50) -> float:
    with psycopg.connect(url) as conn:
        return timed_ms(conn, query, params, repeat)


def snapshots_end_to_end(server_url: str, files: int, work: Path) -> float:
    """Seconds from FILES files appearing in the inbox to every result folded."""

    def all_current(url: str) -> bool:
        with psycopg.connect(url) as conn:
            stored, unfolded = conn.execute(
                """SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                       SELECT 1 FROM fold_applied a WHERE a.xact_id = t.xact_id
                          AND a.through_seq >= t.seq))
                     FROM benchmark_transactions t"""
            ).fetchone()
        return stored >= files and unfolded == 0

    return drop_and_wait(
        server_url,
        files,
        work,
        "benchmon_bench_trends_e2e",
        all_current,
        "every result folded into a current snapshot",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    logging.getLogger("dagster").setLevel(logging.WARNING)  # the figures, not the run logs
    recording = event_log_settings.apply()
    rows, days, files = (20_000, 30, 200) if args.quick else (1_000_000, 365, 10_000)
    today = datetime.now(UTC).date()
    work = Path(tempfile.mkdtemp(prefix="benchmon-bench-trends-"))
    print(
        f"bench_trends: {rows:,} log rows over {days} days; {files:,} files"
        f"{' (quick)' if args.quick else ''}"
    )
    try:
        with (
            server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url,
            dg.instance_for_test(
                temp_dir=str(work),
                overrides={
                    "storage": {
                        "postgres": {
                            "postgres_url": dagster_storage_url(
                                fresh_database(
                                    server_url, "benchmon_bench_trends_dagster", migrate=False
                                )
                            )
                        }
                    }
                },
            ) as instance,
        ):  # stored in PostgreSQL, as `benchmon dev`'s instance is
            url = fresh_database(server_url, "benchmon_bench_trends")
            start = time.perf_counter()
            fill_log(url, rows, days, today)
            print(f"log filled by raw COPY in {time.perf_counter() - start:.1f} s")

            first = (today - timedelta(days=days - 1)).isoformat()
            whole_range = {RANGE_START_TAG: first, RANGE_END_TAG: today.isoformat()}
            backfill, backfill_step = run_trends(url, instance, tags=whole_range)
            print(
                f"{days}-day backfill as one Dagster run: {backfill:.2f} s "
                f"(the refresh step: {backfill_step:.2f} s) [target < 10 s: "
                f"{verdict(backfill < 10)}]"
            )
            print(
                "  Dagster events recorded with "
                + ", ".join(f"{name}={value}" for name, value in recording.items())
            )
            unbatched = run_with_default_event_recording(url, instance, tags=whole_range)
            print(
                f"  the same run with Dagster's default, one write per event and day: "
                f"{unbatched:.2f} s"
            )
            timings = [
                run_trends(url, instance, partition_key=(today - timedelta(days=d)).isoformat())
                for d in (1, 2, 3)
            ]
            run_s = statistics.median(t[0] for t in timings)
            step_s = statistics.median(t[1] for t in timings)
            print(
                f"one partition refresh (median of 3): {step_s:.3f} s in the asset's step; "
                f"{run_s:.3f} s for the whole in-process run with Dagster's start-up "
                f"[target < 1 s: {verdict(step_s < 1)}]"
            )

            since = datetime.combine(today - timedelta(days=29), datetime.min.time(), UTC)
            model = MODELS[3]
            from_table = query_ms(
                url,
                "SELECT * FROM v_performance_trends WHERE model_version = %s AND day >= %s",
                (model, since.date()),
            )
            from_log = query_ms(
                url, "SELECT * FROM performance_trends(%s, %s)", (model, since), repeat=10
            )
            print(
                f"30-day trend for one model: trend table {from_table:.2f} ms, raw log "
                f"{from_log:.2f} ms, {from_log / from_table:.1f}× faster "
                f"[target < 10 ms and ≥ 10×: "
                f"{verdict(from_table < 10 and from_log / from_table >= 10)}]"
            )

            seconds = snapshots_end_to_end(server_url, files, work)
            print(
                f"{files:,} files → every snapshot current, end to end under the daemon: "
                f"{seconds:.1f} s [target < 60 s: {verdict(seconds < 60)}]"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
