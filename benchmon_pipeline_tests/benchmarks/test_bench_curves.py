"""benchmarks/bench_curves.py --quick completes and prints a point per threshold per rule."""

from __future__ import annotations

import re

import pytest

from benchmon_pipeline_tests.benchmarks import BENCHMARKS, run_quick


@pytest.mark.bench
def test_quick_run_prints_each_rules_sweep():
    out = run_quick("bench_curves.py")
    rows = re.findall(
        r"^\| (ours|conbench) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) % \|$",
        out,
        re.MULTILINE,
    )
    assert [r[1] for r in rows if r[0] == "ours"] == ["2.8", "3.2", "3.6", "4", "4.3"], out
    assert len([r for r in rows if r[0] == "conbench"]) == 4, out
    # a looser threshold never detects less (same series, same rule)
    ours = [float(r[3]) for r in rows if r[0] == "ours"]
    assert ours == sorted(ours, reverse=True), out
    assert "wrote" not in out  # --quick writes nothing


@pytest.mark.bench
def test_quick_run_prints_lone_outliers_beside_two_sigma_steps():
    out = run_quick("bench_curves.py")
    rows = re.findall(
        r"^\| (ours|conbench) \| ([0-9.]+) \| ([0-9.]+) % \| ([0-9.]+) % \| ([0-9.]+) % \|$",
        out,
        re.MULTILINE,
    )
    assert [r[1] for r in rows if r[0] == "ours"] == ["2.8", "3.2", "3.6", "4", "4.3"], out
    conbench = [float(r[3]) for r in rows if r[0] == "conbench"]
    assert len(conbench) == 4, out
    # a z-score alarms on a 4–10 σ outlier itself; a looser z never on fewer of them
    assert conbench == sorted(conbench, reverse=True) and conbench[0] >= 90.0, out
    two_sigma = [float(r[2]) for r in rows if r[0] == "ours"]
    assert two_sigma == sorted(two_sigma, reverse=True), out


def test_the_committed_curves_page_opens_offline():
    """docs/detection_curves.html carries plotly.js itself: no script is fetched from a CDN."""
    page = (BENCHMARKS.parent / "docs" / "detection_curves.html").read_text()
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert "Plotly.newPlot" in page
    assert re.search(r"plotly\.js v\d+\.\d+\.\d+", page), "plotly.js is not embedded"
