"""benchmarks/bench_checks.py --quick completes, prints every figure, and each round judged
exactly the configurations that changed (the script fails otherwise)."""

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick

FIGURES = [
    "first run (every configuration, watermarks set): ",
    "history check, 1 % changed (2 configurations judged, the rest carried forward): ",
    "baseline, judging all 200 configurations: ",
    "incremental / all: ",
    "history check, nothing new: ",
]


@pytest.mark.bench
def test_quick_run_prints_every_figure(db_url):
    out = run_quick("bench_checks.py", db_url)
    for figure in FIGURES:
        assert figure in out, out
    assert "FAIL" not in out, out
