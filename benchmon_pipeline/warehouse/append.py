"""The batch append path the ingestion code calls: a few statements per batch, not per row.

1. One query finds the results stored before (the idempotency key is UNIQUE).
2. The new ones are COPYed straight into the log, with ids made here.
3. If a concurrent writer stored one of them in between, that COPY fails on the unique
   key; it is rolled back to a savepoint and the batch takes the path that cannot fail
   on duplicates: COPY into a session-local staging table, then one
   `INSERT … ON CONFLICT (content_sha256) DO NOTHING`.
4. One call of `fold_transactions()` (the routine `upsert_benchmark_result()` uses) turns
   the batch's tracked results into snapshot versions.

Why not always step 3: a direct COPY inserts rows in bulk, while INSERT … ON CONFLICT
inserts them one by one with a speculative check of the unique index first; on a large
log the fast path is about twice as fast (benchmarks/bench_warehouse.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg

from benchmon_pipeline.ingest.result import Result

# The log's columns a result fills, with their types; the server fills ingested_at, seq
# and xact_id.
_COLUMNS = {
    "id": "uuid", "created_at": "timestamptz", "commit_sha": "text", "branch_name": "text",
    "model_version": "text", "model_provider": "text", "dataset_version": "text",
    "prompt_version": "text", "environment": "text", "metrics": "jsonb",
    "duration_seconds": "numeric", "tags": "text[]", "notes": "text", "run_id": "text",
    "triggered_by": "text", "content_sha256": "text", "source": "text",
    "metric_directions": "jsonb",
}
_LIST = ", ".join(_COLUMNS)

_KNOWN = "SELECT content_sha256, id FROM benchmark_transactions WHERE content_sha256 = ANY(%s)"

# Session-local; emptied at every commit and at the start of every use.
_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS benchmon_staging (
    position integer, {", ".join(f"{name} {type_}" for name, type_ in _COLUMNS.items())}
) ON COMMIT DELETE ROWS
"""

_INSERT_FROM_STAGING = f"""
INSERT INTO benchmark_transactions AS t ({_LIST})
SELECT {", ".join(f"s.{c}" for c in _COLUMNS)} FROM benchmon_staging s ORDER BY s.position
ON CONFLICT (content_sha256) DO NOTHING
RETURNING t.content_sha256
"""


@dataclass(frozen=True)
class AppendOutcome:
    transaction_id: UUID
    content_sha256: str
    inserted: bool  # False: the same content was stored before (or earlier in this batch)


def append_results(
    conn: psycopg.Connection,
    results: Sequence[Result],
    sources: Sequence[str | None],
    *,
    actor: str | None = None,
) -> list[AppendOutcome]:
    """Append `results` (read from `sources`, one per result) and fold them.

    Runs in the caller's transaction (a savepoint inside it, or its own transaction on
    an autocommit connection); nothing is visible to others before that commits.
    `actor` is recorded on the snapshot events the fold writes (default: the session
    user). Outcomes are in the order of `results`.
    """
    if len(results) != len(sources):
        raise ValueError(f"{len(results)} results but {len(sources)} sources")
    if not results:
        return []
    keys = [r.content_sha256() for r in results]
    with conn.transaction(), conn.cursor() as cur:
        # Optimistic: COPY everything and let the UNIQUE constraint say whether any key was
        # stored before. The common batch is all new, and probing the unique index once per
        # row (by COPY) instead of twice (a look-up first) keeps the rate close to raw COPY
        # as the log grows; a batch that repeats stored results takes the slower path below.
        known: dict[str, UUID] = {}
        now = cur.execute("SELECT now()").fetchone()[0]  # created_at when not stated
        fresh: dict[str, tuple] = {}  # first occurrence of each new key, in order
        for r, key, source in zip(results, keys, sources, strict=True):
            if key not in known and key not in fresh:
                fresh[key] = _row(uuid.uuid4(), r, key, source, now)
        if fresh:
            try:
                with conn.transaction():
                    _copy(cur, "benchmark_transactions", _LIST, fresh.values())
            except psycopg.errors.UniqueViolation:  # some were stored before (or concurrently)
                stored = _insert_skipping_duplicates(cur, list(fresh.values()))
                for key in fresh.keys() - stored:
                    del fresh[key]
                known.update(cur.execute(_KNOWN, (sorted(set(keys) - stored),)).fetchall())
        cur.execute("SELECT count(*) FROM fold_transactions(own_rows_only => true, actor => %s)",
                    (actor,))
    outcomes = []
    for key in keys:
        if key in fresh:
            outcomes.append(AppendOutcome(fresh.pop(key)[0], key, inserted=True))
        else:  # stored before, or a repeat of a result earlier in this batch
            first = next((o.transaction_id for o in outcomes if o.content_sha256 == key), None)
            outcomes.append(AppendOutcome(known.get(key) or first, key, inserted=False))
    return outcomes


def _row(id_: UUID, r: Result, key: str, source: str | None, now: datetime) -> tuple:
    return (
        id_, r.created_at or now, r.commit_sha, r.branch_name, r.model_version,
        r.model_provider, r.dataset_version, r.prompt_version, r.environment,
        json.dumps(r.metrics), r.duration_seconds, list(r.tags), r.notes, r.run_id,
        r.triggered_by, key, source, json.dumps(r.directions),
    )


def _copy(cur: psycopg.Cursor, table: str, columns: str, rows) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_skipping_duplicates(cur: psycopg.Cursor, rows: list[tuple]) -> set[str]:
    """The path that cannot fail on a duplicate; returns the keys it inserted."""
    cur.execute(_CREATE_STAGING)
    cur.execute("TRUNCATE benchmon_staging")
    _copy(cur, "benchmon_staging", f"position, {_LIST}",
          ((position, *row) for position, row in enumerate(rows)))
    return {key for (key,) in cur.execute(_INSERT_FROM_STAGING).fetchall()}
