"""benchmarks/bench_dashboard.py --quick completes and prints every tab's figure and its
verdict (on the session's PostgreSQL server, to spare starting another)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dashboard.py"


@pytest.mark.bench
def test_bench_dashboard_quick(pg_server_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env["BENCHMON_DATABASE_URL"] = pg_server_url
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--quick"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS benchmon_bench_dashboard WITH (FORCE)")
    assert done.returncode == 0, done.stdout + done.stderr
    tabs = [line for line in done.stdout.splitlines() if " tab" in line and "raw log" in line]
    assert [line.split(" tab")[0] for line in tabs] == [
        "Snapshot",
        "Trends",
        "Trends",
        "Models",
        "Regressions",
    ], done.stdout
    for line in tabs:
        assert re.search(r"tab [\d.]+ ms, raw log [\d.]+ ms, [\d.]+× faster", line), line
        assert re.search(r"\[target < 300 ms and ≥ 10×: (target met|TARGET MISSED)\]", line), line
    (build,) = [line for line in done.stdout.splitlines() if line.startswith("report build")]
    assert re.search(
        r"\): [\d]+ ms \(first in this process [\d]+ ms\), raw log [\d]+ ms, [\d.]+× faster "
        r"\[target < 2 s and ≥ 10×: (target met|TARGET MISSED)\]",
        build,
    ), build
    (size,) = [line for line in done.stdout.splitlines() if line.startswith("report file")]
    assert re.search(r"[\d.]+ MB \[target < 5 MB: (target met|TARGET MISSED)\]", size), size
