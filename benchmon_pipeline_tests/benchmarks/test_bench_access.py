"""benchmarks/bench_access.py --quick completes and prints every figure and its verdict."""

import re

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick


@pytest.mark.bench
def test_bench_access_quick():
    out = run_quick("bench_access.py")
    for figure in ("get_latest_snapshots()", "30-day get_time_series()", "compare_models()"):
        (line,) = [
            line for line in out.splitlines() if line.startswith(figure) and "raw log" in line
        ]
        assert re.search(r"API [\d.]+ ms, raw log [\d.]+ ms, [\d.]+× faster", line), line
        assert re.search(r"\[target < 50 ms and ≥ 10×: (target met|TARGET MISSED)\]", line), line
    assert "from the cache" in out
    (rate,) = [line for line in out.splitlines() if line.startswith("export of ")]
    assert re.search(
        r"rows to CSV: [\d,]+ rows/s .*COPY TO STDOUT [\d,]+ rows/s .*[\d.]+ of COPY's rate "
        r"\[target ≥ 0\.5: (target met|TARGET MISSED)\]",
        rate,
    ), rate
    (memory,) = [line for line in out.splitlines() if line.startswith("export peak memory")]
    assert re.search(
        r"[\d]+ MiB at [\d,]+ rows, [\d]+ MiB at [\d,]+ rows, [\d.]+× "
        r"\[target flat \(≤ 1\.5×\): (target met|TARGET MISSED)\]",
        memory,
    ), memory
    (parquet,) = [line for line in out.splitlines() if line.startswith("Parquet export")]
    assert re.search(
        r"Parquet export of [\d,]+ rows: [\d,]+ rows/s .*[\d.]+ of COPY's CSV rate; peak memory "
        r"[\d]+ MiB at [\d,]+ rows, [\d]+ MiB at [\d,]+ rows, [\d.]+× "
        r"\[target flat \(≤ 1\.5×\): (target met|TARGET MISSED)\]",
        parquet,
    ), parquet
