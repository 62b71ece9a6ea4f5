"""benchmon's own format: one result object, a list of them, or {"results": [...]}.

See examples/sample_benchmark_results.json and docs/schema/benchmon-result.schema.json.
Configuration fields are required; context fields (environment, commit_sha, branch_name,
run_id, triggered_by, tags, notes, duration_seconds, created_at, directions) are optional
and may also be given once at the top level of a {"results": [...]} document, where they
apply to every result that lacks them. Unknown fields are ignored with a warning, because a
misspelt "enviroment" would otherwise silently put a result in the wrong environment.
"""

from __future__ import annotations

import json
import math
from typing import Any

from benchmon_pipeline.formats import fields
from benchmon_pipeline.formats.fields import child
from benchmon_pipeline.formats.metrics import MAX_METRIC_NAME, MAX_METRICS, MetricSet
from benchmon_pipeline.results.model import InvalidResult, Result

FORMAT = "benchmon"
CONFIGURATION_FIELDS = ("model_version", "dataset_version", "prompt_version")
TEXT_FIELDS = (
    "environment",
    "model_provider",
    "commit_sha",
    "branch_name",
    "run_id",
    "triggered_by",
    "notes",
)
CONTEXT_FIELDS = (*TEXT_FIELDS, "tags", "duration_seconds", "created_at", "directions")
# Every field a result object may have, and every field of a {"results": [...]} document:
# the published JSON Schema lists exactly these (a test keeps them in step).
RESULT_FIELDS = (*CONFIGURATION_FIELDS, *CONTEXT_FIELDS, "metrics")
DOCUMENT_FIELDS = ("results", *CONTEXT_FIELDS)
MAX_TEXT = fields.MAX_TEXT
DEFAULT_MAX_TEXT = fields.DEFAULT_MAX_TEXT
_RESULT_FIELD_SET = frozenset(RESULT_FIELDS)
_CONTEXT_FIELD_SET = frozenset(CONTEXT_FIELDS)
_EXACT_INT = 2**53


def looks_like(document: Any) -> bool:
    """An object naming a configuration field or metrics, a list, or {"results": [...]}."""
    if isinstance(document, list):
        return True
    if not isinstance(document, dict):
        return False
    return any(name in document for name in ("results", *CONFIGURATION_FIELDS, "metrics"))


def parse(document: Any) -> list[Result]:
    """The results of a benchmon document (warnings are on each result)."""
    return adapt(document)[0]


def adapt(document: Any, direction: str | None = None) -> tuple[list[Result], list[str]]:
    """(results, file-level warnings) of a benchmon document."""
    if isinstance(document, list):
        items, shared, base, warnings = document, {}, "$", []
    elif isinstance(document, dict) and "results" in document:
        if not isinstance(document["results"], list):
            raise InvalidResult(
                "wrong_type", '"results" must be a list of result objects', "$.results"
            )
        items = document["results"]
        shared = {k: document[k] for k in CONTEXT_FIELDS if k in document}
        base = "$.results"
        warnings = _unknown(document, DOCUMENT_FIELDS, "$")
    elif isinstance(document, dict):
        return [_result({**document}, "$")], []
    else:
        raise InvalidResult(
            "wrong_type", 'expected a result object, a list of results, or {"results": [...]}', "$"
        )
    if not items:
        raise InvalidResult("no_results", "the file holds no results", base)
    context = _plain_context(shared)  # the shared fields, checked once for every result
    results = [_result(item, child(base, i), shared, context) for i, item in enumerate(items)]
    return results, warnings


def _unknown(item: dict, known: tuple[str, ...], path: str) -> list[str]:
    return [
        f"{child(path, name)}: unknown field {name!r} was ignored"
        for name in item
        if name not in known
    ]


def _metrics(item: dict, path: str) -> MetricSet:
    if "metrics" not in item:
        raise InvalidResult(
            "missing_field", "required field 'metrics' is missing", f"{path}.metrics"
        )
    raw = item["metrics"]
    if not isinstance(raw, dict):
        raise InvalidResult(
            "wrong_type", "'metrics' must be an object of {name: number}", f"{path}.metrics"
        )
    directions = item.get("directions") or {}
    if not isinstance(directions, dict):
        raise InvalidResult(
            "wrong_type",
            '\'directions\' must be an object of {metric: "higher" | "lower"}',
            f"{path}.directions",
        )
    metrics = MetricSet(f"{path}.metrics")
    for name, value in raw.items():
        if name not in directions and metrics.add_plain(name, value):
            continue
        where = child(f"{path}.metrics", name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidResult(
                "metric_not_a_number",
                f"metric {name!r} is {json.dumps(value)[:80]}; metrics must be numbers",
                where,
            )
        stated = directions.get(name)
        if stated is not None:
            stated = fields.direction(stated, name, child(f"{path}.directions", name))
        metrics.add(name, fields.number(value, name, where), where, direction=stated)
    metrics.warnings.extend(
        f"{child(f'{path}.directions', name)}: no metric {name!r}; direction ignored"
        for name in directions
        if name not in raw
    )
    return metrics


def _text(item: dict, name: str, path: str, *, required: bool = False) -> str | None:
    """`fields.text` of item[name], with the JSON path built only when it is needed."""
    value = item.get(name)
    if value is None and not required:
        return None
    if fields.plain_text(value, name, required=required):
        return value
    return fields.text(value, name, child(path, name), required=required)


def _result(
    item: Any, path: str, shared: dict | None = None, context: dict | None = None
) -> Result:
    """The result of one item; `shared`: a document's context fields (the item's own win),
    and `context` their values when `_plain_context` found them plain."""
    if not isinstance(item, dict):
        raise InvalidResult("wrong_type", "a result must be a JSON object", path)
    if context is not None and item.keys().isdisjoint(_CONTEXT_FIELD_SET):
        plain = _plain_result(item, context)  # (the shared fields were judged once)
        merged = {**shared, **item} if shared and plain is None else item
    else:
        merged = {**shared, **item} if shared else item
        plain = _plain_result(merged)
    return plain if plain is not None else _checked_result(merged, path)


def _checked_result(item: dict, path: str) -> Result:
    """Every field checked, every problem reported with its JSON path."""
    config = {name: _text(item, name, path, required=True) for name in CONFIGURATION_FIELDS}
    context = {name: _text(item, name, path) for name in TEXT_FIELDS}
    metrics = _metrics(item, path)
    found = metrics.fields()
    found["warnings"] = (*_unknown(item, RESULT_FIELDS, path), *found["warnings"])
    return Result(
        **config,
        **context,
        **found,
        created_at=fields.timestamp(item.get("created_at"), f"{path}.created_at"),
        tags=fields.tags(item.get("tags") or [], f"{path}.tags"),
        duration_seconds=fields.duration(item.get("duration_seconds"), f"{path}.duration_seconds"),
    )


def _plain_context(item: dict) -> dict | None:
    """The context fields of a plain result (see `_plain_result`) as it stores them, or
    None when any of them needs the full checks."""
    if item.get("directions") or item.get("tags"):
        return None
    plain_text = fields.plain_text
    values = {}
    for name in TEXT_FIELDS:
        value = item.get(name)
        if value is not None and not plain_text(value, name):
            return None
        values[name] = value
    try:  # (an error found here is reported by `_result`, with the value's JSON path)
        duration = item.get("duration_seconds")
        if duration is not None:
            duration = fields.duration(duration, "$")
        created_at = item.get("created_at")
        if created_at is not None:
            created_at = fields.timestamp(created_at, "$")
    except InvalidResult:
        return None
    values.update(created_at=created_at, duration_seconds=duration)
    return values


# Hand-written: +13 % results/s on bench_ingest (b) (docs/ingestion.md, Speed).
def _plain_result(item: dict, context: dict | None = None) -> Result | None:
    """The common, well-formed result — known fields only, plain ASCII text, finite metrics
    without stated directions, no tags — exactly as `_result` makes it, without the
    per-field checks that only an error or a warning needs; None when anything is not that
    plain (then `_result` decides and reports). About half the cost of `_result` on the
    ingest path (benchmon_pipeline_tests/formats/test_fast_paths.py keeps the two equal).

    `context`: `_plain_context` of the document's shared fields, for an item that states
    none of its own; without it, the item's own context fields are judged."""
    if not item.keys() <= _RESULT_FIELD_SET:
        return None
    if context is None and (context := _plain_context(item)) is None:
        return None
    plain_text = fields.plain_text
    values = {}
    for name in CONFIGURATION_FIELDS:
        value = item.get(name)
        if not plain_text(value, name, required=True):
            return None
        values[name] = value
    raw = item.get("metrics")
    if type(raw) is not dict or not raw or len(raw) > MAX_METRICS:
        return None
    for name, value in raw.items():
        if type(name) is not str or not (
            type(value) is float
            and math.isfinite(value)
            or type(value) is int
            and -_EXACT_INT <= value <= _EXACT_INT
        ):
            return None
        if not (
            len(name) <= MAX_METRIC_NAME and name.isascii() and "\x00" not in name and name.strip()
        ):
            return None
    # A frozen dataclass's __init__ sets each field through object.__setattr__; filling
    # __dict__ at once makes the same value (as Result.with_defaults does).
    result = object.__new__(Result)
    values.update(context)
    result.__dict__.update(
        values,
        metrics=dict(raw),
        tags=(),
        directions={},
        warnings=(),
        informational=(),
        units={},
    )
    return result
