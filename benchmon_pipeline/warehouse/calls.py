"""Thin wrappers over the warehouse's stored functions, for Python callers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from benchmon_pipeline.results.model import Result


@dataclass(frozen=True)
class LogCheck:
    """What verify_transaction_log() found: OK, or the first broken link / altered row."""

    ok: bool
    problem: str
    link_no: int | None = None
    seq: int | None = None
    transaction_id: UUID | None = None


def verify_transaction_log(conn: psycopg.Connection) -> LogCheck:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM verify_transaction_log()").fetchone()
    return LogCheck(**row)


def upsert_result(conn: psycopg.Connection, result: Result, source: str | None = None) -> UUID:
    """One result through upsert_benchmark_result(): appended and folded, or the id of
    the same content stored before. For single results (a CI push); batches go through
    `append_results`."""
    row = conn.execute(
        """SELECT upsert_benchmark_result(
               model_version => %s, dataset_version => %s, prompt_version => %s,
               environment => %s, metrics => %s::jsonb, created_at => %s::timestamptz,
               commit_sha => %s, branch_name => %s, model_provider => %s,
               duration_seconds => %s::numeric, tags => %s::text[], notes => %s,
               run_id => %s, triggered_by => %s, source => %s,
               metric_directions => %s::jsonb)""",
        (
            result.model_version,
            result.dataset_version,
            result.prompt_version,
            result.environment,
            json.dumps(result.metrics),
            result.created_at,
            result.commit_sha,
            result.branch_name,
            result.model_provider,
            _exact(result.duration_seconds),
            list(result.tags),
            result.notes,
            result.run_id,
            result.triggered_by,
            source,
            json.dumps(result.directions),
        ),
    ).fetchone()
    return row[0]


def _exact(number: float | None) -> Decimal | None:
    """A float as the numeric it spells: PostgreSQL's float8 → numeric cast keeps only 15
    digits, and the idempotency key hashes all of them."""
    return None if number is None else Decimal(repr(float(number)))


def fold_new_results(conn: psycopg.Connection, actor: str | None = None) -> list[dict]:
    """Fold every committed log row nobody has folded yet; returns the versions created."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM fold_transactions(actor => %s)", (actor,)).fetchall()
