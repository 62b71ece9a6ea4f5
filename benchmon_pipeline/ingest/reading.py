"""Read one result file into Results, or say exactly why it cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

from benchmon_pipeline.ingest.formats import benchmon
from benchmon_pipeline.ingest.result import InvalidResult, Result

MAX_FILE_BYTES = 100 * 1024 * 1024


def read_results(path: Path, *, inside: Path, max_bytes: int = MAX_FILE_BYTES) -> list[Result]:
    if path.is_symlink() and not path.resolve().is_relative_to(inside.resolve()):
        raise InvalidResult("symlink_outside_inbox",
                            f"{path.name} is a link to {path.resolve()}, outside the inbox; "
                            "copy the file in instead")
    size = path.stat().st_size
    if size > max_bytes:
        raise InvalidResult("file_too_large",
                            f"the file is {size:,} bytes; the limit is {max_bytes:,}")
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidResult("empty_file", "the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidResult("not_utf8", f"the file is not UTF-8 text (byte {exc.start} is "
                            f"0x{raw[exc.start]:02x}); save it as UTF-8") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidResult("invalid_json", f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                            f"column {exc.colno}") from exc
    except RecursionError as exc:
        raise InvalidResult("too_deeply_nested", "the JSON is nested too deeply") from exc
    return benchmon.parse(document)
