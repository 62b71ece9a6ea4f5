"""How fast result files get from an inbox into the log, and what a backlog costs.

(a) FILES result files dropped into the inbox of a running `benchmon dev` (real Dagster
    instance, daemon, sensor, run workers) until every result is in the log;
(b) the in-process ingest rate (read + parse + append + fold + ledger + move, the code the
    runs execute) next to raw COPY of the same rows into the same table: for files of 20
    results (one evaluation or benchmark run each: the target), and for the same results
    one per file (bounded by per-file work);
(c) peak RSS of one sensor tick plus one ingest run with a small vs a large backlog.

    python benchmarks/bench_ingest.py            # 10,000 files
    python benchmarks/bench_ingest.py --quick    # a few hundred, well under a minute

Uses the server of BENCHMON_DATABASE_URL when set, else a temporary embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from support import (
    drop_and_wait,
    fresh_database,
    raw_copy,
    raw_rows,
    server,
    verdict,
    write_files,
    write_run_files,
)

from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.reading import parse_bytes

PROJECT = Path(__file__).resolve().parents[1]
RESULTS_PER_RUN = 20


def count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0]


@contextmanager
def connector(url):
    with psycopg.connect(url) as conn:
        yield conn


def in_process(
    server_url: str, results: int, work: Path, per_file: int = 1, attempts: int = 2
) -> tuple[float, float]:
    """(ingest results/s, raw COPY rows/s) over the same `results` results, in files of
    `per_file` results each. Measured `attempts` times, alternating, and the better rate of
    each side kept: other work on the machine then weighs on both sides alike."""
    ingest_rates, copy_rates = [], []
    for attempt in range(attempts):
        root = work / f"inprocess-{per_file}-{attempt}"
        if per_file == 1:
            write_files(root / "inbox", results)
        else:
            write_run_files(root / "inbox", results // per_file, per_file)
        inbox = FolderInbox(root, settle_seconds=0)
        names = [f.name for f in inbox.ready_files()]
        parsed = [
            r.with_defaults(environment="local", triggered_by="inbox")
            for name in names
            for r in parse_bytes(name, inbox.path_of(name).read_bytes()).results
        ]
        rows = raw_rows(parsed)

        url = fresh_database(server_url, f"benchmon_bench_ingest_{per_file}")
        start = time.perf_counter()
        report = ingest_batch(
            names,
            inbox,
            lambda url=url: connector(url),
            inbox_kind="folder",
            default_environment="local",
        )
        ingest_rates.append(results / (time.perf_counter() - start))
        if not report.rows_appended == results == count(url):
            raise SystemExit(f"ingest lost results: {report.summary()}")

        copy_url = fresh_database(server_url, f"benchmon_bench_copy_{per_file}")
        with psycopg.connect(copy_url) as conn:
            start = time.perf_counter()
            raw_copy(conn, rows)
            copy_rates.append(results / (time.perf_counter() - start))
    return max(ingest_rates), max(copy_rates)


def peak_rss_mb(server_url: str, backlog: int, work: Path) -> float:
    """Peak RSS of a fresh process doing one sensor tick and one ingest run."""
    root = work / f"rss-{backlog}"
    write_files(root / "inbox", backlog)
    url = fresh_database(server_url, f"benchmon_bench_rss_{backlog}")
    done = subprocess.run(
        [sys.executable, __file__, "--rss-probe", str(root), url],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    return float(done.stdout.strip().splitlines()[-1])


def rss_probe(root: str, url: str) -> None:
    """One sensor tick's planning and its first ingest run, then print peak RSS in MB."""
    from benchmon_pipeline.ingest.planning import DEFAULT_BATCH_SIZE, plan_batches

    inbox = FolderInbox(Path(root), settle_seconds=0)
    batches, _ = plan_batches(None, inbox.ready_files(), DEFAULT_BATCH_SIZE, time.time())
    ingest_batch(
        batches[0][0],
        inbox,
        lambda: connector(url),
        inbox_kind="folder",
        default_environment="local",
    )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak_kb / 1024)  # noqa: T201


def end_to_end(server_url: str, files: int, work: Path) -> float:
    """Seconds from FILES files appearing in a watched inbox to all of them in the log."""
    return drop_and_wait(
        server_url,
        files,
        work,
        "benchmon_bench_e2e",
        lambda url: count(url) >= files,
        "every result in the log",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--rss-probe", nargs=2, metavar=("ROOT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_probe:
        rss_probe(*args.rss_probe)
        return
    files = 300 if args.quick else 10_000
    small, large = (100, 1_000) if args.quick else (1_000, 10_000)
    work = Path(tempfile.mkdtemp(prefix="benchmon-bench-ingest-"))
    print(
        f"bench_ingest: {files:,} files; backlogs {small:,} vs {large:,}"
        f"{' (quick)' if args.quick else ''}"
    )
    try:
        with server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url:
            # (b) twice, each next to raw COPY of the same rows. The target is judged on
            # files of RESULTS_PER_RUN results — what one run of lm-eval (a result per
            # task), pytest-benchmark or Google Benchmark (one per benchmark) writes — since
            # (b) is a rate of results; files of one result each, as (a) drops them, are
            # measured too and printed with what bounds them: their per-file work (open,
            # read, sidecar look-ups, rename, a ledger row), which (a) judges as files/s.
            rates = {}
            for per_file in (RESULTS_PER_RUN, 1):
                rates[per_file] = in_process(
                    server_url, files, work, per_file, attempts=1 if args.quick else 2
                )
            best = "" if args.quick else " (best of 2 each)"
            ingest_rate, copy_rate = rates[RESULTS_PER_RUN]
            ratio = ingest_rate / copy_rate
            print(
                f"(b) in-process ingest: {ingest_rate:,.0f} results/s ({RESULTS_PER_RUN} "
                f"results per file, {files // RESULTS_PER_RUN:,} files); raw COPY "
                f"{copy_rate:,.0f} rows/s; ratio {ratio:.2f}{best} "
                f"[target ≥ 10,000 results/s and ≥ 0.50: "
                f"{verdict(ingest_rate >= 10_000 and ratio >= 0.5)}]"
            )
            one_per_file, copy_rate = rates[1]
            print(
                f"    the same number of results one per file: {one_per_file:,.0f} "
                f"results/s = files/s; raw COPY {copy_rate:,.0f} rows/s; ratio "
                f"{one_per_file / copy_rate:.2f}{best} [below 10,000/s: bounded by the "
                f"per-file work, see docs/ingestion.md#speed; (a) judges files]"
            )
            rss_small = peak_rss_mb(server_url, small, work)
            rss_large = peak_rss_mb(server_url, large, work)
            growth = rss_large / rss_small
            print(
                f"(c) peak RSS, one tick + one run: {rss_small:.0f} MB with {small:,} waiting,"
                f" {rss_large:.0f} MB with {large:,}; ratio {growth:.2f} "
                f"[target: does not grow with the backlog (≤ 1.10): {verdict(growth <= 1.10)}]"
            )
            seconds = end_to_end(server_url, files, work)
            print(
                f"(a) end to end through Dagster (sensor + daemon + runs): {files:,} files in "
                f"{seconds:.1f} s = {files / seconds:,.0f} files/s; "
                f"{seconds / (files / one_per_file):.1f}× the in-process time "
                f"[target < 60 s: {verdict(seconds < 60)}]"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
