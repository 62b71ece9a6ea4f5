"""The history check's cost follows change, not size (issue 19, item 4).

Fills the log server-side (INSERT … SELECT generate_series through the log's triggers) with
CONFIGS configurations × RESULTS results of two metrics each, folds the snapshots, and lets
the history check judge everything once (its first run: every configuration). Then, ROUNDS
times: one new result for 1 % of the configurations, and one run of the check
(`watermarks.judge_changed`: the configurations the database says changed, the others'
open alerts carried forward, watermarks moved). Beside it, in the same run: the old way,
judging all CONFIGS configurations (`evaluate` over every configuration), and a run with
nothing new.

    python benchmarks/bench_checks.py                 # 10,000 configurations × 100 results
    python benchmarks/bench_checks.py --quick         # 200 configurations × 30 results

Uses BENCHMON_DATABASE_URL's server when set (a database `benchmon_bench_checks` is made
afresh on it), else an embedded PostgreSQL in a temporary directory. Exits 1 when a
target is missed (the time target only at full size) or a run judged other than the
configurations that changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
from support import fresh_database, server, verdict

from benchmon_pipeline.regressions.evaluation import evaluate
from benchmon_pipeline.regressions.findings import HISTORY
from benchmon_pipeline.regressions.watermarks import judge_changed
from benchmon_pipeline.warehouse import fold_new_results

TARGET_SECONDS = 2.0

# Results i = first..last of every configuration c, an hour apart; f1 and latency_ms with
# noise (setseed() makes the fill the same every time).
FILL = """
INSERT INTO benchmark_transactions
    (created_at, model_version, dataset_version, prompt_version, environment, commit_sha,
     branch_name, source, metrics)
SELECT %(start)s::timestamptz + make_interval(hours => i),
       'org/model-' || lpad((c / 10)::text, 4, '0'), 'dataset-' || (c %% 10), 'prompt-v1',
       'ci', md5(%(tag)s || c || '-' || i), 'main', 'bench-checks',
       jsonb_build_object(
           'f1', round((0.8 + (random() + random() + random() - 1.5) * 0.01)::numeric, 5),
           'latency_ms', round((400 + (random() + random() + random() - 1.5) * 8)::numeric, 2))
  FROM generate_series(%(first)s::int, %(last)s::int) AS i,
       LATERAL (SELECT c FROM generate_series(0, %(configs)s::int - 1) AS c
                 WHERE %(every)s::int = 1 OR c %% %(every)s::int = %(offset)s::int) AS chosen
 ORDER BY i, c
"""


def fill(
    conn: psycopg.Connection,
    start: datetime,
    configs: int,
    first: int,
    last: int,
    every: int = 1,
    offset: int = 0,
    tag: str = "fill",
) -> None:
    """Results first..last of every `every`-th configuration from `offset`, then the fold."""
    with conn.transaction():
        conn.execute("SELECT setseed(0.19)")
        conn.execute(
            FILL,
            {
                "start": start,
                "configs": configs,
                "first": first,
                "last": last,
                "every": every,
                "offset": offset,
                "tag": tag,
            },
        )
        fold_new_results(conn, actor="bench")


def run(url: str, configs: int, results: int, rounds: int, enforce: bool) -> bool:
    ok = True
    changed = max(1, configs // 100)
    print(
        f"benchmon checks benchmark: {configs:,} configurations × {results} results "
        f"(2 metrics), {changed:,} configurations (1 %) changed per round, {rounds} rounds"
    )
    start = datetime.now(UTC) - timedelta(hours=results + rounds + 2)
    with psycopg.connect(url, autocommit=True) as conn:
        began = time.perf_counter()
        fill(conn, start, configs, 1, results)
        print(
            f"server-side fill and fold: {configs * results / (time.perf_counter() - began):,.0f}"
            " results/s"
        )
        conn.execute("VACUUM ANALYZE")

        began = time.perf_counter()
        with conn.transaction():
            first = judge_changed(conn, HISTORY)
        first_time = time.perf_counter() - began
        print(
            f"first run (every configuration, watermarks set): {first_time:.2f} s, "
            f"{first.judged_fresh:,} configurations, {first.evaluation.judged[HISTORY]:,} "
            f"series judged, {len(first.findings)} finding(s)"
        )
        ok &= first.judged_fresh == configs

        incremental, full = [], []
        for r in range(rounds):
            every = configs // changed
            fill(
                conn,
                start,
                configs,
                results + 1 + r,
                results + 1 + r,
                every,
                r % every,
                tag=f"round{r}",
            )
            began = time.perf_counter()
            with conn.transaction():
                done = judge_changed(conn, HISTORY)
            incremental.append(time.perf_counter() - began)
            if done.judged_fresh != changed or done.selection.reasons != {"new results": changed}:
                print(
                    f"FAIL: round {r + 1} judged {done.selection.reasons}, not {changed} "
                    "configurations with new results"
                )
                ok = False
            began = time.perf_counter()
            everything = evaluate(conn, [HISTORY])
            full.append(time.perf_counter() - began)
            ok &= everything.judged[HISTORY] >= first.evaluation.judged[HISTORY]

        began = time.perf_counter()
        with conn.transaction():
            idle = judge_changed(conn, HISTORY)
        idle_time = time.perf_counter() - began
        ok &= idle.judged_fresh == 0

    per_run, baseline = statistics.median(incremental), statistics.median(full)
    met = per_run < TARGET_SECONDS
    print(
        f"history check, 1 % changed ({changed:,} configurations judged, the rest carried "
        f"forward): {per_run:.3f} s per run (median of {rounds}; target < {TARGET_SECONDS:g} s: "
        f"{verdict(met)})"
    )
    print(
        f"baseline, judging all {configs:,} configurations: {baseline:.2f} s per run "
        f"(median of {rounds})"
    )
    print(
        f"incremental / all: {per_run / baseline:.1%} of the time, {baseline / per_run:.0f}× faster"
    )
    print(
        f"history check, nothing new: {idle_time:.3f} s, {idle.judged_fresh} judged, "
        f"{len(idle.carried)} open alert(s) carried forward"
    )
    return ok and (met or not enforce)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 configurations × 30 results")
    parser.add_argument("--configs", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.configs, args.results, args.rounds = 200, 30, 2
    started = time.perf_counter()
    with server(os.environ.get("BENCHMON_DATABASE_URL")) as server_url:
        url = fresh_database(server_url, "benchmon_bench_checks")
        ok = run(url, args.configs, args.results, args.rounds, not args.quick)
    print(f"total: {time.perf_counter() - started:.0f} s")
    if not ok:
        print("FAIL: a target was missed")
        sys.exit(1)


if __name__ == "__main__":
    main()
