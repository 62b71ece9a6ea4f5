"""benchmarks/bench_dashboard.py --quick completes and prints every tab's figure and its
verdict (on the session's PostgreSQL server, to spare starting another)."""

import re

import psycopg
import pytest

from benchmon_pipeline_tests.benchmarks import run_quick


@pytest.mark.bench
def test_bench_dashboard_quick(pg_server_url):
    try:
        out = run_quick("bench_dashboard.py", pg_server_url)
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS benchmon_bench_dashboard WITH (FORCE)")
    tabs = [line for line in out.splitlines() if " tab" in line and "raw log" in line]
    assert [line.split(" tab")[0] for line in tabs] == [
        "Snapshot",
        "Trends",
        "Trends",
        "Models",
        "Regressions",
    ], out
    for line in tabs:
        assert re.search(r"tab [\d.]+ ms, raw log [\d.]+ ms, [\d.]+× faster", line), line
        assert re.search(r"\[target < 300 ms and ≥ 10×: (target met|TARGET MISSED)\]", line), line
    (build,) = [line for line in out.splitlines() if line.startswith("report build")]
    assert re.search(
        r"\): [\d]+ ms \(first in this process [\d]+ ms\), raw log [\d]+ ms, [\d.]+× faster "
        r"\[target < 2 s and ≥ 10×: (target met|TARGET MISSED)\]",
        build,
    ), build
    (size,) = [line for line in out.splitlines() if line.startswith("report file")]
    assert re.search(r"[\d.]+ MB \[target < 5 MB: (target met|TARGET MISSED)\]", size), size
