"""benchmarks/bench_scale.py --quick completes, prints every figure and finds pruning."""

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick

FIGURES = [
    "server-side fill (triggers check and claim each key, chain sealed per month, ",
    # the fill's set-based keys are the database's own rule for its rows
    "fill's content keys checked against benchmark_content_sha256() on 2,000 rows: 0 differ",
    "db verify --full: OK: 10000 rows in 13 links",
    "batch ingest path (append_results: ",
    "raw COPY into the partitioned log (COPY, commit): ",
    "batch / raw COPY: ",
    (
        # two rounds of raw COPY and batch: four sealed transactions
        "db verify from the checkpoint (1,000 new rows): OK: 1000 rows in 4 links after link 13"
    ),
    "current-snapshot lookup: ",
    "30-day trend, one model, trend table (v_performance_trends): ",
    "partition pruning, 30-day window of the raw log: ",
    "partition pruning, performance_trends over 30 days: ",
    "Subplans Removed: ",
    "storage: ",
]


@pytest.mark.bench
def test_quick_run_prints_every_figure(db_url):
    out = run_quick("bench_scale.py", db_url)
    for figure in FIGURES:
        assert figure in out, out
    assert "FAIL" not in out, out
