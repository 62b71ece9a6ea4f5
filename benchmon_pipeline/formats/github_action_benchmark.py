"""github-action-benchmark: its custom JSON, and its `data.js` history file.

The custom JSON (`[{name, unit, value, range?, extra?}]`) does not say whether bigger is
better: the user tells the action with `tool: customBiggerIsBetter|customSmallerIsBetter`.
A dropped file has no such flag, so the direction must come from the file name or from a
sidecar `<file>.benchmon.json` ({"direction": "higher"|"lower"}); guessing would make
every regression check on the series wrong, so without a hint the file is refused.
A file is recognised as custom JSON even when an item lacks its `value`, so that the
item is refused for what it lacks; `unit` is optional, as it is for the action.
The history (`window.BENCHMARK_DATA = {...}`, what the action commits to gh-pages) holds
every run of every suite with its `tool`, from which the direction follows exactly as the
action itself decides it.
"""

from __future__ import annotations

import re
from typing import Any

from benchmon_pipeline.formats import fields
from benchmon_pipeline.formats.fields import child
from benchmon_pipeline.formats.metrics import MetricSet
from benchmon_pipeline.results.model import InvalidResult, Result

CUSTOM, HISTORY = "github_action_benchmark", "github_action_benchmark_history"
PROVIDER = "github-action-benchmark"
METRIC = "value"
TOOL_DIRECTIONS = {
    **dict.fromkeys(("customBiggerIsBetter", "benchmarkjs", "pytest"), "higher"),
    **dict.fromkeys(
        (
            "customSmallerIsBetter",
            "go",
            "cargo",
            "benchmarkluau",
            "googlecpp",
            "catch2",
            "julia",
            "jmh",
            "benchmarkdotnet",
        ),
        "lower",
    ),
}
_NAME_HINTS = (("custombiggerisbetter", "higher"), ("customsmallerisbetter", "lower"))


def looks_like_custom(document: Any) -> bool:
    """A non-empty list of {name, value, …} objects (benchmon's list items have `metrics`);
    one item without `value` is still this format's, and refused for the missing value."""
    return (
        isinstance(document, list)
        and bool(document)
        and all(
            isinstance(item, dict) and "name" in item and "metrics" not in item for item in document
        )
        and any(METRIC in item for item in document)
    )


def looks_like_history(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("entries"), dict)
        and ("lastUpdate" in document or "repoUrl" in document)
    )


def name_direction(name: str) -> str | None:
    """`…customBiggerIsBetter…` / `…customSmallerIsBetter…` in the file's own name."""
    base = re.split(r"[\\/]", name)[-1].lower()
    found = {direction for hint, direction in _NAME_HINTS if hint in base}
    if len(found) > 1:
        raise InvalidResult(
            "conflicting_direction",
            f"the file name {base!r} says both bigger and smaller is better; rename it",
            None,
        )
    return found.pop() if found else None


def _bench(item: Any, path: str, direction: str, extra_notes: list[str]) -> dict:
    """The configuration and metrics of one {name, unit, value, range?, extra?} item."""
    if not isinstance(item, dict):
        raise InvalidResult("wrong_type", "a benchmark must be an object", path)
    unit = fields.text(item.get("unit"), "unit", child(path, "unit"), limit=100)
    value_path = child(path, METRIC)
    if METRIC not in item:
        raise InvalidResult(
            "missing_field",
            f"required field {METRIC!r} is missing: every benchmark needs its number",
            value_path,
        )
    metrics = MetricSet(path)
    metrics.add(
        METRIC,
        fields.number(item.get(METRIC), METRIC, value_path),
        value_path,
        direction=direction,
        unit=unit,
    )
    spread, extra = item.get("range"), item.get("extra")
    if spread is not None and (
        isinstance(spread, bool) or not isinstance(spread, str | int | float)
    ):
        raise InvalidResult(
            "wrong_type", "'range' must be a string or a number", child(path, "range")
        )
    return {
        "model_version": fields.text(
            item.get("name"), "model_version", child(path, "name"), required=True
        ),
        "model_provider": PROVIDER,
        "notes": fields.notes(
            [
                f"unit: {unit}" if unit else "",
                f"range: {spread if isinstance(spread, str) else fields.show(spread)}"
                if spread is not None
                else "",
                f"extra: {extra if isinstance(extra, str) else fields.show(extra, 5_000)}"
                if extra is not None
                else "",
                *extra_notes,
            ],
            path,
        ),
        **metrics.fields(),
    }


def adapt_custom(document: list, direction: str | None) -> tuple[list[Result], list[str]]:
    if direction is None:
        raise InvalidResult(
            "missing_direction",
            "a github-action-benchmark custom file does "
            "not say whether bigger or smaller is better: put "
            "customBiggerIsBetter or customSmallerIsBetter in its name, or "
            'add a sidecar <file>.benchmon.json with {"direction": "higher"} '
            'or {"direction": "lower"}',
            "$",
        )
    return [
        Result(
            dataset_version="default",
            prompt_version="default",
            **_bench(item, child("$", i), direction, []),
        )
        for i, item in enumerate(document)
    ], []


def _run(suite: str, run: Any, path: str, fallback: str | None) -> list[Result]:
    if not isinstance(run, dict):
        raise InvalidResult("wrong_type", "a history entry must be an object", path)
    tool = run.get("tool")
    direction = TOOL_DIRECTIONS.get(tool) if isinstance(tool, str) else None
    if direction is None and fallback is None:
        raise InvalidResult(
            "unknown_tool",
            f"tool {fields.show(tool)} is not one whose "
            "direction is known; give it in a sidecar <file>.benchmon.json "
            '({"direction": "higher"|"lower"})',
            child(path, "tool"),
        )
    commit = run.get("commit") or {}
    if not isinstance(commit, dict):
        raise InvalidResult("wrong_type", "'commit' must be an object", child(path, "commit"))
    date = run.get("date")
    created_at = (
        fields.timestamp(date, child(path, "date"))
        if date is not None
        else fields.timestamp(commit.get("timestamp"), f"{path}.commit.timestamp")
    )
    benches = run.get("benches")
    if not isinstance(benches, list):
        raise InvalidResult(
            "missing_field" if benches is None else "wrong_type",
            "a history entry needs a 'benches' list",
            child(path, "benches"),
        )
    url = fields.text(commit.get("url"), "notes", f"{path}.commit.url")
    context = {
        "dataset_version": fields.check_text(suite, "dataset_version", path),
        "prompt_version": "default",
        "created_at": created_at,
        "commit_sha": fields.text(commit.get("id"), "commit_sha", f"{path}.commit.id"),
    }
    extra_notes = [
        f"tool: {tool}" if isinstance(tool, str) else "",
        f"commit: {url}" if url else "",
    ]
    return [
        Result(
            **context,
            **_bench(item, child(child(path, "benches"), k), direction or fallback, extra_notes),
        )
        for k, item in enumerate(benches)
    ]


def adapt_history(document: dict, direction: str | None) -> tuple[list[Result], list[str]]:
    out: list[Result] = []
    for suite, runs in document["entries"].items():
        path = child("$.entries", suite)
        if not isinstance(runs, list):
            raise InvalidResult("wrong_type", "a suite must be a list of runs", path)
        for j, run in enumerate(runs):
            out.extend(_run(suite, run, child(path, j), direction))
    if not out:
        raise InvalidResult("no_results", "the history holds no benchmark results", "$.entries")
    return out, []
