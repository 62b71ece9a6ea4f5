"""Child processes that `benchmon dev` and `benchmon dashboard` start in process groups of
their own, and stop as a whole."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_group(process: subprocess.Popen, grace_seconds: float) -> None:
    """SIGINT to the child's whole process group (Dagster and Streamlit stop cleanly on it),
    SIGKILL if it is still there after `grace_seconds`."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
