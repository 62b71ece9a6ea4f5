"""One `benchmon dev` per BENCHMON_HOME: a second one is refused before it starts anything."""

import os
import subprocess
import sys

from benchmon_pipeline.cli import dev_file
from benchmon_pipeline.cli.exits import CONFIG


def test_a_second_dev_on_the_same_home_is_refused(tmp_path):
    # It used to start beside the first (Dagster: "multiple daemon processes running at
    # once"), and its exit removed the first one's dev.json.
    dev_file.write(tmp_path, "127.0.0.1", 3000)  # this test's process: alive, as a dev is
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "dev", "--port", "3001"],
        env={**env, "BENCHMON_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == CONFIG, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: benchmon dev is already running for "), line
    assert f"process {os.getpid()}, http://127.0.0.1:3000" in line
    assert not (tmp_path / "pgdata").exists() and dev_file.running(tmp_path).pid == os.getpid()
