"""Which results reached the log outside Dagster runs since the last look.

`benchmon push`, `benchmon inbox` and plain SQL clients write the log directly; no ingest
run materializes the log for them, so nothing tells Dagster that the snapshots, their
checks and the alerts are behind. The database knows: every log row carries the id of the
transaction that wrote it (`xact_id`), and a writer that is an ingest run leaves a ledger
row with its `dagster_run_id` in the same transaction (same `now()`).

A look is remembered as the PostgreSQL snapshot it saw the log in, not as the newest
`seq`: sequence numbers are taken before commit, so a row with a lower `seq` can commit
after one with a higher. "Rows whose transaction was not visible in the last look's
snapshot, and is now" is exact, however the writers' commits interleave.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg

# A snapshot in which no transaction is visible: the first look sees the whole log.
NOTHING_SEEN = "3:3:"

_WHERE_AM_I = """
SELECT current_database() || '/' || oid, pg_snapshot_xmax(pg_current_snapshot())::text::bigint
  FROM pg_database WHERE datname = current_database()
"""

# One statement, so the scan and pg_current_snapshot() are the same snapshot.
_STORED_SINCE = """
SELECT count(*), count(DISTINCT t.xact_id), max(t.seq), pg_current_snapshot()::text
  FROM benchmark_transactions t
 WHERE t.xact_id >= pg_snapshot_xmin(%(since)s::pg_snapshot)
   AND NOT pg_visible_in_snapshot(t.xact_id, %(since)s::pg_snapshot)
   AND NOT EXISTS (SELECT FROM ingested_files f
                    WHERE f.recorded_at = t.ingested_at AND f.dagster_run_id IS NOT NULL)
"""


@dataclass(frozen=True)
class OutsideRuns:
    """What one look found: rows committed since the previous look by writers that are
    not Dagster runs."""

    database: str
    seen: str
    """The snapshot this look saw the log in; the next look starts from it."""
    rows: int
    transactions: int
    newest_seq: int | None
    first_look: bool
    """No earlier look at this database: every such row of the log counts."""

    @property
    def cursor(self) -> str:
        return json.dumps({"database": self.database, "seen": self.seen})


def _since(cursor: str | None, database: str, xmax_now: int) -> str | None:
    """The snapshot of the previous look at `database`, if `cursor` holds one that can be
    compared with now (transaction ids only grow in a cluster: one from the future means
    the database is another cluster's now, e.g. a restored or re-created server)."""
    try:
        last = json.loads(cursor) if cursor else {}
        if last.get("database") != database:
            return None
        seen = str(last["seen"])
        return seen if int(seen.split(":")[1]) <= xmax_now else None
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None


def stored_outside_runs(conn: psycopg.Connection, cursor: str | None) -> OutsideRuns:
    """Rows committed outside Dagster runs since the look `cursor` (an `OutsideRuns.cursor`)
    recorded; with no usable cursor, every such row in the log."""
    database, xmax_now = conn.execute(_WHERE_AM_I).fetchone()
    since = _since(cursor, database, xmax_now)
    rows, transactions, newest_seq, seen = conn.execute(
        _STORED_SINCE, {"since": since or NOTHING_SEEN}
    ).fetchone()
    return OutsideRuns(database, seen, rows, transactions, newest_seq, since is None)
