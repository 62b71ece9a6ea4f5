"""Ingest a batch of inbox files: the one code path the sensors' runs and `benchmon push` use.

Per chunk of files: read and parse every file (a file that cannot be used becomes a
quarantine outcome, never an exception), then one database transaction appends every
result (idempotent: keyed by content hash) and writes a ledger row per file; only after
it commits are files moved — to `archive/<date>/`, or to `quarantine/` with their error
report. A crash anywhere leaves files in the inbox, and the next run finds their results
already stored (`duplicate`), so nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

import psycopg

from benchmon_pipeline.ingest.inbox import InboxFile
from benchmon_pipeline.ingest.ledger import (
    DUPLICATE,
    INGESTED,
    QUARANTINED,
    FileOutcome,
    record,
)
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES
from benchmon_pipeline.ingest.result import InvalidResult, ParsedFile
from benchmon_pipeline.warehouse.append import append_results

log = logging.getLogger(__name__)

CHUNK_FILES = 500


class Inbox(Protocol):
    """What a batch needs of an inbox (FolderInbox and S3Inbox both provide it)."""

    def uri(self, name: str) -> str: ...
    def exists(self, name: str) -> bool: ...
    def parse(self, name: str, max_bytes: int = MAX_FILE_BYTES) -> ParsedFile: ...
    def fingerprint(self, name: str) -> tuple[str | None, int | None]: ...
    def environment_of(self, name: str) -> str | None: ...
    def archive(self, name: str) -> object: ...
    def quarantine(self, name: str, error: dict) -> object: ...
    def ready_files(self, now: float | None = None) -> list[InboxFile]: ...


@dataclass
class BatchReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def rows_appended(self) -> int:
        return sum(o.results_new for o in self.outcomes)

    @property
    def seen(self) -> int:
        return len(self.outcomes) + len(self.missing)

    def summary(self) -> str:
        return (f"{self.seen} file(s): {self.count(INGESTED)} ingested, "
                f"{self.count(DUPLICATE)} duplicate, {self.count(QUARANTINED)} quarantined, "
                f"{len(self.missing)} already handled; {self.rows_appended} result(s) appended")


def _quarantine_outcome(inbox: Inbox, name: str, error: InvalidResult) -> FileOutcome:
    sha256, size = inbox.fingerprint(name)
    return FileOutcome(name, inbox.uri(name), QUARANTINED, sha256=sha256, size=size,
                       error=error.report())


def parse_file(inbox: Inbox, name: str, *, default_environment: str, triggered_by: str,
               max_bytes: int = MAX_FILE_BYTES) -> tuple[FileOutcome, ParsedFile | None]:
    """Read one file: a pending outcome with its parsed results, or a quarantine outcome."""
    try:
        parsed = inbox.parse(name, max_bytes)
    except InvalidResult as exc:
        return _quarantine_outcome(inbox, name, exc), None
    environment = inbox.environment_of(name) or default_environment
    results = [r.with_defaults(environment=environment, triggered_by=triggered_by)
               for r in parsed.results]
    parsed = ParsedFile(parsed.format, results, parsed.warnings, parsed.size, parsed.sha256)
    outcome = FileOutcome(name, inbox.uri(name), INGESTED, format=parsed.format,
                          sha256=parsed.sha256, size=parsed.size, warnings=parsed.warnings)
    return outcome, parsed


def store(conn: psycopg.Connection, inbox_kind: str,
          files: Sequence[tuple[FileOutcome, ParsedFile | None]],
          dagster_run_id: str | None, actor: str | None) -> None:
    """Append the results of every parsed file and write every ledger row: one transaction.

    Fills in each outcome's transaction ids and final status (ingested / duplicate).
    """
    results, sources, owners = [], [], []
    for outcome, parsed in files:
        if parsed is None:
            continue
        for result in parsed.results:
            results.append(result)
            sources.append(outcome.uri)
            owners.append(outcome)
    with conn.transaction():
        appended = append_results(conn, results, sources, actor=actor)
        for outcome in (o for o, parsed in files if parsed is not None):
            outcome.transaction_ids, outcome.results_new = [], 0
        for owner, result in zip(owners, appended, strict=True):
            owner.transaction_ids.append(result.transaction_id)
            owner.results_new += result.inserted
        for outcome, parsed in files:
            if parsed is not None:
                outcome.status = INGESTED if outcome.results_new else DUPLICATE
        record(conn, inbox_kind, [o for o, _ in files], dagster_run_id)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def ingest_batch(
    names: Sequence[str],
    inbox: Inbox,
    connect: Callable[[], AbstractContextManager[psycopg.Connection]],
    *,
    inbox_kind: str,
    default_environment: str,
    triggered_by: str = "inbox",
    dagster_run_id: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    chunk_files: int = CHUNK_FILES,
    progress: Callable[[BatchReport], None] | None = None,
) -> BatchReport:
    report = BatchReport()
    with connect() as conn:
        for chunk in _chunks(list(names), chunk_files):
            files = []
            for name in chunk:
                if not inbox.exists(name):
                    report.missing.append(name)  # moved by an earlier run
                    continue
                files.append(parse_file(inbox, name, default_environment=default_environment,
                                        triggered_by=triggered_by, max_bytes=max_bytes))
            try:
                store(conn, inbox_kind, files, dagster_run_id, triggered_by)
            except psycopg.OperationalError:
                raise  # the database went away: the run's retry policy takes over
            except psycopg.Error as exc:
                log.warning("a chunk was refused by the database (%s); retrying file by file",
                            exc)
                files = _store_one_by_one(conn, inbox, inbox_kind, files, dagster_run_id,
                                          triggered_by)
            _move(inbox, files)
            report.outcomes.extend(outcome for outcome, _ in files)
            if progress:
                progress(report)
    return report


def _store_one_by_one(conn, inbox, inbox_kind, files, dagster_run_id, actor):
    """Isolate the file the database refuses; quarantine it, store the others."""
    stored = []
    for outcome, parsed in files:
        try:
            store(conn, inbox_kind, [(outcome, parsed)], dagster_run_id, actor)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            error = InvalidResult("rejected_by_database",
                                  f"the database refused this file's results: "
                                  f"{str(exc).splitlines()[0]}")
            outcome = _quarantine_outcome(inbox, outcome.name, error)
            store(conn, inbox_kind, [(outcome, None)], dagster_run_id, actor)
            parsed = None
        stored.append((outcome, parsed))
    return stored


def _move(inbox: Inbox, files) -> None:
    """After the commit: archive what was stored, quarantine what was not."""
    for outcome, _ in files:
        try:
            if outcome.status == QUARANTINED:
                inbox.quarantine(outcome.name, outcome.error)
                log.warning("quarantined %s: %s", outcome.name, outcome.error["message"])
            else:
                inbox.archive(outcome.name)
        except FileNotFoundError:
            log.info("%s was moved by another run meanwhile", outcome.name)
