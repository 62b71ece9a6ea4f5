"""A Dagster user who types `dagster dev` or `dagster definitions validate` in the checkout
(no DAGSTER_HOME, no BENCHMON_* variables) is pointed to `benchmon dev` in one line, exit
78, rather than shown a traceback or given a throwaway instance (the root `dagster.yaml`,
benchmon_pipeline/cli/plain_dagster.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmon_pipeline.cli.plain_dagster import EX_CONFIG
from benchmon_pipeline_tests.e2e.devserver import free_port

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")


def plain_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
    return {**keep, "HOME": str(tmp_path)}


def assert_pointed_to_benchmon_dev(returncode: int, output: str) -> None:
    assert returncode == EX_CONFIG, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if "benchmon dev" in line]
    assert len(lines) == 1, output
    assert lines[0].startswith("benchmon: start Dagster for this project with `benchmon dev`")


def temporary_homes() -> set[Path]:
    return set(ROOT.glob(".tmp_dagster_home_*"))


def test_dagster_definitions_validate_in_the_checkout_names_benchmon_dev(tmp_path):
    before = temporary_homes()
    done = subprocess.run(
        [DAGSTER, "definitions", "validate"],
        cwd=ROOT,
        env=plain_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_pointed_to_benchmon_dev(done.returncode, done.stdout + done.stderr)
    assert temporary_homes() <= before, "Dagster's temporary instance is removed again"


@pytest.mark.e2e
def test_dagster_dev_in_the_checkout_names_benchmon_dev_and_starts_nothing(tmp_path):
    before = temporary_homes()
    process = subprocess.Popen(
        [DAGSTER, "dev", "-p", str(free_port())],
        cwd=ROOT,
        env=plain_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # it served after all: stop it and everything it started
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert_pointed_to_benchmon_dev(process.returncode, output)
    assert temporary_homes() <= before
