"""benchmarks/bench_scale.py --quick completes, prints every figure and finds pruning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scale.py"
FIGURES = [
    "server-side fill (triggers, chain sealed per month): ",
    "db verify --full: OK: 10000 rows in 13 links",
    "batch / raw COPY: ",
    "db verify from the checkpoint (1,000 new rows): OK: 1000 rows in 2 links after link 13",
    "current-snapshot lookup: ",
    "30-day trend, one model, trend table (v_performance_trends): ",
    "partition pruning, 30-day window of the raw log: ",
    "partition pruning, performance_trends over 30 days: ",
    "Subplans Removed: ",
    "storage: ",
]


@pytest.mark.bench
def test_quick_run_prints_every_figure(db_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        env={**env, "BENCHMON_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for figure in FIGURES:
        assert figure in done.stdout, done.stdout
    assert "FAIL" not in done.stdout, done.stdout
