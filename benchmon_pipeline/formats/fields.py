"""Field checks every adapter shares, so a bad value is reported the same way in every format.

Each check raises `InvalidResult` naming the JSON path of the value inside the file, so a
user can find it; the limits are those of the columns the values end up in (PostgreSQL
`text` cannot hold NUL characters, and nothing useful is 10,000 characters of model name).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from benchmon_pipeline.results.model import InvalidResult, storable

DEFAULT_MAX_TEXT = 500
MAX_TEXT = {"notes": 10_000}
MAX_TAG = 100
MAX_TAGS = 50
DIRECTIONS = ("higher", "lower")
# Timestamps outside this window are typing mistakes (seconds given as ms, a year 0 ...).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
EPOCH_MS_THRESHOLD = 1e11  # 1e11 s is the year 5138; any larger epoch number is milliseconds
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def child(path: str, key: str | int) -> str:
    """`$.results` + `f1` → `$.results.f1`; keys that are not identifiers get `["…"]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{storable(json.dumps(key, ensure_ascii=False))}]"


def show(value: Any, limit: int = 80) -> str:
    """A short rendering of a bad value for an error message."""
    try:
        rendered = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        rendered = repr(value)
    # (an unpaired surrogate is shown as its escape: the message goes to the database)
    rendered = storable(rendered)
    return rendered if len(rendered) <= limit else rendered[: limit - 1] + "…"


def check_text(value: str, name: str, path: str, limit: int | None = None) -> str:
    """A string the database can store: bounded length, no NUL, valid Unicode."""
    limit = limit or MAX_TEXT.get(name, DEFAULT_MAX_TEXT)
    if len(value) > limit:
        raise InvalidResult(
            "too_long", f"{name!r} is {len(value):,} characters; the limit is {limit:,}", path
        )
    if "\x00" in value:
        raise InvalidResult(
            "invalid_text",
            f"{name!r} contains a NUL character (\\u0000), which cannot be stored",
            path,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidResult(
            "invalid_text",
            f"{name!r} contains an unpaired surrogate "
            f"({show(value[exc.start : exc.end])}); it is not valid Unicode",
            path,
        ) from exc
    return value


def plain_text(value: Any, name: str, *, required: bool = False) -> bool:
    """True when `text(value, name, …)` (no explicit limit) would return `value` as it is:
    an ASCII str within the limit, without NUL, not blank when required. The common case,
    decided without building the JSON path that only an error message needs."""
    return (
        type(value) is str
        and len(value) <= MAX_TEXT.get(name, DEFAULT_MAX_TEXT)
        and value.isascii()
        and "\x00" not in value
        and (not required or bool(value.strip()))
    )


def text(
    value: Any, name: str, path: str, *, required: bool = False, limit: int | None = None
) -> str | None:
    """An optional (or required, non-blank) string field."""
    if value is None:
        if required:
            raise InvalidResult("missing_field", f"required field {name!r} is missing", path)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidResult(
            "wrong_type", f"{name!r} must be a non-empty string, not {show(value)}", path
        )
    return check_text(value, name, path, limit)


def number(value: Any, name: str, path: str, *, strings: bool = False) -> float | int | None:
    """A JSON number, `None` when absent or "N/A"; numeric strings only where allowed.

    NaN and ±Infinity are returned as they are: whether they are dropped (metrics) or
    refused (durations) is the caller's decision. Integers too large for a float (309
    digits and more) become ±Infinity, which is what they are for every practical purpose:
    a metric is then dropped with a warning, a duration or timestamp refused.
    """
    if value is None or (isinstance(value, str) and value.strip().upper() == "N/A"):
        return None
    if isinstance(value, str) and strings:
        try:
            return float(value.strip())
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float):
        allowed = "a number" + (" or a numeric string" if strings else "")
        raise InvalidResult("wrong_type", f"{name!r} must be {allowed}, not {show(value)}", path)
    if isinstance(value, int) and abs(value) <= 2**53:
        return value  # exact; stored as the integer it is
    try:
        return float(value)
    except OverflowError:  # (math.copysign would convert the integer, and overflow again)
        return math.inf if value > 0 else -math.inf


def duration(value: Any, path: str, *, strings: bool = False) -> float | None:
    seconds = number(value, "duration_seconds", path, strings=strings)
    if seconds is not None and (not math.isfinite(seconds) or seconds < 0):
        raise InvalidResult(
            "wrong_type",
            f"'duration_seconds' must be a non-negative finite number, not {show(value)}",
            path,
        )
    return seconds


def timestamp(value: Any, path: str, name: str = "created_at") -> datetime | None:
    """Epoch seconds or milliseconds, or ISO 8601 with or without a zone; always UTC.

    A timestamp without a zone is UTC (docs/formats.md, "How the format is detected"), which
    is what the tools that write naive timestamps (pytest-benchmark, Google Benchmark) mean
    more often than not.
    """
    if value is None:
        return None
    parsed = None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                seconds = value / 1000 if abs(value) >= EPOCH_MS_THRESHOLD else value
                parsed = datetime.fromtimestamp(seconds, UTC)
        elif isinstance(value, str) and value.strip():
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            parsed = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        parsed = None
    if parsed is None:
        raise InvalidResult(
            "bad_timestamp",
            f"{name} {show(value)} is not an ISO-8601 "
            "timestamp or a number of epoch seconds or milliseconds",
            path,
        )
    if not EARLIEST <= parsed < LATEST:
        raise InvalidResult(
            "bad_timestamp",
            f"{name} {show(value)} is {parsed.isoformat()}, "
            f"outside {EARLIEST.year}–{LATEST.year}; check its unit",
            path,
        )
    return parsed


def tags(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InvalidResult("wrong_type", "'tags' must be a list of strings", path)
    if len(value) > MAX_TAGS:
        raise InvalidResult("too_long", f"{len(value)} tags; the limit is {MAX_TAGS}", path)
    return tuple(check_text(t, "tag", child(path, i), MAX_TAG) for i, t in enumerate(value))


def direction(value: Any, name: str, path: str) -> str:
    if value not in DIRECTIONS:
        raise InvalidResult(
            "bad_direction",
            f'the direction of {name!r} must be "higher" or "lower", not {show(value)}',
            path,
        )
    return value


def notes(lines: list[str], path: str) -> str | None:
    """Join adapter-made note lines; `None` when there is nothing worth keeping."""
    kept = [line for line in lines if line]
    return check_text("\n".join(kept), "notes", path) if kept else None
