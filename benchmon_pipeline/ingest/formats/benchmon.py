"""benchmon's own format: one result object, a list of them, or {"results": [...]}.

See examples/sample_benchmark_results.json. Configuration fields are required; context
fields (environment, commit_sha, branch_name, run_id, triggered_by, tags, notes,
duration_seconds, created_at) are optional and may also be given once at the top level
of a {"results": [...]} document, where they apply to every result that lacks them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from benchmon_pipeline.ingest.result import InvalidResult, Result, finite_metrics

CONFIGURATION_FIELDS = ("model_version", "dataset_version", "prompt_version")
TEXT_FIELDS = ("environment", "model_provider", "commit_sha", "branch_name", "run_id",
               "triggered_by", "notes")
CONTEXT_FIELDS = (*TEXT_FIELDS, "tags", "duration_seconds", "created_at")
MAX_TEXT = {"notes": 10_000}
DEFAULT_MAX_TEXT = 500


def parse(document: Any) -> list[Result]:
    if isinstance(document, list):
        items, shared, base = document, {}, "$"
    elif isinstance(document, dict) and "results" in document:
        if not isinstance(document["results"], list):
            raise InvalidResult("wrong_type", '"results" must be a list of result objects',
                                "$.results")
        items = document["results"]
        shared = {k: document[k] for k in CONTEXT_FIELDS if k in document}
        base = "$.results"
    elif isinstance(document, dict):
        return [_result({**document}, "$")]
    else:
        raise InvalidResult("wrong_type", "expected a result object, a list of results, "
                            'or {"results": [...]}', "$")
    if not items:
        raise InvalidResult("no_results", "the file holds no results", base)
    return [_result({**shared, **item} if isinstance(item, dict) else item, f"{base}[{i}]")
            for i, item in enumerate(items)]


def _text(item: dict, name: str, path: str, required: bool = False) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise InvalidResult("missing_field", f"required field {name!r} is missing",
                                f"{path}.{name}")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidResult("wrong_type", f"{name!r} must be a non-empty string",
                            f"{path}.{name}")
    limit = MAX_TEXT.get(name, DEFAULT_MAX_TEXT)
    if len(value) > limit:
        raise InvalidResult("too_long", f"{name!r} is {len(value)} characters; the limit is "
                            f"{limit}", f"{path}.{name}")
    return value


def _timestamp(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise InvalidResult("bad_timestamp", f"created_at {value!r} is not an ISO-8601 timestamp "
                        "or epoch seconds", path)


def _result(item: Any, path: str) -> Result:
    if not isinstance(item, dict):
        raise InvalidResult("wrong_type", "a result must be a JSON object", path)
    config = {name: _text(item, name, path, required=True) for name in CONFIGURATION_FIELDS}
    context = {name: _text(item, name, path) for name in TEXT_FIELDS}
    if "metrics" not in item:
        raise InvalidResult("missing_field", "required field 'metrics' is missing",
                            f"{path}.metrics")
    if not isinstance(item["metrics"], dict):
        raise InvalidResult("wrong_type", "'metrics' must be an object of {name: number}",
                            f"{path}.metrics")
    metrics, warnings = finite_metrics(item["metrics"], f"{path}.metrics")
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidResult("wrong_type", "'tags' must be a list of strings", f"{path}.tags")
    duration = item.get("duration_seconds")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float)
        or not math.isfinite(duration) or duration < 0
    ):
        raise InvalidResult("wrong_type", "'duration_seconds' must be a non-negative number",
                            f"{path}.duration_seconds")
    return Result(
        **config,
        **context,
        metrics=metrics,
        created_at=_timestamp(item.get("created_at"), f"{path}.created_at"),
        tags=tuple(tags),
        duration_seconds=duration,
        warnings=tuple(warnings),
    )
