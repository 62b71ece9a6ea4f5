"""The end-of-run check (conftest.py `pytest_sessionfinish`) sees what a run leaves behind:
a child process, and a process re-parented to init that names the run's temp folder (as a
`tail -F` of a Dagster compute log does when its run worker is killed)."""

import subprocess
import sys

import psutil

from benchmon_pipeline_tests.conftest import leftover_processes


def test_a_child_left_running_is_found(tmp_path_factory):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert child.pid in {p.pid for p in leftover_processes(None)}
    finally:
        child.kill()
        child.wait()
    assert child.pid not in {p.pid for p in leftover_processes(None)}


def test_an_orphan_naming_the_temp_folder_is_found(tmp_path_factory, tmp_path):
    basetemp = str(tmp_path_factory.getbasetemp())
    log = tmp_path / "compute.log"
    log.write_text("")
    # A double fork: the tail's parent exits at once, so init adopts it, as after a SIGKILL.
    launcher = subprocess.run(
        ["sh", "-c", f"tail -F {log} >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = psutil.Process(int(launcher.stdout.strip()))
    try:
        assert orphan.ppid() != psutil.Process().pid
        assert orphan.pid in {p.pid for p in leftover_processes(basetemp)}
    finally:
        orphan.kill()
        orphan.wait(10)
    assert orphan.pid not in {p.pid for p in leftover_processes(basetemp)}
