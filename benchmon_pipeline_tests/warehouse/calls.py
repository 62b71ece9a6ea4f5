"""The stored functions as tests call them: plain SQL, one line per call."""

from __future__ import annotations

import json
import uuid

MODEL = "medgemma-v1.2"
CONFIG = (MODEL, "benchmark-set-v3", "analysis-v4", "production")

SNAPSHOT_COLUMNS = (
    "id, snapshot_version, created_at, model_version, dataset_version, prompt_version,"
    " environment, transaction_id, metrics, is_current, is_baseline, is_active, run_count,"
    " first_seen_at, last_updated_at"
)


def upsert(
    conn,
    config,
    metrics: dict,
    *,
    branch: str | None = None,
    run_id: str | None = None,
    tags: list[str] | None = None,
):
    """upsert_benchmark_result(); returns the transaction id."""
    return conn.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, branch_name => %s,"
        " run_id => %s, tags => %s::text[])",
        (*config, json.dumps(metrics), branch, run_id, tags or []),
    ).fetchone()[0]


def raw_insert(conn, config, metrics: dict, *, branch: str | None = None):
    """A plain INSERT into the log, as any SQL client may do (no fold). The database fills
    in the content key; a note of its own makes every call a new result."""
    return conn.execute(
        "INSERT INTO benchmark_transactions (model_version, dataset_version, prompt_version,"
        " environment, metrics, branch_name, notes)"
        " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s) RETURNING id",
        (*config, json.dumps(metrics), branch, f"raw insert {uuid.uuid4()}"),
    ).fetchone()[0]


def checkout(conn, config, version: int, actor="alice", reason=None):
    return conn.execute(
        "SELECT checkout_snapshot(%s, %s, %s, %s, %s, %s, %s)", (*config, version, actor, reason)
    ).fetchone()[0]


def set_baseline(conn, config, version: int, actor="alice", reason=None):
    return conn.execute(
        "SELECT set_baseline(%s, %s, %s, %s, %s, %s, %s)", (*config, version, actor, reason)
    ).fetchone()[0]


def versions(conn, config) -> list[tuple]:
    """(version, f1, is_current, is_baseline) of every version, oldest first."""
    return conn.execute(
        "SELECT snapshot_version, f1_score::float, is_current, is_baseline"
        "  FROM benchmark_snapshots"
        " WHERE (model_version, dataset_version, prompt_version, environment)"
        "     = (%s, %s, %s, %s) ORDER BY snapshot_version",
        config,
    ).fetchall()


def current_version(conn, config) -> int:
    (row,) = conn.execute(
        "SELECT snapshot_version FROM benchmark_snapshots"
        " WHERE (model_version, dataset_version, prompt_version, environment)"
        "     = (%s, %s, %s, %s) AND is_current",
        config,
    ).fetchall()
    return row[0]


def rebuild_differences(conn) -> list[tuple]:
    """Rows in which rebuild_snapshots() and the live table differ (both directions)."""
    return conn.execute(
        f"(SELECT 'rebuilt only', * FROM rebuild_snapshots()"
        f"  EXCEPT SELECT 'rebuilt only', {SNAPSHOT_COLUMNS} FROM benchmark_snapshots)"
        f" UNION ALL"
        f" (SELECT 'live only', {SNAPSHOT_COLUMNS} FROM benchmark_snapshots"
        f"  EXCEPT SELECT 'live only', * FROM rebuild_snapshots())"
    ).fetchall()
