"""benchmarks/bench_cli.py --quick completes and prints every figure and its verdict."""

import pytest

from benchmon_pipeline_tests.benchmarks import run_quick


@pytest.mark.bench
def test_bench_cli_quick():
    out = run_quick("bench_cli.py")
    for figure in (
        "baseline: python -c 'import click'",
        "benchmon --help ",
        "benchmon --version",
        "completion of `benchmon a<TAB>`",
        "benchmon --help: ",
    ):
        assert figure in out, out
    assert "× `import click` (target ≤ 3×): " in out
