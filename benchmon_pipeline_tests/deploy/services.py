"""The split deployment's processes, started as an operator's supervisor would start them.

Each service runs in a process group of its own (a shell's ignored SIGINT is not
inherited), and is stopped with SIGINT to that group, then SIGKILL after a grace time.
`stragglers` finds whatever is still alive with the deployment's marker in its environment
(run workers the code server started, a child gRPC server), so a test can kill them and
say so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import psutil

MARKER = "BENCHMON_DEPLOY_TEST"  # in every service's environment, inherited by its children


class Service:
    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{tail}")

    def interrupt(self) -> None:
        """SIGINT to the group, as Ctrl-C would; `stop` then waits for it."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def stop(self, grace: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def stop_all(services: list[Service]) -> None:
    """Every service interrupted at once, then each waited for (SIGKILL after the grace)."""
    for service in services:
        service.interrupt()
    for service in services:
        service.stop()


def stragglers(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and proc.environ().get(MARKER) == marker:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_all(processes: list[psutil.Process]) -> None:
    for proc in processes:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(processes, timeout=10)


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        body = json.loads(response.read())
    if body.get("errors"):
        raise AssertionError(body["errors"])
    return body["data"]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False
