"""Reader processes: parse the next chunks of a batch while this process stores the current one.

Parsing is Python work, so threads could not overlap it with storing; another process can.
Why not `multiprocessing`: its start methods either fork the current process — a Dagster
run worker has threads, whose locks a forked child may inherit held — or start a fresh
interpreter that re-imports the parent's `__main__` (for `dagster`'s own entry point that
would run the CLI again). A reader is instead a plain `python -m
benchmon_pipeline.ingest.readers`: it reads pickled requests on its stdin and writes
pickled answers on its stdout, one at a time, in order, and exits at the end of its input —
so it also ends when its parent dies, even by SIGKILL (the pipe closes). It runs in the
parent's process group, so whatever stops the run stops it too.

The requests and answers are plain data (names in, outcomes and parsed files out); the
reader never touches the database or moves a file.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("!Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding benchmon_pipeline


def _write(stream, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream) -> bytes | None:
    """One message's bytes, or None at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


class ReaderProcess:
    """One reader process. `submit(function, *args)` sends it a call (a module-level
    function of benchmon's, with picklable arguments); a thread collects each answer as
    soon as it is written, into `answers` (shared by a pool), as (this reader, bytes)."""

    def __init__(self, answers: queue.Queue) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmon_pipeline.ingest.readers"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        self._answers = answers
        self.pending = 0
        self._collector = threading.Thread(target=self._collect, daemon=True,
                                           name="benchmon-reader-answers")
        self._collector.start()

    def _collect(self) -> None:
        while True:
            data = _read(self._process.stdout)
            self._answers.put((self, data))
            if data is None:
                return

    @property
    def pid(self) -> int:
        return self._process.pid

    def submit(self, function: Callable, *args: Any, **kwargs: Any) -> None:
        _write(self._process.stdin, (function, args, kwargs))
        self.pending += 1

    def unpack(self, data: bytes | None) -> Any:
        """The value of one answer of this reader (or raise what the call raised)."""
        if data is None:
            code = self._process.poll()
            raise RuntimeError(f"a reader process ended unexpectedly (exit status {code})")
        self.pending -= 1
        ok, value = pickle.loads(data)  # noqa: S301 - our own child, over a private pipe
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """End the reader and wait for it: at the end of its input when nothing is pending,
        at once when calls are (their answers are no longer wanted)."""
        try:
            self._process.stdin.close()
        except OSError:
            pass
        if self.pending:
            self._process.kill()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._collector.join(timeout=5)
        self._process.stdout.close()


class ReaderPool:
    """`count` reader processes sharing one queue of answers; each holds at most `depth`
    calls. Answers come back in the order they are ready, not the order of the calls."""

    def __init__(self, count: int, depth: int) -> None:
        self._answers: queue.Queue = queue.Queue()
        self._depth = depth
        self._readers: list[ReaderProcess] = []
        try:
            self._readers.extend(ReaderProcess(self._answers) for _ in range(count))
        except BaseException:
            self.close()
            raise

    @property
    def pending(self) -> int:
        return sum(reader.pending for reader in self._readers)

    @property
    def pids(self) -> list[int]:
        return [reader.pid for reader in self._readers]

    def has_room(self) -> bool:
        return any(reader.pending < self._depth for reader in self._readers)

    def submit(self, function: Callable, *args: Any, **kwargs: Any) -> None:
        min(self._readers, key=lambda r: r.pending).submit(function, *args, **kwargs)

    def result(self, wait: bool) -> tuple[bool, Any]:
        """(True, a value) — waiting for one if `wait` — or (False, None) if none is ready."""
        try:
            reader, data = self._answers.get(block=wait)
        except queue.Empty:
            return False, None
        return True, reader.unpack(data)

    def close(self) -> None:
        for reader in self._readers:
            reader.close()


def main() -> None:
    """The reader's side: answer each request on stdin, in order, until stdin ends."""
    requests = sys.stdin.buffer
    # The answers get their own copy of stdout; anything printed lands on stderr instead.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while (data := _read(requests)) is not None:
        function, args, kwargs = pickle.loads(data)  # noqa: S301 - from our parent only
        try:
            answer = (True, function(*args, **kwargs))
        except Exception as exc:  # sent back and raised in the parent
            answer = (False, _portable(exc))
        try:
            _write(answers, answer)
        except BrokenPipeError:
            return  # the parent is gone


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives pickling (many exceptions with their own __init__ do not),
    else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
        return exc
    except Exception:  # noqa: BLE001 - any failure means: send a plain one instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
