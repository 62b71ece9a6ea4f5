"""Drive `benchmon dev` as a user would: start it, talk to its UI's GraphQL, stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    every: float = 0.5,
    explain: Callable[[], object] | None = None,
):
    """Poll `predicate` until it is truthy; on timeout, fail naming `what` and, when given,
    what `explain()` says of the state (e.g. the runs and their statuses)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            state = f"; state: {explain()}" if explain is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{state}")
        time.sleep(every)


class DevServer:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmon_pipeline.cli", "dev", "--port", str(self.port)],
            cwd=PROJECT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._answers, timeout, f"the Dagster UI on {self.url} (log: {self.log_path})")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"benchmon dev exited early; log:\n{self.log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            body = json.loads(response.read())
        if body.get("errors"):
            raise AssertionError(body["errors"])
        return body["data"]

    def runs(self) -> list[dict]:
        data = self.graphql("{ runsOrError { ... on Runs { results { runId status jobName } } } }")
        return data["runsOrError"]["results"]

    def sensor_status(self, name: str) -> str:
        data = self.graphql(
            """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
                 ... on Sensor { sensorState { status } } } }""",
            {
                "selector": {
                    "repositoryLocationName": "benchmon",
                    "repositoryName": "__repository__",
                    "sensorName": name,
                }
            },
        )
        return data["sensorOrError"]["sensorState"]["status"]

    def stop(self, timeout: float = 60) -> None:
        """Ctrl-C, as a user would: SIGINT to the process group, then wait."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"benchmon dev did not stop within {timeout}s") from None

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)


def still_alive(processes: list[psutil.Process]) -> list[str]:
    alive = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            continue
    return alive


def started_for(home) -> list[str]:
    """Live processes whose environment says they belong to this BENCHMON_HOME."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("BENCHMON_HOME") == str(home):
                found.append(f"{proc.pid} {' '.join(proc.cmdline())[:100]}")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found
