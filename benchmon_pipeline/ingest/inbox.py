"""The folder inbox: which files are ready, and where they go once handled.

Layout (design.md §7): `<root>/inbox/` is watched recursively; `<root>/archive/<date>/`
and `<root>/quarantine/` are siblings, never inside the watched tree. A file is moved
only after the database has committed what it holds, and never over another file.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")
RESULT_SUFFIXES = (".json",)


@dataclass(frozen=True)
class InboxFile:
    """A file waiting in the inbox; `name` is its path relative to the inbox, with '/'."""

    name: str
    size: int
    mtime_ns: int

    @property
    def fingerprint(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


def _is_candidate(relative: PurePosixPath) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    if name.endswith(TEMPORARY_SUFFIXES) or name.endswith(".error.json"):
        return False
    return name.endswith(RESULT_SUFFIXES)


@dataclass(frozen=True)
class FolderInbox:
    root: Path
    settle_seconds: float = 2.0

    @property
    def inbox_dir(self) -> Path:
        return self.root / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    def ensure_layout(self) -> None:
        for folder in (self.inbox_dir, self.archive_dir, self.quarantine_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def path_of(self, name: str) -> Path:
        return self.inbox_dir / PurePosixPath(name)

    def ready_files(self, now: float | None = None) -> list[InboxFile]:
        """Result files whose last write is at least `settle_seconds` old, sorted by name."""
        now = time.time() if now is None else now
        found = []
        if not self.inbox_dir.is_dir():
            return found
        for dirpath, dirnames, filenames in os.walk(self.inbox_dir):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for filename in filenames:
                path = Path(dirpath) / filename
                relative = PurePosixPath(path.relative_to(self.inbox_dir).as_posix())
                if not _is_candidate(relative):
                    continue
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue  # moved away while we listed
                if now - stat.st_mtime < self.settle_seconds:
                    continue  # still being written, or just finished: next tick
                found.append(InboxFile(str(relative), stat.st_size, stat.st_mtime_ns))
        return sorted(found, key=lambda f: f.name)

    def environment_of(self, name: str) -> str | None:
        """`inbox/<environment>/file.json` names its environment; a top-level file does not."""
        parts = PurePosixPath(name).parts
        return parts[0] if len(parts) > 1 else None

    def archive(self, name: str, when: datetime | None = None) -> Path:
        day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
        return _move_without_overwrite(self.path_of(name), self.archive_dir / day / name)

    def quarantine(self, name: str, error: dict) -> Path:
        target = _move_without_overwrite(self.path_of(name), self.quarantine_dir / name)
        report = target.with_name(target.name.removesuffix(".json") + ".error.json")
        report.write_text(json.dumps({"file": name, **error}, indent=2) + "\n", encoding="utf-8")
        return target


def _move_without_overwrite(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = target, 1
    while candidate.exists() or candidate.is_symlink():
        candidate = target.with_name(f"{target.stem}.{n}{target.suffix}")
        n += 1
    shutil.move(source, candidate)
    return candidate
