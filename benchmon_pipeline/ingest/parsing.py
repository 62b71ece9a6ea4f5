"""Reading inbox files into outcomes: the half of a batch that needs no database.

`read_part` turns a list of names into (outcome, parsed file) pairs and the names already
gone. It takes and returns plain data, imports nothing of the database side, and never
raises for a bad file: a file that cannot be used becomes a quarantine outcome with its
reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from benchmon_pipeline.ingest.inbox import InboxFile
from benchmon_pipeline.ingest.ledger import INGESTED, QUARANTINED, FileOutcome
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES
from benchmon_pipeline.ingest.result import InvalidResult, ParsedFile, keys_and_rows


class Inbox(Protocol):
    """What a batch needs of an inbox (FolderInbox and S3Inbox both provide it)."""

    def uri(self, name: str) -> str: ...
    def exists(self, name: str) -> bool: ...
    def parse(
        self, name: str, max_bytes: int = MAX_FILE_BYTES, cache: dict | None = None
    ) -> ParsedFile: ...
    def fingerprint(self, name: str) -> tuple[str | None, int | None]: ...
    def environment_of(self, name: str) -> str | None: ...
    def archive(self, name: str) -> object: ...
    def quarantine(self, name: str, error: dict) -> object: ...
    def ready_files(self, now: float | None = None) -> list[InboxFile]: ...


Parsed = list[tuple[FileOutcome, ParsedFile | None]]


def quarantine_outcome(inbox: Inbox, name: str, error: InvalidResult) -> FileOutcome:
    sha256, size = inbox.fingerprint(name)
    return FileOutcome(
        name, inbox.uri(name), QUARANTINED, sha256=sha256, size=size, error=error.report()
    )


def parse_file(
    inbox: Inbox,
    name: str,
    *,
    default_environment: str,
    triggered_by: str,
    max_bytes: int = MAX_FILE_BYTES,
    cache: dict | None = None,
) -> tuple[FileOutcome, ParsedFile | None]:
    """Read one file: a pending outcome with its parsed results (and their idempotency
    keys and log rows), or a quarantine outcome. `cache`: a dict kept for one part (see
    Inbox.parse)."""
    try:
        parsed = inbox.parse(name, max_bytes, cache=cache)
    except InvalidResult as exc:
        return quarantine_outcome(inbox, name, exc), None
    environment = inbox.environment_of(name) or default_environment
    results = [
        r.with_defaults(environment=environment, triggered_by=triggered_by) for r in parsed.results
    ]
    uri = inbox.uri(name)
    keys, rows = keys_and_rows(results, uri)
    parsed = ParsedFile(
        parsed.format,
        results,
        parsed.warnings,
        parsed.size,
        parsed.sha256,
        keys=keys,
        rows=rows,
        source=uri,
    )
    outcome = FileOutcome(
        name,
        uri,
        INGESTED,
        format=parsed.format,
        sha256=parsed.sha256,
        size=parsed.size,
        warnings=parsed.warnings,
    )
    return outcome, parsed


def read_part(
    inbox: Inbox,
    names: Sequence[str],
    *,
    default_environment: str,
    triggered_by: str,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[Parsed, list[str]]:
    """Parse some files: (outcome, parsed) per file, and the names already gone (moved by
    an earlier run)."""
    cache: dict = {}
    files, missing = [], []
    for name in names:
        try:  # a file that is gone raises FileNotFoundError here: no separate look first
            files.append(
                parse_file(
                    inbox,
                    name,
                    default_environment=default_environment,
                    triggered_by=triggered_by,
                    max_bytes=max_bytes,
                    cache=cache,
                )
            )
        except FileNotFoundError:
            if not inbox.exists(name):  # moved by another run meanwhile
                missing.append(name)
                continue
            error = InvalidResult(
                "not_a_regular_file", f"the file {name} is a link to nothing (its target is gone)"
            )
            files.append((quarantine_outcome(inbox, name, error), None))
    return files, missing
