"""The log's row encoding: a `Result` as a row of the COPY into benchmark_transactions.

Plain Python, no Dagster: `append.py` COPYs these rows; the ingest batch makes them while
it reads files, so the storing side only sends them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from benchmon_pipeline.results.model import Result, metric_texts

_json = json.JSONEncoder().encode  # json.dumps(value) with its defaults, without a new encoder

# The log's columns a result fills, in the order of log_row(), with their types;
# the server fills ingested_at, seq and xact_id (append.py COPYs these).
LOG_COLUMNS = {
    "id": "uuid",
    "created_at": "timestamptz",
    "commit_sha": "text",
    "branch_name": "text",
    "model_version": "text",
    "model_provider": "text",
    "dataset_version": "text",
    "prompt_version": "text",
    "environment": "text",
    "metrics": "jsonb",
    "duration_seconds": "numeric",
    "tags": "text[]",
    "notes": "text",
    "run_id": "text",
    "triggered_by": "text",
    "content_sha256": "text",
    "source": "text",
    "metric_directions": "jsonb",
    # Write-only: the canonical JSON content_sha256 hashes, which the database checks the
    # key and the row against and never stores (sql/0021_content_key_checked.sql).
    "content_json": "text",
}


# A row of the log as append.py COPYs it (psycopg's write_row, LOG_COLUMNS): its id, its
# created_at (None: the appending transaction's time fills it in), and the values of the
# other columns, commit_sha … content_json, in order.
LogRow = tuple[str, datetime | None, tuple]


def new_ids(count: int) -> list[str]:
    """`count` random version-4 UUIDs, as text."""
    return [str(uuid.uuid4()) for _ in range(count)]


def keys_and_rows(
    results: Sequence[Result], source: str | None
) -> tuple[tuple[str, ...], tuple[LogRow, ...]]:
    """Each result's content key and log row (`key_and_row`), read from `source`, under
    new ids."""
    made = list(map(key_and_row, results, [source] * len(results), new_ids(len(results))))
    return tuple(zip(*made, strict=True)) if made else ((), ())


def key_and_row(result: Result, source: str | None, row_id: str) -> tuple[str, LogRow]:
    """`result.content_sha256()` and `log_row(result, that key, source, row_id)`, with the
    metrics written once for both (the ingest path's per-result work)."""
    texts = metric_texts(result.metrics)
    written = (texts and result.stated_json(texts[1])) or result.content_json()
    key = hashlib.sha256(written.encode()).hexdigest()
    return key, log_row(result, key, source, row_id, texts and texts[0], written)


def log_row(
    result: Result,
    key: str,
    source: str | None,
    row_id: str,
    metrics_json: str | None = None,
    content_json: str | None = None,
) -> LogRow:
    """`result` as a row of the log under the id `row_id`, with `key` its content_sha256():
    metrics and directions as JSON (`metrics_json`: the metrics' JSON when the caller wrote
    it already), and last the canonical JSON `key` hashes (`content_json`: when the caller
    has it), which the database checks the key and the row against."""
    r = result
    return (
        row_id,
        r.created_at,
        (
            r.commit_sha,
            r.branch_name,
            r.model_version,
            r.model_provider,
            r.dataset_version,
            r.prompt_version,
            r.environment,
            metrics_json or _stored_metrics_json(r.metrics),
            r.duration_seconds,
            list(r.tags),
            r.notes,
            r.run_id,
            r.triggered_by,
            key,
            source,
            _directions_json(r),
            r.content_json() if content_json is None else content_json,
        ),
    )


def _directions_json(result: Result) -> str:
    """The directions the result states, and "none" for each informational metric (a
    standard error, a count of rounds): sql/0043, no rule judges those."""
    if not result.informational:
        return _json(result.directions) if result.directions else "{}"
    return _json({**result.directions, **dict.fromkeys(result.informational, "none")})


def _stored_metrics_json(metrics: dict) -> str:
    texts = metric_texts(metrics)
    return texts[0] if texts else _json(metrics)  # anything else: as json.dumps writes it
