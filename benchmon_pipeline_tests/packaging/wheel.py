"""The wheel built from this checkout, installed into a fresh virtual environment outside
it: what `pip install benchmon` gives a user (conftest.py makes it a session fixture)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    if found.exists():
        return str(found)
    on_path = shutil.which("uv")
    if not on_path:
        pytest.fail("uv is not installed: `make install` puts it in .tools/bin")
    return on_path


def run(command: list, *, cwd: Path, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"{done.args}\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel_and_venv(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel, and a fresh virtual environment outside the checkout with it installed
    (dependencies at the lock's versions, from uv's cache when it holds them all)."""
    work = tmp_path_factory.mktemp("wheel")
    assert not work.is_relative_to(ROOT)
    check(run([uv(), "build", "--wheel", "--out-dir", work / "dist", "--quiet"], cwd=ROOT))
    (wheel,) = (work / "dist").glob("benchmon-*.whl")
    constraints = work / "constraints.txt"
    check(
        run(
            [uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]
            + ["--quiet", "--output-file", constraints],
            cwd=ROOT,
        )
    )
    venv = work / "venv"
    check(run([uv(), "venv", "--quiet", "--python", sys.executable, venv], cwd=work))
    install = [uv(), "pip", "install", "--quiet", "--python", venv / "bin" / "python"]
    install += ["--constraints", constraints, wheel]
    if run([*install, "--offline"], cwd=work).returncode != 0:
        check(run(install, cwd=work))  # the cache lacked something: ask the index
    return wheel, venv
