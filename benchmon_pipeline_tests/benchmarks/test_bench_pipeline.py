"""benchmarks/bench_ingest.py and bench_trends.py --quick complete and print every figure
(including their end-to-end parts under a real `benchmon dev`)."""

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick


@pytest.mark.bench
def test_bench_ingest_quick(pg_server_url):
    out = run_quick("bench_ingest.py", pg_server_url, timeout=600)
    for figure in (
        "(b) in-process ingest: ",
        "raw COPY",
        "results one per file",
        "(c) peak RSS",
        "(a) end to end through Dagster",
    ):
        assert figure in out, out


@pytest.mark.bench
def test_bench_trends_quick(pg_server_url):
    out = run_quick("bench_trends.py", pg_server_url, timeout=600)
    for figure in (
        "-day backfill as one Dagster run: ",
        "one partition refresh",
        "30-day trend for one model: trend table",
        "every snapshot current",
    ):
        assert figure in out, out
