"""benchmarks/bench_curves.py --quick completes and prints a point per threshold per rule."""

from __future__ import annotations

import re

import pytest

from benchmon_pipeline_tests.benchmarks import BENCHMARKS, run_quick

CURVE_ROW = re.compile(
    r"^\| (ours|conbench) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) % \|$", re.MULTILINE
)  # rule, threshold, false alarms per 1,000, detected within 5
OUTLIER_ROW = re.compile(
    r"^\| (ours|conbench) \| ([0-9.]+) \| ([0-9.]+) % \| ([0-9.]+) % \| ([0-9.]+) % \|$",
    re.MULTILINE,
)  # rule, threshold, 2 σ detected within 5, lone outliers alarmed, twins alarmed


@pytest.mark.bench
def test_quick_run_prints_each_rules_sweep_and_lone_outliers():
    out = run_quick("bench_curves.py")
    assert "wrote" not in out  # --quick writes nothing
    curves, outliers = CURVE_ROW.findall(out), OUTLIER_ROW.findall(out)
    for rows, detected_at in ((curves, 3), (outliers, 2)):
        assert [r[1] for r in rows if r[0] == "ours"] == ["2.8", "3.2", "3.6", "4", "4.3"], out
        assert len([r for r in rows if r[0] == "conbench"]) == 4, out
        # a looser threshold never detects less (same series, same rule)
        detected = [float(r[detected_at]) for r in rows if r[0] == "ours"]
        assert detected == sorted(detected, reverse=True), out
    # a z-score alarms on a 4–10 σ outlier itself, and a looser z never on fewer of them
    conbench = [float(r[3]) for r in outliers if r[0] == "conbench"]
    assert conbench == sorted(conbench, reverse=True) and conbench[0] >= 90.0, out


def test_the_committed_curves_page_opens_offline():
    """docs/detection_curves.html carries plotly.js itself: no script is fetched from a CDN."""
    page = (BENCHMARKS.parent / "docs" / "detection_curves.html").read_text()
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert "Plotly.newPlot" in page
    assert re.search(r"plotly\.js v\d+\.\d+\.\d+", page), "plotly.js is not embedded"
