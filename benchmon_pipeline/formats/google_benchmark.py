"""Google Benchmark JSON (`--benchmark_format=json` / `--benchmark_out`).

One result per benchmark run name. Times are converted to nanoseconds whatever
`time_unit` says, so one series keeps one unit even if the unit flag changes; they are
lower-is-better. With `--benchmark_repetitions` the aggregate rows (mean, median,
stddev, cv) become metrics of their base run (`real_time_median` …) instead of results of
their own, and the repetitions are summarised by the mean, so a configuration gets one
result per file, not one per repetition.

Files of 1.4.1 and older have no `run_type`: their aggregates are named `<run>_mean`,
`_median`, `_stddev`, and are read by that suffix as the newer layout's aggregates, so a
series keeps its name across a library upgrade. Complexity rows (`->Complexity()`: BigO,
RMS) describe a whole family, not a run, and hold no time of their own; they are skipped
with a warning in both layouts. Before 1.5.2 the date was `strftime("%x %X")` on Windows,
which the library (it never sets a locale) writes month first: `05/02/24 10:11:12`.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from benchmon_pipeline.formats import fields
from benchmon_pipeline.formats.fields import child
from benchmon_pipeline.formats.metrics import MetricSet
from benchmon_pipeline.results.model import InvalidResult, Result

FORMAT = "google_benchmark"
PROVIDER = "google-benchmark"
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
TIMES = ("real_time", "cpu_time")
# Row fields that are not user counters.
NOT_COUNTERS = {
    "name",
    "run_name",
    "run_type",
    "family_index",
    "per_family_instance_index",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "label",
    "big_o",
    "rms",
    "cpu_coefficient",
    "real_coefficient",
    "skipped",
    "skip_message",
}
SPREAD = ("stddev", "cv")  # aggregates that describe noise, not the counter itself
# What 1.4.1 and older append to a run's name for its aggregates (there is no run_type).
OLD_AGGREGATES = ("mean", "median", "stddev")
COMPLEXITY = ("bigo", "rms")
# `%x %X` in the C locale (what Windows builds before 1.5.2 write): MM/DD/YY HH:MM:SS.
_C_LOCALE_DATE = re.compile(r"\d\d/\d\d/\d\d \d\d:\d\d:\d\d\Z")
# `%x %X` after the program set a locale of its own: which field is the day is unknowable.
_LOCALE_DATE = re.compile(r"\d{1,4}[./]\d{1,2}[./]\d{1,4},? \d{1,2}:\d\d(:\d\d)?( ?[AP]M)?\Z")


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("context"), dict)
        and isinstance(document.get("benchmarks"), list)
    )


def _complexity(row: dict) -> str | None:
    """'BigO' or 'RMS' for a complexity row (any layout), else None."""
    name = row.get("aggregate_name")
    if isinstance(name, str) and name.lower() in COMPLEXITY:
        return name
    if "big_o" in row or "real_coefficient" in row:
        return "BigO"
    return "RMS" if "rms" in row else None


def _old_aggregates(benchmarks: list) -> dict[int, tuple[str, str]]:
    """{row index: (run name, aggregate)} of the `<run>_mean` rows of a ≤ 1.4.1 file.

    A suffix alone is not proof (a benchmark may be called `BM_running_mean`): the row
    counts as an aggregate when its run has rows of its own in the file, or when the file
    has another aggregate of that run (`--benchmark_report_aggregates_only`).
    """
    names = [
        row.get("name") if isinstance(row, dict) and "run_type" not in row else None
        for row in benchmarks
    ]
    present = {name for name in names if isinstance(name, str)}
    found = {}
    for i, name in enumerate(names):
        if not isinstance(name, str):
            continue
        run, _, aggregate = name.rpartition("_")
        if (
            run
            and aggregate in OLD_AGGREGATES
            and (run in present or sum(f"{run}_{a}" in present for a in OLD_AGGREGATES) > 1)
        ):
            found[i] = (run, aggregate)
    return found


def _rows(benchmarks: list, warnings: list[str]) -> dict[str, dict[str, list]]:
    """Rows grouped by run name: {'iteration': [(path, row)], 'aggregate': [...]}."""
    runs: dict[str, dict[str, list]] = {}
    old_aggregates = _old_aggregates(benchmarks)
    for i, row in enumerate(benchmarks):
        path = child("$.benchmarks", i)
        if not isinstance(row, dict):
            raise InvalidResult("wrong_type", "a benchmark must be an object", path)
        if row.get("error_occurred") or row.get("skipped"):
            message = row.get("error_message") or row.get("skip_message") or "no message"
            warnings.append(
                f"{path}: the benchmark reported an error ({fields.show(message)})"
                " and was not stored"
            )
            continue
        complexity = _complexity(row)
        if complexity:
            warnings.append(
                f"{path}: complexity aggregate {complexity} ({fields.show(row.get('name'))})"
                " not stored: it describes the family, not one run"
            )
            continue
        if i in old_aggregates:
            name, aggregate = old_aggregates[i]
            row = {**row, "aggregate_name": aggregate}  # (the newer layout's field)
            kind = "aggregate"
        else:
            name = row.get("run_name") or row.get("name")
            kind = "aggregate" if row.get("run_type") == "aggregate" else "iteration"
        fields.text(name, "model_version", child(path, "name"), required=True)
        runs.setdefault(name, {"iteration": [], "aggregate": []})[kind].append((path, row))
    return runs


def _created_at(value: Any, warnings: list[str]) -> datetime | None:
    """`context.date`: ISO 8601, or the `%x %X` of Windows builds before 1.5.2."""
    path = "$.context.date"
    if isinstance(value, str) and _C_LOCALE_DATE.match(value.strip()):
        try:
            parsed = datetime.strptime(value.strip(), "%m/%d/%y %H:%M:%S")  # noqa: DTZ007
        except ValueError:
            parsed = None  # not month first: the program set a locale of its own
        if parsed is not None:
            return fields.timestamp(parsed.isoformat(), path)
    try:
        return fields.timestamp(value, path)
    except InvalidResult:
        if not (isinstance(value, str) and _LOCALE_DATE.match(value.strip())):
            raise
    warnings.append(
        f"{path}: the date {fields.show(value)} is written in a locale's own form, which"
        " does not say whether the day or the month comes first; it was not stored"
        " (the results take the ingest time)"
    )
    return None


def _scale(row: dict, path: str) -> float:
    unit = row.get("time_unit", "ns")
    if not isinstance(unit, str) or unit not in TO_NS:
        raise InvalidResult(
            "bad_unit",
            f"time_unit {fields.show(unit)} is not one of {', '.join(TO_NS)}",
            child(path, "time_unit"),
        )
    return TO_NS[unit]


def _check_time(value: Any, key: str, path: str) -> int | float:
    """A time must be a number: `"real_time": "fast"` is refused, never dropped unseen."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidResult(
            "wrong_type", f"{key!r} must be a number, not {fields.show(value)}", child(path, key)
        )
    return value


def _add_row(metrics: MetricSet, row: dict, path: str, suffix: str, spread: bool) -> None:
    """The times and counters of one row; `suffix` is '' or '_<aggregate>'."""
    ratio = row.get("aggregate_unit") == "percentage" or suffix == "_cv"
    scale = 1.0 if ratio else _scale(row, path)
    for key, value in row.items():
        if key in NOT_COUNTERS and key not in TIMES:
            continue
        if key in TIMES and value is not None:
            _check_time(value, key, path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # labels and other strings
        where = child(path, key)
        if key in TIMES:
            metrics.add(
                f"{key}{suffix}",
                fields.number(value, key, where) * scale,
                where,
                direction="lower",
                unit=None if ratio else "ns",
            )
        else:
            metrics.add(
                f"{key}{suffix}", fields.number(value, key, where), where, informational=spread
            )


def _mean_of(rows: list, path: str, metrics: MetricSet) -> None:
    """Repetitions without a mean aggregate: store their mean, and say so."""
    for key in TIMES:
        values = [
            fields.number(_check_time(r[key], key, p), key, child(p, key)) * _scale(r, p)
            for p, r in rows
            if r.get(key) is not None
        ]
        if values:
            # (fsum refuses +inf beside -inf; plain sum makes it NaN, dropped with a warning)
            total = math.fsum(values) if all(map(math.isfinite, values)) else sum(values)
            metrics.add(key, total / len(values), path, direction="lower", unit="ns")
    metrics.warnings.append(
        f"{path}: {len(rows)} repetitions without a mean aggregate; their mean was stored"
    )


def _result(name: str, rows: dict[str, list], context: dict) -> Result:
    iterations, aggregates = rows["iteration"], rows["aggregate"]
    path = (iterations or aggregates)[0][0]
    metrics = MetricSet(path)
    by_name = {str(r.get("aggregate_name")): (p, r) for p, r in aggregates}
    if len(iterations) == 1:
        _add_row(metrics, iterations[0][1], iterations[0][0], "", spread=False)
        metrics.add(
            "iterations",
            fields.number(iterations[0][1].get("iterations"), "iterations", path),
            child(path, "iterations"),
            informational=True,
        )
    elif "mean" in by_name:
        _add_row(metrics, by_name["mean"][1], by_name["mean"][0], "", spread=False)
    elif iterations:
        _mean_of(iterations, path, metrics)
    if len(iterations) > 1:
        metrics.add("repetitions", float(len(iterations)), path, informational=True)
    for aggregate, (agg_path, row) in by_name.items():
        _add_row(metrics, row, agg_path, f"_{aggregate}", spread=aggregate in SPREAD)
    return Result(
        model_version=name,
        dataset_version="default",
        prompt_version="default",
        model_provider=PROVIDER,
        **context,
        **metrics.fields(),
    )


def adapt(document: dict, direction: str | None = None) -> tuple[list[Result], list[str]]:
    context_obj = document["context"]
    host = fields.text(context_obj.get("host_name"), "notes", "$.context.host_name")
    warnings: list[str] = []
    context = {
        "created_at": _created_at(context_obj.get("date"), warnings),
        "notes": fields.notes([f"host: {host}" if host else ""], "$.context"),
    }
    runs = _rows(document["benchmarks"], warnings)
    if not runs:
        raise InvalidResult(
            "no_results",
            "the file holds no benchmark results (none, or only ones that reported an error,"
            " or only complexity rows)",
            "$.benchmarks",
        )
    return [_result(name, rows, context) for name, rows in runs.items()], warnings
