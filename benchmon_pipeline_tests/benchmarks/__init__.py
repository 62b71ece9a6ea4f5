"""Smoke tests of `benchmarks/`: each script's `--quick` run completes and prints its figures."""

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run_quick(script: str, database_url: str | None = None, timeout: int = 300) -> str:
    """stdout of `benchmarks/<script> --quick`, asserting it exited 0. The run sees none of
    the test session's BENCHMON_/DAGSTER_ settings; `database_url`, when given, becomes its
    BENCHMON_DATABASE_URL (else the script starts an embedded server of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    if database_url:
        env["BENCHMON_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
