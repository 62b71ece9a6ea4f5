"""The log's row encoding: a `Result` as a line of the COPY into benchmark_transactions.

Plain Python, no Dagster: `append.py` COPYs these rows; the ingest batch makes them while
it reads files, so the storing side only sends whole lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence

from benchmon_pipeline.results.model import Result, metric_texts, utc_isoformat

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


# A row of the log as the COPY into it takes it (text format, LOG_COLUMNS): its id, its
# created_at (None: the appending transaction's time fills it in), and the rest of the line
# (commit_sha … metric_directions, without the line's end). Written here, on the reading
# side, so the storing side sends whole lines: psycopg's write_row() costs more per row
# than the database takes to insert one (docs/ingestion.md, "Where the time goes").
LogRow = tuple[str, str | None, str]

_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_REST_SEPARATORS = len(LOG_COLUMNS) - 4  # tabs between commit_sha … metric_directions
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


# Hand-tuned: alone < 10 % on bench_ingest (b); removed with the other four, ~40 %.
def new_ids(count: int) -> list[str]:
    """`count` random version-4 UUIDs, as text, from one read of random bytes: uuid4()
    makes a system call and an object per id, more than the rest of a row costs."""
    h = os.urandom(16 * count).hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
        f"{_VARIANT[h[i + 16]]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


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


# Hand-tuned: alone < 10 % on bench_ingest (b); removed with the other four, ~40 %.
def log_row(
    result: Result,
    key: str,
    source: str | None,
    row_id: str,
    metrics_json: str | None = None,
    content_json: str | None = None,
) -> LogRow:
    """`result` as a row of the log under the id `row_id`, with `key` its content_sha256().

    The text is what psycopg's COPY would send for the same values (a test stores both
    and compares the rows): NULL as \\N, backslash, tab, newline and carriage return
    escaped, tags as an array literal, metrics and directions as JSON (`metrics_json`: the
    metrics' JSON when the caller wrote it already), and last the canonical JSON `key`
    hashes (`content_json`: when the caller has it), which the database checks the key
    and the row against.
    """
    r = result
    moment = r.created_at
    created_at = (
        None
        if moment is None
        else utc_isoformat(moment)
        if moment.tzinfo is not None
        else moment.isoformat()
    )
    values = (
        r.commit_sha,
        r.branch_name,
        r.model_version,
        r.model_provider,
        r.dataset_version,
        r.prompt_version,
        r.environment,
        metrics_json or _stored_metrics_json(r.metrics),
        r.duration_seconds,
        _array(r.tags) if r.tags else "{}",
        r.notes,
        r.run_id,
        r.triggered_by,
        key,
        source,
        _json(r.directions) if r.directions else "{}",
    )
    (
        commit_sha,
        branch_name,
        model_version,
        model_provider,
        dataset_version,
        prompt_version,
        environment,
        metrics,
        duration,
        tags,
        notes,
        run_id,
        triggered_by,
        _,
        _,
        directions,
    ) = values
    n = _NULL
    rest = (
        f"{n if commit_sha is None else commit_sha}\t"
        f"{n if branch_name is None else branch_name}\t"
        f"{n if model_version is None else model_version}\t"
        f"{n if model_provider is None else model_provider}\t"
        f"{n if dataset_version is None else dataset_version}\t"
        f"{n if prompt_version is None else prompt_version}\t"
        f"{n if environment is None else environment}\t{metrics}\t"
        f"{n if duration is None else duration}\t{tags}\t{n if notes is None else notes}\t"
        f"{n if run_id is None else run_id}\t"
        f"{n if triggered_by is None else triggered_by}\t{key}\t"
        f"{n if source is None else source}\t{directions}"
    )
    # Nothing to escape when the only backslashes are the NULLs' and the only tabs the
    # separators (the common case: one count each instead of a pass per value).
    if (
        rest.count("\\") != values.count(None)
        or rest.count("\t") != _REST_SEPARATORS
        or "\n" in rest
        or "\r" in rest
    ):
        rest = "\t".join(
            [n if value is None else str(value).translate(_COPY_ESCAPES) for value in values]
        )
    stated = result.content_json() if content_json is None else content_json
    if "\\" in stated:  # canonical JSON is ASCII, its control characters escaped:
        stated = stated.replace("\\", "\\\\")  # only backslashes to double for COPY
    return row_id, created_at, f"{rest}\t{stated}"


def _stored_metrics_json(metrics: dict) -> str:
    texts = metric_texts(metrics)
    return texts[0] if texts else _json(metrics)  # anything else: as json.dumps writes it


def _array(texts: tuple) -> str:
    """A text[] literal: every element quoted, its backslashes and quotes escaped."""
    return (
        "{"
        + ",".join(['"' + str(t).replace("\\", "\\\\").replace('"', '\\"') + '"' for t in texts])
        + "}"
    )
