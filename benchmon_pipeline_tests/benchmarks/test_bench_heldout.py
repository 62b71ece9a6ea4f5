"""benchmarks/bench_heldout.py --quick completes and prints a row for every family and cell."""

from __future__ import annotations

import re

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick


@pytest.mark.bench
def test_quick_run_prints_every_family_and_every_outlier_cell():
    out = run_quick("bench_heldout.py")
    noise = re.findall(r"^\| ([^|]+) \| ([0-9.]+) \| ([0-9]+) / ([0-9,]+) \|$", out, re.M)
    assert len(noise) == 14, out
    for _, rate, errors, judged in noise:
        judged = int(judged.replace(",", ""))
        assert judged == 6 * 149, out  # 6 series of 160, judged from the 11th
        assert float(rate) == pytest.approx(1000 * int(errors) / judged, abs=0.005)
    cells = re.findall(
        r"^\| (Gaussian|Student t₃|Laplace|exponential) \| (30|60|150) \| ([0-9.]+) % \| "
        r"([0-9.]+) % \|$",
        out,
        re.M,
    )
    assert len(cells) == 12, out
    assert all(0 <= float(a) <= 100 and 0 <= float(b) <= 100 for *_, a, b in cells), out
