"""The ingest ledger (`ingested_files`): one outcome row per file handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # parsing.py imports this module and needs no database driver
    import psycopg

INGESTED, DUPLICATE, QUARANTINED = "ingested", "duplicate", "quarantined"

_COPY = """
COPY ingested_files (inbox, uri, file_sha256, size_bytes, format, status, error_code,
    error_message, json_path, warnings, results_total, results_new, transaction_ids,
    dagster_run_id) FROM STDIN
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
    cost more than the rest of a file's ledger row.)"""
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        for o in outcomes:
            copy.write_row(
                (
                    inbox,
                    o.uri,
                    o.sha256 or None,
                    o.size,
                    o.format,
                    o.status,
                    o.error and o.error["error_code"],
                    o.error and o.error["message"],
                    o.error and o.error.get("json_path"),
                    o.warnings,
                    len(o.transaction_ids),
                    o.results_new,
                    "{" + ",".join(o.transaction_ids) + "}",
                    dagster_run_id,
                )
            )
