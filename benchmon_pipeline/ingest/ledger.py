"""The ingest ledger (`ingested_files`): one outcome row per file handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchmon_pipeline.results.model import storable

if TYPE_CHECKING:  # parsing.py imports this module and needs no database driver
    import psycopg

INGESTED, DUPLICATE, QUARANTINED = "ingested", "duplicate", "quarantined"
# A file that changed between its read and its move: what was read is stored (the row
# before says how), the new content was left in the inbox for the next run (sql/0020).
CHANGED = "changed"

_COPY = """
COPY ingested_files (inbox, uri, file_sha256, size_bytes, format, status, error_code,
    error_message, json_path, warnings, results_total, results_new, transaction_ids,
    dagster_run_id) FROM STDIN
"""


_INSERT = """
INSERT INTO ingested_files (inbox, uri, file_sha256, size_bytes, format, status, error_code,
    error_message, json_path, warnings, results_total, results_new, transaction_ids,
    dagster_run_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s, %s, %s::uuid[], %s)
"""


@dataclass
class FileOutcome:
    name: str
    uri: str
    status: str
    format: str | None = None
    sha256: str | None = None
    size: int | None = None
    error: dict | None = None  # error_code, message, json_path
    warnings: list[str] = field(default_factory=list)
    transaction_ids: list[str] = field(default_factory=list)  # log row ids, as text
    results_new: int = 0


def record(
    conn: psycopg.Connection,
    inbox: str,
    outcomes: Sequence[FileOutcome],
    dagster_run_id: str | None,
) -> None:
    """Insert one ledger row per outcome, in the caller's transaction. (The transaction ids,
    UUID texts, go as one uuid[] literal: psycopg adapts a list element by element, which
    cost more than the rest of a file's ledger row.) Every text goes through `storable`:
    a name that is not UTF-8, or a message quoting an unpaired surrogate, cannot make the
    COPY fail (and the run with it)."""
    import psycopg

    rows = [
        (
            inbox,
            storable(o.uri),
            o.sha256 or None,
            o.size,
            o.format,
            o.status,
            o.error and storable(str(o.error["error_code"])),
            o.error and storable(str(o.error["message"])),
            o.error and o.error.get("json_path") and storable(str(o.error["json_path"])),
            [storable(w) for w in o.warnings] if o.warnings else o.warnings,
            len(o.transaction_ids),
            o.results_new,
            "{" + ",".join(o.transaction_ids) + "}",
            dagster_run_id,
        )
        for o in outcomes
    ]
    with conn.cursor() as cur:
        try:
            with conn.transaction(), cur.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.FeatureNotSupported:
            # PostgreSQL does not COPY into a table under row-level security, and a
            # benchmon_writer login (`benchmon push` from CI) is under it; INSERT obeys
            # the writer's policy.
            cur.executemany(_INSERT, rows)
