"""Append results to the transaction log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import psycopg

from benchmon_pipeline.ingest.result import Result

INSERT = """
INSERT INTO benchmark_transactions (
    created_at, commit_sha, branch_name, model_version, model_provider, dataset_version,
    prompt_version, environment, metrics, duration_seconds, tags, notes, run_id, triggered_by)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
RETURNING id
"""


def append_results(conn: psycopg.Connection, results: Sequence[Result]) -> list[str]:
    """Insert `results` in the caller's transaction; returns their ids in order."""
    now = datetime.now(UTC)
    ids = []
    with conn.cursor() as cur:
        for r in results:
            cur.execute(INSERT, (
                r.created_at or now, r.commit_sha, r.branch_name, r.model_version,
                r.model_provider, r.dataset_version, r.prompt_version, r.environment,
                json.dumps(r.metrics), r.duration_seconds, list(r.tags), r.notes, r.run_id,
                r.triggered_by,
            ))
            ids.append(str(cur.fetchone()[0]))
    return ids
