"""The batch append path the ingestion code calls: a few statements per batch, not per row.

1. Every row is COPYed straight into the log, with ids made here, on the guess that none
   was stored before (the common batch); the log's UNIQUE content key says otherwise.
2. If one was (stored earlier, or by a concurrent writer meanwhile), that COPY fails on
   the unique key (or COPY is refused: a role under row-level security, a benchmon_writer
   login); it is rolled back to a savepoint and the batch takes the path that
   cannot fail on duplicates: COPY into a session-local staging table, then one
   `INSERT … SELECT` with `benchmon.skip_duplicates` on (the log's key trigger then skips
   a stored key instead of failing: the partitioned log has no unique index of its own to
   say ON CONFLICT with, sql/0030), and one query for the ids of the results stored before.
3. One call of `fold_transactions()` (the routine `upsert_benchmark_result()` uses) turns
   the batch's tracked results into snapshot versions.

Why not always step 2: a direct COPY inserts rows in bulk, while INSERT … SELECT from a
staging table writes every row twice; on a large log the fast path is about twice as fast
(benchmarks/bench_warehouse.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse.encoding import LOG_COLUMNS, LogRow, log_row, new_ids

_COLUMNS = LOG_COLUMNS
_LIST = ", ".join(_COLUMNS)

# The key table holds each key as its 32 bytes (sql/0037); callers speak hex.
_KNOWN = """
SELECT encode(k.content_sha256, 'hex'), k.id FROM benchmark_transaction_keys k
 WHERE k.content_sha256 = ANY (SELECT decode(h, 'hex') FROM unnest(%s::text[]) AS h)"""

# Session-local; emptied at every commit and at the start of every use.
_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS benchmon_staging (
    position integer, {", ".join(f"{name} {type_}" for name, type_ in _COLUMNS.items())}
) ON COMMIT DELETE ROWS
"""

_INSERT_FROM_STAGING = f"""
INSERT INTO benchmark_transactions AS t ({_LIST})
SELECT {", ".join(f"s.{c}" for c in _COLUMNS)} FROM benchmon_staging s ORDER BY s.position
RETURNING t.content_sha256
"""


@dataclass(frozen=True)
class AppendOutcome:
    id: str  # of the log row that holds this content (the transaction id, as text)
    content_sha256: str
    inserted: bool  # False: the same content was stored before (or earlier in this batch)

    @property
    def transaction_id(self) -> UUID:
        return UUID(self.id)


def append_results(
    conn: psycopg.Connection,
    results: Sequence[Result],
    sources: Sequence[str | None],
    *,
    actor: str | None = None,
    keys: Sequence[str] | None = None,
    rows: Sequence[LogRow] | None = None,
) -> list[AppendOutcome]:
    """Append `results` (read from `sources`, one per result) and fold them.

    Runs in the caller's transaction (a savepoint inside it, or its own transaction on
    an autocommit connection); nothing is visible to others before that commits.
    `actor` is recorded on the snapshot events the fold writes (default: the session
    user). `keys`: each result's `content_sha256()` when the caller has them already, and
    `rows` its `log_row()` (the ingest batch makes both while parsing). Outcomes are in
    the order of `results`.
    """
    if len(results) != len(sources):
        raise ValueError(f"{len(results)} results but {len(sources)} sources")
    if not results:
        return []
    if keys is None:
        keys = [r.content_sha256() for r in results]
    elif len(keys) != len(results):
        raise ValueError(f"{len(results)} results but {len(keys)} keys")
    if rows is None:
        rows = list(map(log_row, results, keys, sources, new_ids(len(results))))
    elif len(rows) != len(results):
        raise ValueError(f"{len(results)} results but {len(rows)} rows")
    return append_pieces(conn, [(keys, rows)], actor=actor)


def append_pieces(
    conn: psycopg.Connection,
    pieces: Iterable[tuple[Sequence[str], Sequence[LogRow]]],
    *,
    actor: str | None = None,
    before_fold: Callable[[], None] | None = None,
) -> list[AppendOutcome]:
    """`append_results` for results that arrive in pieces of (keys, log rows): each piece
    is taken from `pieces` only once the COPY is open and streamed into it at once, so the
    database inserts it while the caller makes the next piece (parsing files, say) — two
    cores at work instead of one after the other. Outcomes are in the order of the keys.

    `before_fold` is called once every row is in the log and before the fold (the ingest
    batch waits there for the transaction before this one to commit)."""
    all_keys: list[str] = []
    with conn.transaction(), conn.cursor() as cur:
        # Optimistic: COPY everything and let the UNIQUE constraint say whether any key was
        # stored before. The common batch is all new, and probing the unique index once per
        # row (by COPY) instead of twice (a look-up first) keeps the rate close to raw COPY
        # as the log grows; a batch that repeats stored results takes the slower path below.
        known: dict[str, str] = {}
        now = cur.execute("SELECT now()::text").fetchone()[0]  # created_at when not stated
        fresh: dict[str, str] = {}  # id of the first occurrence of each new key, in order
        lines: list[tuple] = []  # their rows as COPY takes them, in the same order
        pieces = iter(pieces)

        def take(piece) -> list[tuple]:
            """Record a piece; its rows not seen before in this call."""
            keys, rows = piece
            all_keys.extend(keys)
            start = len(lines)
            for key, (row_id, created_at, rest) in zip(keys, rows, strict=True):
                if key not in fresh:
                    fresh[key] = row_id
                    lines.append((row_id, now if created_at is None else created_at, *rest))
            return lines[start:]

        try:
            with (
                conn.transaction(),
                cur.copy(f"COPY benchmark_transactions ({_LIST}) FROM STDIN") as copy,
            ):
                for piece in pieces:
                    for row in take(piece):
                        copy.write_row(row)
        except (
            psycopg.errors.UniqueViolation,  # some were stored before (or concurrently)
            # … or COPY was refused: PostgreSQL does not COPY into a table under row-level
            # security, and a benchmon_writer login (`benchmon push` from CI) is under it;
            # INSERT … SELECT from the staging table obeys the writer's policy.
            psycopg.errors.FeatureNotSupported,
        ):
            for piece in pieces:  # (a COPY the server ended early left some unread)
                take(piece)
            stored = _insert_skipping_duplicates(cur, lines)
            for key in fresh.keys() - stored:
                del fresh[key]
            known.update(
                (key, str(row_id))
                for key, row_id in cur.execute(_KNOWN, (sorted(set(all_keys) - stored),)).fetchall()
            )
        if before_fold is not None:
            before_fold()
        if not all_keys:
            return []
        cur.execute(
            "SELECT count(*) FROM fold_transactions(own_rows_only => true, actor => %s)", (actor,)
        )
    outcomes = []
    first: dict[str, str] = {}  # the id each key got earlier in this batch
    for key in all_keys:
        row_id = fresh.pop(key, None)
        if row_id is not None:
            outcomes.append(AppendOutcome(row_id, key, inserted=True))
            first[key] = row_id
        else:  # stored before, or a repeat of a result earlier in this batch
            outcomes.append(AppendOutcome(known.get(key) or first.get(key), key, inserted=False))
    return outcomes


def _insert_skipping_duplicates(cur: psycopg.Cursor, lines: list[tuple]) -> set[str]:
    """The path that cannot fail on a duplicate (`lines`: log rows as COPY takes them);
    returns the keys it inserted."""
    cur.execute(_CREATE_STAGING)
    cur.execute("TRUNCATE benchmon_staging")
    with cur.copy(f"COPY benchmon_staging (position, {_LIST}) FROM STDIN") as copy:
        for position, line in enumerate(lines):
            copy.write_row((position, *line))
    cur.execute("SELECT set_config('benchmon.skip_duplicates', 'on', true)")
    stored = {key for (key,) in cur.execute(_INSERT_FROM_STAGING).fetchall()}
    cur.execute("SELECT set_config('benchmon.skip_duplicates', 'off', true)")
    return stored
