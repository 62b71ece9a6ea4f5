"""Reading inbox files into outcomes: the half of a batch that needs no database.

`read_part` turns a list of names into (outcome, parsed file) pairs and the names already
gone. It takes and returns plain data, imports nothing of the database side, and never
raises for a bad file: a file that cannot be used becomes a quarantine outcome with its
reason. Whatever goes wrong with one file — a bad value, or an exception benchmon did not
foresee while reading, validating or describing it — costs that file alone: it is
quarantined (`internal_error` with the exception's type and message for the unforeseen),
and the rest of its batch lands.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Protocol

from benchmon_pipeline.ingest.inbox import InboxFile
from benchmon_pipeline.ingest.ledger import INGESTED, QUARANTINED, FileOutcome
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES, internal_error
from benchmon_pipeline.results.model import InvalidResult, ParsedFile, storable
from benchmon_pipeline.warehouse.encoding import keys_and_rows

log = logging.getLogger(__name__)


class Inbox(Protocol):
    """What a batch needs of an inbox (FolderInbox and S3Inbox both provide it)."""

    def uri(self, name: str) -> str: ...
    def exists(self, name: str) -> bool: ...
    def parse(
        self, name: str, max_bytes: int = MAX_FILE_BYTES, cache: dict | None = None
    ) -> ParsedFile: ...
    def fingerprint(self, name: str) -> tuple[str | None, int | None]: ...
    def environment_of(self, name: str) -> str | None: ...
    def archive(self, name: str, *, sha256: str | None = None) -> object: ...
    def quarantine(self, name: str, error: dict, *, sha256: str | None = None) -> object: ...
    def ready_files(self, now: float | None = None) -> list[InboxFile]: ...


Parsed = list[tuple[FileOutcome, ParsedFile | None]]


def quarantine_outcome(inbox: Inbox, name: str, error: InvalidResult) -> FileOutcome:
    try:
        sha256, size = inbox.fingerprint(name)
    except Exception as exc:  # (best effort: the refusal matters, not the hash)
        if inbox_unavailable(exc):
            raise
        sha256 = size = None
    report = {key: value and storable(value) for key, value in error.report().items()}
    return FileOutcome(name, _uri(inbox, name), QUARANTINED, sha256=sha256, size=size, error=report)


def _uri(inbox: Inbox, name: str) -> str:
    return storable(inbox.uri(name))


def inbox_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the inbox (or the machine) failed rather than this one file: then
    the run fails and Dagster retries it, instead of quarantining every file it holds."""
    if isinstance(exc, ConnectionError | TimeoutError | MemoryError):
        return True
    botocore = sys.modules.get("botocore.exceptions")  # the S3 inbox's connection errors
    return botocore is not None and isinstance(exc, botocore.BotoCoreError)


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
        return _parse_file(inbox, name, default_environment, triggered_by, max_bytes, cache)
    except InvalidResult as exc:
        return quarantine_outcome(inbox, name, exc), None
    except FileNotFoundError:
        raise  # gone, or a link to nothing: read_part tells which
    except Exception as exc:
        if inbox_unavailable(exc):
            raise
        log.exception("unexpected error while reading %s", storable(name))
        return quarantine_outcome(inbox, name, internal_error(exc)), None


def _parse_file(
    inbox: Inbox,
    name: str,
    default_environment: str,
    triggered_by: str,
    max_bytes: int,
    cache: dict | None,
) -> tuple[FileOutcome, ParsedFile]:
    parsed = inbox.parse(name, max_bytes, cache=cache)
    environment = inbox.environment_of(name) or default_environment
    if not environment.isascii():
        _check_environment(environment, name)
    results = [
        r.with_defaults(environment=environment, triggered_by=triggered_by) for r in parsed.results
    ]
    uri = _uri(inbox, name)
    keys, rows = keys_and_rows(results, uri)
    for _, _, values in rows:  # (the COPY must not fail on one file's text: see storable)
        for value in values:
            if type(value) is str and not value.isascii():
                value.encode("utf-8")  # UnicodeEncodeError: an internal error of this file
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
        warnings=[storable(w) for w in parsed.warnings] if parsed.warnings else [],
    )
    return outcome, parsed


def _check_environment(environment: str, name: str) -> None:
    """A folder's name becomes the environment of its files: it must be storable text."""
    try:
        environment.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidResult(
            "invalid_text",
            f"the folder {storable(environment)!r} is not a UTF-8 name, so it cannot be the "
            f"environment of {storable(name)!r}; rename the folder (or state the "
            "environment in a benchmon file and put it elsewhere)",
        ) from None


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
