"""benchmarks/bench_detection.py --quick completes and prints its table for every rule."""

from __future__ import annotations

import re

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick

RULES = ["ours", "ours, alone", "github-action-benchmark", "conbench"]


@pytest.mark.bench
def test_quick_run_prints_the_table_for_every_rule():
    out = run_quick("bench_detection.py")
    header = "| rule                    | detected ≤ 5 | median results to detection |"
    assert header in out, out
    cells = r" +\| +([0-9.]+) % +\| ([0-9.]+|> [0-9]+) +\| ([0-9.]+) +\|$"
    for rule in RULES:
        row = re.search(rf"^\| {re.escape(rule)}{cells}", out, re.MULTILINE)
        assert row, f"no overall row for {rule!r} in\n{out}"
    assert len(re.findall(r"^  \[(?:MET|NOT MET)\] ", out, re.MULTILINE)) == 5, out
    # issue 19: the scenarios beside the CI rules, and its targets met or missed
    assert "| rule                    | short history: alarms / 1,000 |" in out, out
    assert "| AR(1) ρ 0.5: alarms / 1,000 |" in out, out  # autocorrelated noise, no change
    for rule in ("ours", "github-action-benchmark", "conbench"):
        assert re.search(rf"^\| {re.escape(rule)} +\| [0-9.]+ +\|", out, re.MULTILINE), out
    issue_19 = re.findall(r"^  (?:target met|TARGET MISSED) +\S", out, re.MULTILINE)
    assert len(issue_19) == 17, out
    # the CPU per judged result, beside Conbench's measured in the same run
    cpu = re.search(
        r"^  (?:target met|TARGET MISSED) +CPU ≤ 0\.1 ms per judged result: ([0-9.]+) ms "
        r"\(Conbench's z-score on the same ([0-9,]+) results, this run: ([0-9.]+) ms; ours "
        r"([0-9.]+)× its cost\)$",
        out,
        re.MULTILINE,
    )
    assert cpu, out
    assert float(cpu[1]) > 0 and float(cpu[3]) > 0 and int(cpu[2].replace(",", "")) > 1000, out
    # the yardstick: the textbook test tuned to each family, beside ours, family by family
    assert "Yardstick: the textbook test" in out, out
    rows = re.findall(
        r"^\| (\w+) +\| +([0-9.]+) \| +([0-9.]+) \| +([0-9.]+) % \| +([0-9.]+) % \|$",
        out,
        re.MULTILINE,
    )
    assert len(rows) == 9 and all(float(row[2]) <= 0.5 for row in rows), out


def test_the_textbook_scan_is_the_two_sample_z_it_claims():
    import math
    import random
    import statistics
    import sys

    from benchmon_pipeline_tests.benchmarks import BENCHMARKS

    sys.path.insert(0, str(BENCHMARKS))
    import numpy as np
    import textbook

    rng = random.Random(4)
    values = [rng.gauss(0.0, 1.0) for _ in range(90)]
    stats = textbook.scan_statistics(np.array(values))
    assert all(s == -math.inf for s in stats[:12])  # n = 3 needs 10 results before it
    for t in (12, 40, 70, 89):
        expected = -math.inf
        for n in textbook.RUNS:
            first = t - n + 1
            reference = values[max(0, first - textbook.WINDOW) : first]
            if len(reference) < textbook.MIN_REFERENCE:
                continue
            run = values[first : t + 1]
            z = (statistics.fmean(run) - statistics.fmean(reference)) / (
                statistics.stdev(reference) * math.sqrt(1 / n + 1 / len(reference))
            )
            expected = max(expected, z)
        assert stats[t] == pytest.approx(expected, rel=1e-9), t
