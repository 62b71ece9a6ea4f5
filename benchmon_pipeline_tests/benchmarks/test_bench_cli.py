"""benchmarks/bench_cli.py --quick completes and prints every figure and its verdict."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_cli.py"


@pytest.mark.bench
def test_bench_cli_quick():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for figure in (
        "baseline: python -c 'import click'",
        "benchmon --help ",
        "benchmon --version",
        "completion of `benchmon a<TAB>`",
        "benchmon --help: ",
    ):
        assert figure in done.stdout, done.stdout
    assert "× `import click` (target ≤ 3×): " in done.stdout
