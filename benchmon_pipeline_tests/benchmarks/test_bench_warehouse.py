"""benchmarks/bench_warehouse.py --quick completes and prints every figure."""

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick

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
    out = run_quick("bench_warehouse.py", db_url)
    for figure in FIGURES:
        assert figure in out, out
