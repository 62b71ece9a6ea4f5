"""benchmarks/bench_curves.py --quick completes and prints a point per threshold per rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_curves.py"


@pytest.mark.bench
def test_quick_run_prints_each_rules_sweep():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    rows = re.findall(
        r"^\| (ours|conbench) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) % \|$",
        done.stdout,
        re.MULTILINE,
    )
    assert [r[1] for r in rows if r[0] == "ours"] == ["2.8", "3.2", "3.6", "4", "4.3"], done.stdout
    assert len([r for r in rows if r[0] == "conbench"]) == 4, done.stdout
    # a looser threshold never detects less (same series, same rule)
    ours = [float(r[3]) for r in rows if r[0] == "ours"]
    assert ours == sorted(ours, reverse=True), done.stdout
    assert "wrote" not in done.stdout  # --quick writes nothing


def test_the_committed_curves_page_opens_offline():
    """docs/detection_curves.html carries plotly.js itself: no script is fetched from a CDN."""
    page = (SCRIPT.parents[1] / "docs" / "detection_curves.html").read_text()
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert "Plotly.newPlot" in page
    assert re.search(r"plotly\.js v\d+\.\d+\.\d+", page), "plotly.js is not embedded"
