"""benchmarks/bench_ingest.py and bench_trends.py --quick complete and print every figure
(including their end-to-end parts under a real `benchmon dev`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _quick(script: str, server_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        env={**env, "BENCHMON_DATABASE_URL": server_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.bench
def test_bench_ingest_quick(pg_server_url):
    out = _quick("bench_ingest.py", pg_server_url)
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
    out = _quick("bench_trends.py", pg_server_url)
    for figure in (
        "-day backfill as one Dagster run: ",
        "one partition refresh",
        "30-day trend for one model: trend table",
        "every snapshot current",
    ):
        assert figure in out, out
