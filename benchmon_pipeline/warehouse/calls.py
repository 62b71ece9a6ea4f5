"""Thin wrappers over the warehouse's stored functions, for Python callers."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg.rows import dict_row


@dataclass(frozen=True)
class LogCheck:
    """What verify_transaction_log() found: OK, or the first broken link / altered row."""

    ok: bool
    problem: str
    link_no: int | None = None
    seq: int | None = None
    transaction_id: UUID | None = None
    checkpoint_no: int | None = None  # the checkpoint recorded (checked_since_checkpoint)


def verify_transaction_log(conn: psycopg.Connection) -> LogCheck:
    """The full check, read-only: every link and every row."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM verify_transaction_log()").fetchone()
    return LogCheck(**row)


def checked_since_checkpoint(conn: psycopg.Connection, *, full: bool = False) -> LogCheck:
    """`db verify`: check from the last checkpoint (everything when `full` or when there
    is none) and record a new checkpoint when the chain is intact (sql/0029)."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "SELECT * FROM verify_transaction_log_checkpointed(full_check => %s)", (full,)
        ).fetchone()
    return LogCheck(**row)


def fold_new_results(conn: psycopg.Connection, actor: str | None = None) -> list[dict]:
    """Fold every committed log row nobody has folded yet; returns the versions created."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM fold_transactions(actor => %s)", (actor,)).fetchall()
