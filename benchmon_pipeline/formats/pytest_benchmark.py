"""pytest-benchmark JSON (`--benchmark-json`, `--benchmark-autosave`), 2.x to 5.x.

One result per benchmark. The statistics are seconds per call, so lower is better, except
`ops` (calls per second); `rounds` and `iterations` say how the numbers were obtained and
are kept as informational metrics. Legacy 2.x files lack `ops`/`total`/`data`: we emit
what is there rather than inventing values.

`extra_info` (3.1+) holds whatever the user put there beside the timings; its numbers are
metrics of the result. What cannot be stored from it is skipped with a warning, never
refused: a file stored before `extra_info` was read is still stored.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from benchmon_pipeline.formats import fields
from benchmon_pipeline.formats.fields import child
from benchmon_pipeline.formats.metrics import MAX_METRICS, MetricSet
from benchmon_pipeline.results.model import InvalidResult, Result

FORMAT = "pytest_benchmark"
PROVIDER = "pytest-benchmark"
SECONDS = ("min", "max", "mean", "median", "stddev", "iqr")
INFORMATIONAL = ("rounds", "iterations")
STATS = (*SECONDS, "ops", *INFORMATIONAL)
# A params label longer than prompt_version holds keeps this many characters, then "…" and
# the start of the sha256 of the whole: distinct params stay distinct, and equal params
# always get the same label.
PARAMS_KEPT = 440
PARAMS_DIGEST = 16
LISTED_KEYS = 20  # keys named in one warning about skipped extra_info entries


def looks_like(document: Any) -> bool:
    """`benchmarks` beside `machine_info`, or benchmarks that carry `stats` objects."""
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        return False
    if "machine_info" in document:
        return True
    first = document["benchmarks"][0] if document["benchmarks"] else None
    return isinstance(first, dict) and isinstance(first.get("stats"), dict)


def _object(value: Any, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidResult("wrong_type", "expected an object", path)
    return value


def _params(bench: dict, path: str, warnings: list[str]) -> str:
    params = bench.get("params")
    if params in (None, {}):
        return "default"
    where = child(path, "params")
    compact = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(compact) <= fields.DEFAULT_MAX_TEXT:
        return fields.check_text(compact, "prompt_version", where)
    # (no NUL or unpaired surrogate anywhere, as for a short label; only the length differs)
    fields.check_text(compact, "prompt_version", where, limit=len(compact))
    digest = hashlib.sha256(compact.encode()).hexdigest()[:PARAMS_DIGEST]
    label = f"{compact[:PARAMS_KEPT]}…{digest}"
    warnings.append(
        f"{where}: the params are {len(compact):,} characters as JSON, more than the "
        f"{fields.DEFAULT_MAX_TEXT} of prompt_version; the label was shortened to their "
        f"first {PARAMS_KEPT} and a sha256 digest of the whole: …{digest}"
    )
    return label


def _metrics(stats: dict, path: str) -> MetricSet:
    metrics = MetricSet(path)
    for name in STATS:
        where = child(path, name)
        value = fields.number(stats.get(name), name, where)
        if name in SECONDS:
            metrics.add(name, value, where, direction="lower", unit="s")
        elif name == "ops":
            metrics.add(name, value, where, direction="higher", unit="1/s")
        else:
            metrics.add(name, value, where, informational=True)
    return metrics


def _keys(names: list[str]) -> str:
    shown = ", ".join(fields.show(name, 60) for name in names[:LISTED_KEYS])
    more = len(names) - LISTED_KEYS
    return f"{shown} and {more:,} more" if more > 0 else shown


def _extra_info(extra: Any, path: str, metrics: MetricSet) -> None:
    """Numbers of `extra_info` as metrics without a direction (the name rule decides)."""
    if extra is None:
        return
    if not isinstance(extra, dict):
        metrics.warnings.append(f"{path}: {fields.show(extra)} is not an object; not read")
        return
    not_numbers, stats_names, over_limit = [], [], []
    for key, value in extra.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            not_numbers.append(key)
        elif key in STATS:
            stats_names.append(key)
        elif over_limit:
            over_limit.append(key)
        elif not metrics.add_plain(key, value):
            where = child(path, key)
            try:  # non-finite values are dropped with a warning, as in stats
                metrics.add(key, fields.number(value, key, where), where)
            except InvalidResult as error:  # a name that cannot be a metric's, or too many
                if error.error_code == "too_many_metrics":
                    over_limit.append(key)
                else:
                    metrics.warnings.append(f"{where}: {error.message}; not stored")
    for names, why in (
        (stats_names, "the stats give a metric of the same name"),
        (not_numbers, "not numbers"),
        (over_limit, f"past the {MAX_METRICS:,} metrics of a result"),
    ):
        if names:
            metrics.warnings.append(f"{path}: not stored ({why}): {_keys(names)}")


def _result(bench: Any, path: str, context: dict) -> Result:
    if not isinstance(bench, dict):
        raise InvalidResult("wrong_type", "a benchmark must be an object", path)
    name_key = "fullname" if bench.get("fullname") is not None else "name"
    stats = bench.get("stats")
    if not isinstance(stats, dict):
        raise InvalidResult(
            "missing_field" if stats is None else "wrong_type",
            "a benchmark needs a 'stats' object",
            child(path, "stats"),
        )
    group = fields.text(bench.get("group"), "dataset_version", child(path, "group"))
    model = fields.text(bench.get(name_key), "model_version", child(path, name_key), required=True)
    warnings: list[str] = []
    prompt = _params(bench, path, warnings)
    metrics = _metrics(stats, child(path, "stats"))
    metrics.warnings.extend(warnings)
    _extra_info(bench.get("extra_info"), child(path, "extra_info"), metrics)
    return Result(
        model_version=model,
        dataset_version=group or "default",
        prompt_version=prompt,
        model_provider=PROVIDER,
        **context,
        **metrics.fields(),
    )


def adapt(document: dict, direction: str | None = None) -> tuple[list[Result], list[str]]:
    commit = _object(document.get("commit_info"), "$.commit_info")
    machine = _object(document.get("machine_info"), "$.machine_info")
    node = fields.text(machine.get("node"), "notes", "$.machine_info.node")
    context = {
        "created_at": fields.timestamp(document.get("datetime"), "$.datetime"),
        "commit_sha": fields.text(commit.get("id"), "commit_sha", "$.commit_info.id"),
        "branch_name": fields.text(commit.get("branch"), "branch_name", "$.commit_info.branch"),
        "notes": fields.notes(
            [
                f"machine: {node}" if node else "",
                "dirty working tree" if commit.get("dirty") is True else "",
            ],
            "$.machine_info",
        ),
    }
    benchmarks = document["benchmarks"]
    if not benchmarks:
        raise InvalidResult("no_results", "the file holds no benchmarks", "$.benchmarks")
    return [_result(b, child("$.benchmarks", i), context) for i, b in enumerate(benchmarks)], []
