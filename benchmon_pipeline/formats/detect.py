"""Which format a parsed document is in, decided from its shape alone.

Users drop files from tools we did not write and do not rename them, so the format is
recognised by the keys each tool always writes, tried in a fixed order from the most
specific shape to the most general (docs/formats.md lists the rules):

1. github-action-benchmark history: an object with `entries` (object) and `lastUpdate`
   or `repoUrl` — what `data.js` holds once `window.BENCHMARK_DATA =` is stripped.
2. lm-evaluation-harness: `results` is an object (of tasks) beside `versions`, `config`,
   `higher_is_better`, `n-shot` or `group_subtasks`, or holding only objects.
3. pytest-benchmark: `benchmarks` (list) beside `machine_info`, or benchmarks with `stats`.
4. Google Benchmark: `benchmarks` (list) beside `context` (object).
5. github-action-benchmark custom JSON: a non-empty list of objects that all have `name`,
   none `metrics`, and at least one `value` (one without is refused for that value).
6. benchmon: a list, or an object with `results`, `metrics` or a configuration field
   (a `results` that is not a list is then reported as a wrong type, not as unknown).

Anything else is `unknown_format`. Only the custom format needs the file name or the
sidecar (for its direction); the history uses the sidecar only for unknown tools.
"""

from __future__ import annotations

from typing import Any

from benchmon_pipeline.formats import (
    benchmon,
    google_benchmark,
    lm_eval,
    pytest_benchmark,
)
from benchmon_pipeline.formats import github_action_benchmark as gab
from benchmon_pipeline.formats.fields import direction as check_direction
from benchmon_pipeline.formats.fields import show
from benchmon_pipeline.results.model import InvalidResult, ParsedFile

SIDECAR_SUFFIX = ".benchmon.json"
SIDECAR_FIELDS = ("direction",)
# (format name, does the document look like it, adapter). Every adapter takes (document,
# direction hint) and returns (results, file-level warnings); only github-action-benchmark
# uses the hint, the other formats state the direction of each metric themselves.
FORMATS = (
    (gab.HISTORY, gab.looks_like_history, gab.adapt_history),
    (lm_eval.FORMAT, lm_eval.looks_like, lm_eval.adapt),
    (pytest_benchmark.FORMAT, pytest_benchmark.looks_like, pytest_benchmark.adapt),
    (google_benchmark.FORMAT, google_benchmark.looks_like, google_benchmark.adapt),
    (gab.CUSTOM, gab.looks_like_custom, gab.adapt_custom),
    (benchmon.FORMAT, benchmon.looks_like, benchmon.adapt),
)
USES_DIRECTION_HINT = (gab.CUSTOM, gab.HISTORY)


def detect(document: Any) -> str:
    """The name of the document's format; `InvalidResult("unknown_format")` if none fits."""
    for name, looks_like, _ in FORMATS:
        if looks_like(document):
            return name
    kind = type(document).__name__ if not isinstance(document, dict) else "object"
    raise InvalidResult(
        "unknown_format",
        f"the file is a JSON {kind} that matches no known "
        "format (benchmon, lm-evaluation-harness, pytest-benchmark, Google "
        "Benchmark, github-action-benchmark); see docs/formats.md",
        "$",
    )


def sidecar_direction(sidecar: Any) -> str | None:
    """The direction a sidecar states; it holds {"direction": "higher"|"lower"} only."""
    if sidecar is None:
        return None
    if not isinstance(sidecar, dict):
        raise InvalidResult(
            "invalid_sidecar", 'the sidecar must be an object like {"direction": "higher"}', "$"
        )
    unknown = [key for key in sidecar if key not in SIDECAR_FIELDS]
    if unknown:
        raise InvalidResult(
            "invalid_sidecar",
            f"the sidecar has unknown field(s) "
            f"{', '.join(map(show, unknown))}; only 'direction' is read",
            "$",
        )
    if "direction" not in sidecar:
        return None
    try:
        return check_direction(sidecar["direction"], "the sidecar", "$.direction")
    except InvalidResult as exc:
        raise InvalidResult("invalid_sidecar", exc.message, exc.json_path) from exc


def _direction_hint(name: str, sidecar: Any) -> str | None:
    from_name, from_sidecar = gab.name_direction(name), sidecar_direction(sidecar)
    if from_name and from_sidecar and from_name != from_sidecar:
        raise InvalidResult(
            "conflicting_direction",
            f"the file name says {from_name!r} is better but its sidecar says {from_sidecar!r}",
            None,
        )
    return from_name or from_sidecar


def parse_document(name: str, document: Any, sidecar: dict | None = None) -> ParsedFile:
    """Detect the format of an already-parsed document and map it to Results.

    `name` is the file's name (relative path is fine); only its base name is read, for
    a direction hint. `sidecar` is the parsed `<file>.benchmon.json`, if there is one.
    Raises `InvalidResult` (error_code, message, json_path) when the file cannot be used.
    """
    fmt = detect(document)
    adapter = next(adapt for fmt_name, _, adapt in FORMATS if fmt_name == fmt)
    notices: list[str] = []
    if fmt in USES_DIRECTION_HINT:
        hint = _direction_hint(name, sidecar)
    else:
        hint = None
        if sidecar_direction(sidecar):
            notices.append(
                f"$: the sidecar's direction was ignored: {fmt} files state the "
                "direction of each metric themselves"
            )
    results, warnings = adapter(document, hint)
    warnings = [*notices, *warnings]
    return ParsedFile(
        format=fmt, results=results, warnings=[*warnings, *(w for r in results for w in r.warnings)]
    )
