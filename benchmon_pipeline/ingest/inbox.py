"""The folder inbox: which files are ready, and where they go once handled.

Layout (docs/ingestion.md, "The inbox layout"): `<root>/inbox/` is watched recursively;
`<root>/archive/<date>/` and `<root>/quarantine/` are siblings, never inside the watched
tree. A file is moved
only after the database has committed what it holds, never over another file, under a
name that fits the file system (`fitting`), and only if it still holds the bytes that were
read (`FileChanged`).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from benchmon_pipeline.formats.detect import SIDECAR_SUFFIX
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES, read_file, sidecar_names
from benchmon_pipeline.results.model import ParsedFile, storable

TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")
RESULT_SUFFIXES = (".json", ".js")  # .js: github-action-benchmark's data.js history
# The longest file name, in bytes, on the file systems we run on (ext4, XFS, Btrfs, tmpfs,
# APFS): a report or a renamed archive copy of a name near it is shortened to fit.
NAME_MAX = 255


class FileChanged(Exception):
    """A file's bytes were not those that were read when it was to be moved: it was put
    back into the inbox (under the name `back`, relative to the inbox) for the next run."""

    def __init__(self, name: str, back: str):
        super().__init__(f"{storable(name)} changed after it was read; left in the inbox")
        self.name, self.back = name, back


@dataclass(frozen=True)
class InboxFile:
    """A file waiting in the inbox; `name` is its path relative to the inbox, with '/'."""

    name: str
    size: int
    mtime_ns: int

    @property
    def fingerprint(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


def is_candidate(relative: PurePosixPath) -> bool:
    """A result file: not hidden, not temporary, not a sidecar or an error report. Suffixes
    in any letter case (`RUN.JSON` is a result file, `X.ERROR.JSON` a report)."""
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name.lower()
    if name.endswith((*TEMPORARY_SUFFIXES, ".error.json", SIDECAR_SUFFIX)):
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
        return self.inbox_dir / name  # names use '/', as on every platform we run on

    def uri(self, name: str) -> str:
        if "//" in name or "/./" in f"/{name}/" or name.endswith("/"):
            return str(self.path_of(name))  # let pathlib normalize it
        return os.path.join(self._inbox_path, name)  # what pathlib would make of it

    def exists(self, name: str) -> bool:
        return os.path.lexists(os.path.join(self._inbox_path, name))

    # The folders as strings, made once: os.path on strings is several times cheaper per
    # file than pathlib (the batch path spends its time per file).
    @functools.cached_property
    def _inbox_path(self) -> str:
        return str(self.inbox_dir)

    @functools.cached_property
    def _archive_path(self) -> str:
        return str(self.archive_dir)

    def parse(
        self, name: str, max_bytes: int = MAX_FILE_BYTES, cache: dict | None = None
    ) -> ParsedFile:
        """Read and parse a waiting file (links out of the inbox refused, sidecar used).

        `cache`: a dict the caller keeps while it reads one chunk of files; folders' real
        paths are remembered in it instead of being resolved again for every file.
        """
        return read_file(
            os.path.join(self._inbox_path, name),
            inside=self._inbox_path,
            max_bytes=max_bytes,
            folders=cache,
        )

    def fingerprint(self, name: str) -> tuple[str | None, int | None]:
        """sha256 and size of a file that could not be parsed, for the ledger (best effort:
        a link or anything but a regular file is not followed)."""
        path = self.path_of(name)
        try:
            if path.is_symlink() or not path.is_file():
                return None, None
            raw = path.read_bytes()
        except (OSError, ValueError):  # (ValueError: a name no file system can hold)
            return None, None
        return hashlib.sha256(raw).hexdigest(), len(raw)

    def ready_files(self, now: float | None = None) -> list[InboxFile]:
        """Result files whose last write is at least `settle_seconds` old, sorted by name.

        A link to a folder is listed itself, whatever its name: its files are never read
        through it (they would be read twice, or from outside the inbox), and a run
        quarantines the link with that reason instead of leaving them unseen."""
        now = time.time() if now is None else now
        found = []
        if not self.inbox_dir.is_dir():
            return found
        for dirpath, dirnames, filenames in os.walk(self.inbox_dir):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            for filename in (*filenames, *links):
                path = Path(dirpath) / filename
                relative = PurePosixPath(path.relative_to(self.inbox_dir).as_posix())
                if filename not in links and not is_candidate(relative):
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
        if "/" not in name:
            return None
        parts = PurePosixPath(name).parts
        return parts[0] if len(parts) > 1 else None

    def archive(
        self, name: str, when: datetime | None = None, *, sha256: str | None = None
    ) -> Path:
        """Move a handled file to `archive/<day>/`; `sha256`: the hash of what was read —
        a file that no longer has it is put back and FileChanged raised."""
        day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
        source = os.path.join(self._inbox_path, name)
        moved = _move_with_sidecar(source, os.path.join(self._archive_path, day, name))
        if sha256 is not None:
            _still_as_read(name, source, moved, sha256)
        return moved

    def quarantine(self, name: str, error: dict, *, sha256: str | None = None) -> Path:
        """Move a refused file to `quarantine/` with its error report beside it; `sha256`
        as for `archive` (a file rewritten since it was refused is read again instead)."""
        source = os.fspath(self.path_of(name))
        target = _move_with_sidecar(source, self.quarantine_dir / name)
        if sha256 is not None:
            _still_as_read(name, source, target, sha256)
        report = _error_report_path(target)
        text = json.dumps({"file": storable(name), **error}, indent=2) + "\n"
        report.write_text(text, encoding="utf-8")
        return target

    def quarantined(self) -> list[str]:
        """Quarantined files (relative names), without their error reports."""
        if not self.quarantine_dir.is_dir():
            return []
        return sorted(
            p.relative_to(self.quarantine_dir).as_posix()
            for p in self.quarantine_dir.rglob("*")
            if (p.is_file() or p.is_symlink()) and not p.name.endswith(".error.json")
        )

    def error_report(self, name: str) -> dict | None:
        report = _error_report_path(self.quarantine_dir / PurePosixPath(name))
        try:
            return json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def replay(self, name: str) -> Path:
        """Put a quarantined file back into the inbox and drop its error report."""
        source = self.quarantine_dir / PurePosixPath(name)
        target = _move_with_sidecar(source, self.path_of(name))
        _error_report_path(source).unlink(missing_ok=True)
        return target


def _error_report_path(path: Path) -> Path:
    return path.with_name(fitting(path.name.removesuffix(".json") + ".error.json", ".error.json"))


def fitting(name: str, suffix: str | None = None) -> str:
    """`name`, or — when it is longer than NAME_MAX bytes — as much of its start as fits,
    `~`, 16 hex digits of its hash (so two long names stay apart), and its `suffix`
    (default: from its last dot). Used for every name benchmon makes up: an error report
    beside a 255-byte name, an archive copy `name.1.json`."""
    if len(name) <= NAME_MAX // 4:  # (a character is at most 4 bytes)
        return name
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:  # not a name any file system can hold: the move will say so
        return name
    if len(raw) <= NAME_MAX:
        return name
    suffix = _stem_and_suffix(name)[1] if suffix is None else suffix
    if len(os.fsencode(suffix)) > NAME_MAX // 2:
        suffix = ""
    tag = "~" + hashlib.sha256(raw).hexdigest()[:16]
    room = NAME_MAX - len(os.fsencode(tag + suffix))
    start = os.fsencode(name[: len(name) - len(suffix)] if suffix else name)[:room]
    try:
        raw.decode("utf-8")
        text = start.decode("utf-8", "ignore")  # (not half a character at the cut)
    except UnicodeDecodeError:  # a name that is not UTF-8 (bytes held as surrogates)
        text = os.fsdecode(start)
    return text + tag + suffix


_CHUNK = 1 << 16  # (os.read allocates this much first: 1 MiB cost 30 µs a call)


def _still_as_read(name: str, source: str, moved: str | Path, sha256: str) -> None:
    """After a move: does the moved file hold the bytes that were read (`sha256`)? If not,
    it was rewritten between its read and its move — put it back for the next run and
    raise FileChanged. Checked after the rename, so a rewrite that lands later goes to the
    new file in the inbox, not to the archived one. A link is moved as a link: not read."""
    try:
        handle = os.open(moved, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link
            return
        raise
    try:  # (os.read: a file object would cost as much again as the read; ~15 µs in all)
        digest = hashlib.sha256(chunk := os.read(handle, _CHUNK))
        while len(chunk) == _CHUNK:
            digest.update(chunk := os.read(handle, _CHUNK))
    finally:
        os.close(handle)
    if digest.hexdigest() == sha256:
        return
    back = _move_with_sidecar(moved, source)  # (as `<stem>.1.json` if the name is taken)
    folder = name.rpartition("/")[0]
    raise FileChanged(name, f"{folder}/{back.name}" if folder else back.name)


def _stem_and_suffix(name: str) -> tuple[str, str]:
    """PurePath(name).stem and .suffix, without building a path object per file."""
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:
        return name[:dot], name[dot:]
    return name, ""


def _move_with_sidecar(source: Path | str, target: Path | str) -> Path:
    """Move a file and its `.benchmon.json` sidecar, if any, keeping them side by side."""
    source, target = os.fspath(source), os.fspath(target)
    moved = _move_without_overwrite(source, target)
    folder, name = os.path.split(source)
    stem = _stem_and_suffix(name)[0]
    for sidecar_name in sidecar_names(name):
        sidecar = os.path.join(folder, sidecar_name)
        if os.path.isfile(sidecar):
            suffix = sidecar_name[len(stem) :]  # ".json.benchmon.json" or ".benchmon.json"
            moved_folder, moved_name = os.path.split(moved)
            _move_without_overwrite(
                sidecar,
                os.path.join(moved_folder, _stem_and_suffix(moved_name)[0] + suffix),
                suffix,
            )
    return Path(moved)


def _move_without_overwrite(source: str, target: str, suffix: str | None = None) -> str:
    """Rename `source` to `target`, or to `<stem>.<n><suffix>` when that is taken — every
    candidate `fitting` the file system, so the loop ends (a 255-byte name's `.1` would
    not fit: the rename failed, and the file came back run after run)."""
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
    if suffix is None:
        stem, suffix = _stem_and_suffix(name)
    else:
        stem = name[: len(name) - len(suffix)]
    candidate, n = os.path.join(folder, fitting(name, suffix)), 1
    while os.path.lexists(candidate):
        candidate = os.path.join(folder, fitting(f"{stem}.{n}{suffix}", suffix))
        n += 1
    try:
        os.rename(source, candidate)  # same file system: atomic
    except OSError:
        shutil.move(source, candidate)  # another file system: copy, then delete
    return candidate
