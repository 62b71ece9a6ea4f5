"""benchmarks/bench_warehouse.py --quick completes and prints every figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_warehouse.py"
FIGURES = [
    "batch ingest path (append_results: COPY + fold): ",
    "raw COPY into benchmark_transactions: ",
    "batch / raw COPY: ",
    "fold of the raw-COPY rows (snapshots asset path): ",
    "upsert_benchmark_result, one call per row (sample of 200): ",
    "current-snapshot lookup: ",
    "snapshot history (last 10 versions): ",
    "30-day daily trend, one model: ",
    "verify_transaction_log: OK: ",
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
    assert done.returncode == 0, done.stderr
    for figure in FIGURES:
        assert figure in done.stdout, done.stdout
