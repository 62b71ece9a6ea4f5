"""Read one result file into Results, or say exactly why it cannot be read.

The bytes are checked before anything trusts them (a link out of the inbox, size, UTF-8),
then parsed as JSON — NaN/Infinity literals included, since lm-eval writes them — or as
github-action-benchmark's `data.js` (`window.BENCHMARK_DATA = {...};`), and handed to the
format detection. `parse_bytes` is the same path for bytes that never were a local file
(an S3 object, stdin of `benchmon push`); `read_file` adds the filesystem checks and the
optional sidecar `<file>.benchmon.json` next to the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

from benchmon_pipeline.formats.detect import SIDECAR_SUFFIX, parse_document
from benchmon_pipeline.results.model import InvalidResult, ParsedFile, storable

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_SIDECAR_BYTES = 64 * 1024
_HISTORY_PREFIX = re.compile(r"\s*window\.BENCHMARK_DATA\s*=\s*")
_HISTORY_SUFFIX = re.compile(r"\s*;?\s*")


def is_sidecar(name: str) -> bool:
    """Sidecars describe another file; the inbox lister must not ingest them as results."""
    return name.endswith(SIDECAR_SUFFIX)


def sidecar_names(name: str) -> tuple[str, ...]:
    """Where a file's sidecar may be, in order: `x.json.benchmon.json`, `x.benchmon.json`."""
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    return tuple(dict.fromkeys((name + SIDECAR_SUFFIX, stem + SIDECAR_SUFFIX)))


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is fine), or UTF-16/UTF-32 as JSON's
    first RFC allowed and PowerShell writes — told by their byte-order mark, or without
    one by the NULs around the first character (JSON text starts with an ASCII one)."""
    if not raw.strip():
        raise InvalidResult("empty_file", "the file is empty")
    if raw[0] in _WIDE_FIRST or raw[1:2] == b"\x00":  # (never true for UTF-8 JSON)
        return _decode_wide(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidResult(
            "not_utf8",
            f"the file is not UTF-8 text (byte {exc.start} is "
            f"0x{raw[exc.start]:02x}); save it as UTF-8",
        ) from exc


_WIDE_FIRST = frozenset(b"\x00\xfe\xff")


def _decode_wide(raw: bytes) -> str:
    encoding = json.detect_encoding(raw)
    if encoding == "utf-8":  # a NUL but no UTF-16/32 pattern
        raise InvalidResult(
            "not_utf8",
            "the file starts with a NUL byte or a byte-order mark that is neither UTF-8, "
            "UTF-16 nor UTF-32; save it as UTF-8",
        )
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidResult(
            "not_utf8",
            f"the file looks like {encoding.upper()} but is not (byte {exc.start}); "
            "save it as UTF-8",
        ) from exc
    return text.removeprefix("\ufeff")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object as a dict, refusing a key given twice: JSON parsers disagree about
    which value counts (Python's takes the last), so such a file means two things."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _DuplicateKey(
            f"the key {storable(json.dumps(twice, ensure_ascii=False))} appears twice in one "
            f"object (of the keys {storable(show_keys(found))}); JSON readers disagree about "
            "which value counts, so benchmon stores neither: keep one"
        )
    return found


def show_keys(found: dict) -> str:
    keys = ", ".join(json.dumps(k, ensure_ascii=False) for k in list(found)[:8])
    return keys + (", …" if len(found) > 8 else "")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def load_document(text: str) -> Any:
    """JSON, or the JSON inside `window.BENCHMARK_DATA = …;`, with exact error positions.
    A key given twice in one object is refused (`duplicate_key`)."""
    try:
        prefix = _HISTORY_PREFIX.match(text)
        if not prefix:
            return _DECODER.decode(text)
        document, end = _DECODER.raw_decode(text, prefix.end())
        tail = _HISTORY_SUFFIX.match(text, end)
        if tail.end() != len(text):
            raise json.JSONDecodeError("unexpected text after the data", text, tail.end())
        return document
    except json.JSONDecodeError as exc:
        where = f"at line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            # a tool writing straight into the inbox (Google Benchmark's --benchmark_out
            # flushes after each benchmark) can be read before it has finished
            raise InvalidResult(
                "invalid_json",
                f"not valid JSON: the file ends early ({exc.msg} {where}): it is cut off, "
                "or was still being written when read; write it elsewhere (or as "
                "name.json.tmp) and move it into the inbox, then `benchmon inbox replay` it",
            ) from exc
        raise InvalidResult("invalid_json", f"not valid JSON: {exc.msg} {where}") from exc
    except _DuplicateKey as exc:
        raise InvalidResult("duplicate_key", str(exc)) from exc
    except RecursionError as exc:
        raise InvalidResult("too_deeply_nested", "the JSON is nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InvalidResult("invalid_json", f"not valid JSON: {exc}"[:300]) from exc


def parse_sidecar(raw: bytes, name: str) -> dict:
    """A sidecar's JSON; any problem is reported as `invalid_sidecar` naming it."""
    if len(raw) > MAX_SIDECAR_BYTES:
        raise InvalidResult(
            "invalid_sidecar", f"the sidecar {name} is larger than {MAX_SIDECAR_BYTES:,} bytes"
        )
    try:
        return load_document(decode(raw))
    except InvalidResult as exc:
        raise InvalidResult(
            "invalid_sidecar", f"the sidecar {name}: {exc.message}", exc.json_path
        ) from exc


def parse_bytes(
    name: str, raw: bytes, *, sidecar: Any = None, max_bytes: int = MAX_FILE_BYTES
) -> ParsedFile:
    """Parse a file's bytes (and its already-parsed sidecar) into a `ParsedFile`."""
    if len(raw) > max_bytes:
        raise InvalidResult(
            "file_too_large", f"the file is {len(raw):,} bytes; the limit is {max_bytes:,}"
        )
    document = load_document(decode(raw))
    try:
        parsed = parse_document(name, document, sidecar)
    except InvalidResult:
        raise
    except RecursionError as exc:
        raise InvalidResult("too_deeply_nested", "the JSON is nested too deeply") from exc
    except Exception as exc:  # A shape no adapter foresaw costs one file, not the batch.
        log.exception("unexpected error while reading %s", storable(name))
        raise internal_error(exc) from exc
    return ParsedFile(
        parsed.format,
        parsed.results,
        parsed.warnings,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def internal_error(exc: BaseException) -> InvalidResult:
    """The refusal of a file benchmon failed on (a bug, or a state it did not foresee):
    `internal_error`, with the exception's type and message."""
    detail = storable(f"{type(exc).__name__}: {exc}")[:300]
    return InvalidResult(
        "internal_error",
        f"benchmon could not read this file ({detail}); "
        "please report it, then replay the file after upgrading",
    )


@functools.lru_cache(maxsize=64)
def _real_folder(inside: str) -> str:
    return os.path.join(os.path.realpath(inside), "")


def _regular_file_inside(
    path: Path | str, inside: Path | str, what: str, folders: dict[str, str] | None = None
) -> tuple[str, int]:
    """The real path and size of a regular file inside `inside` (links may not leave it).

    `folders` caches the real path of each folder for the caller's batch: a regular file
    (not a link) is inside exactly when its folder is, so one `lstat` per file replaces
    resolving every component of its path.
    """
    if folders is not None:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            folder, base = os.path.split(path)
            real = folders.get(folder)
            if real is None:
                real = folders[folder] = os.path.join(os.path.realpath(folder), "")
            if real.startswith(_real_folder(str(inside))):
                return real + base, info.st_size
    resolved = os.path.realpath(path)
    if not resolved.startswith(_real_folder(str(inside))):
        raise InvalidResult(
            "symlink_outside_inbox",
            f"{what} {storable(os.path.basename(path))} is a link to {storable(resolved)}, outside "
            "the inbox; copy the file in instead",
        )
    info = os.stat(resolved)
    if not stat.S_ISREG(info.st_mode):
        shown = storable(os.path.basename(path))
        if stat.S_ISDIR(info.st_mode):  # a link to a folder: the lister names the link
            raise InvalidResult(
                "not_a_regular_file",
                f"{what} {shown} is a link to a folder; benchmon does not follow links to "
                "folders (their files would be read twice, or from outside the inbox): "
                "move or copy the files into the inbox instead",
            )
        raise InvalidResult("not_a_regular_file", f"{what} {shown} is not a regular file")
    return resolved, info.st_size


def _read_limited(found: tuple[str, int], max_bytes: int, code: str, what: str) -> bytes:
    path, size = found
    if size <= max_bytes:
        # Ask for the size stat gave plus one byte: one read(2) when the file is as stat
        # said (asking for max_bytes + 1 at once would allocate 100 MB per file). If it
        # grew meanwhile, read on — never past the limit.
        with open(path, "rb", buffering=0) as handle:
            raw = handle.read(size + 1)
            while len(raw) > size and len(raw) <= max_bytes:
                more = handle.read(max_bytes + 1 - len(raw))
                if not more:
                    break
                raw += more
        size = len(raw)
    if size > max_bytes:
        raise InvalidResult(code, f"{what} is {size:,} bytes; the limit is {max_bytes:,}")
    return raw


def read_sidecar(
    path: Path | str, *, inside: Path | str, folders: dict[str, str] | None = None
) -> dict | None:
    """The parsed sidecar next to `path`, if there is one."""
    folder, name = os.path.split(path)
    for candidate in sidecar_names(name):
        sidecar = os.path.join(folder, candidate)
        if os.path.lexists(sidecar):
            try:
                resolved = _regular_file_inside(sidecar, inside, "the sidecar", folders)
                raw = _read_limited(
                    resolved, MAX_SIDECAR_BYTES, "invalid_sidecar", f"the sidecar {candidate}"
                )
            except FileNotFoundError:  # removed (or a link to nothing): as if never there
                continue
            return parse_sidecar(raw, candidate)
    return None


def read_file(
    path: Path | str,
    *,
    inside: Path | str,
    max_bytes: int = MAX_FILE_BYTES,
    folders: dict[str, str] | None = None,
) -> ParsedFile:
    """Read an inbox file (and its sidecar): its format, results and warnings.

    `folders`: a dict the caller keeps for one batch, caching folders' real paths.
    """
    resolved = _regular_file_inside(path, inside, "the file", folders)
    raw = _read_limited(resolved, max_bytes, "file_too_large", "the file")
    name = os.path.basename(path)
    sidecar = None if is_sidecar(name) else read_sidecar(path, inside=inside, folders=folders)
    return parse_bytes(name, raw, sidecar=sidecar, max_bytes=max_bytes)
