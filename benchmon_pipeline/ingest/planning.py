"""Which inbox files the next ingest runs take: the inbox sensors' plan, in plain Python.

The cursor (JSON) remembers each file already requested with its size, mtime and the
run key of its request, so the next tick does not request it again while the run works.
A file is requested again when it changes, when the run that should have handled it has
finished and the file is still there (the run failed, or was killed), or, if that run
cannot be found, after `RETRY_AFTER_SECONDS`. Re-requesting is always safe: a result is
stored at most once, keyed by its content hash in the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmon_pipeline.ingest.inbox import InboxFile

DEFAULT_BATCH_SIZE = 5000  # files per run: a run costs seconds to start, a file ~0.5 ms
RETRY_AFTER_SECONDS = 600
RUNS_PER_TICK = 2  # a burst of 10,000 files: two runs, one per core


def plan_batches(
    cursor: str | None,
    ready: list[InboxFile],
    batch_size: int,
    now: float,
    finished_keys: Callable[[set[str]], set[str]] = lambda keys: set(),
    max_runs: int = RUNS_PER_TICK,
) -> tuple[list[tuple[list[str], str]], str]:
    """The batches to request now — (file names, run key) each — and the cursor to keep.

    `finished_keys(keys)` tells which of the given run keys belong to runs that have
    finished (the sensor asks the Dagster instance).
    """
    pending: dict[str, dict] = json.loads(cursor or "{}").get("pending", {})
    still_there = {f.name for f in ready}
    pending = {name: entry for name, entry in pending.items() if name in still_there}
    done = finished_keys({entry.get("key", "") for entry in pending.values()} - {""})
    todo = [
        f
        for f in ready
        if f.name not in pending
        or pending[f.name]["fp"] != f.fingerprint
        or pending[f.name].get("key") in done
        or now - pending[f.name]["at"] > RETRY_AFTER_SECONDS
    ][: batch_size * max_runs]
    batches = []
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        names = [f.name for f in batch]
        key = hashlib.sha256(json.dumps([names, now]).encode()).hexdigest()[:32]
        for f in batch:
            pending[f.name] = {"fp": f.fingerprint, "at": now, "key": key}
        batches.append((names, key))
    return batches, json.dumps({"pending": pending})


@dataclass(frozen=True)
class InboxState:
    """What waits in an inbox: the `inbox` asset's observation in the Dagster UI."""

    files_waiting: int
    bytes_waiting: int
    oldest_file_age_seconds: float | None  # None when nothing waits

    @classmethod
    def of(cls, files: Sequence[InboxFile], now: float) -> InboxState:
        oldest = min((f.mtime_ns for f in files), default=None)
        return cls(
            files_waiting=len(files),
            bytes_waiting=sum(f.size for f in files),
            oldest_file_age_seconds=None if oldest is None else round(now - oldest / 1e9, 1),
        )

    def worth_reporting(self, last: InboxState | None, every_seconds: float, since: float) -> bool:
        """A new observation when the count changed, or — while files wait — once every
        `every_seconds` (`since`: seconds since the last one), so the oldest file's age
        stays current without an event every tick."""
        if last is None or last.files_waiting != self.files_waiting:
            return True
        return self.files_waiting > 0 and since >= every_seconds
