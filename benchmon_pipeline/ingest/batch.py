"""Ingest a batch of inbox files: the one code path the sensors' runs and `benchmon push` use.

Files are read and parsed (parsing.py: a file that cannot be used becomes a quarantine
outcome, never an exception), then one database transaction appends the results of a
group of files (idempotent: keyed by content hash) and writes a ledger row per file; only
after it commits are those files moved — to `archive/<date>/`, or to `quarantine/` with
their error report. A crash anywhere leaves files in the inbox, and the next run finds
their results already stored (`duplicate`), so nothing is lost and nothing is stored twice.
A file rewritten between its read and its move is left in the inbox for the next run, with
a ledger row that says so (`changed`); one that cannot be moved at all is logged and left
there, without stopping the others.

A transaction holds at most `chunk_files` files, and is closed early once it holds
RESULTS_PER_TRANSACTION results. Files are read in parts of about PART_RESULTS results,
each streamed into the open COPY as soon as it is parsed, so the database inserts one part
while this process parses the next, and two transactions are in flight at a time (see
`_InFlight`). (Reader processes and a read-ahead thread within one transaction were
measured on the 2-core target machine and were slower: the database needs the other core.)
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial

import psycopg

from benchmon_pipeline.ingest.inbox import FileChanged
from benchmon_pipeline.ingest.ledger import (
    CHANGED,
    DUPLICATE,
    INGESTED,
    QUARANTINED,
    FileOutcome,
    record,
)
from benchmon_pipeline.ingest.parsing import (
    Inbox,
    Parsed,
    parse_file,
    quarantine_outcome,
    read_part,
)
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES
from benchmon_pipeline.results.model import InvalidResult, ParsedFile, storable
from benchmon_pipeline.warehouse.append import append_pieces
from benchmon_pipeline.warehouse.encoding import LogRow, keys_and_rows

log = logging.getLogger(__name__)

CHUNK_FILES = 500  # files per transaction, at most …
RESULTS_PER_TRANSACTION = 5_000  # … and a transaction of many-result files commits early
READ_FILES = 100  # files per part (the unit of reading and streaming), at most …
PART_RESULTS = 500  # … and about this many results

__all__ = ["CHUNK_FILES", "BatchReport", "Inbox", "ingest_batch", "parse_file", "store"]


@dataclass
class BatchReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # Files rewritten between their read and their move (each also has its outcome above:
    # what was read), left in the inbox for the next run.
    changed: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def rows_appended(self) -> int:
        return sum(o.results_new for o in self.outcomes)

    @property
    def seen(self) -> int:
        return len(self.outcomes) + len(self.missing)

    def summary(self) -> str:
        changed = (
            f", {len(self.changed)} changed after reading (left in the inbox)"
            if self.changed
            else ""
        )
        return (
            f"{self.seen} file(s): {self.count(INGESTED)} ingested, "
            f"{self.count(DUPLICATE)} duplicate, {self.count(QUARANTINED)} quarantined, "
            f"{len(self.missing)} already handled{changed}; "
            f"{self.rows_appended} result(s) appended"
        )


def store(
    conn: psycopg.Connection,
    inbox_kind: str,
    files: Sequence[tuple[FileOutcome, ParsedFile | None]],
    dagster_run_id: str | None,
    actor: str | None,
) -> None:
    """Append the results of every parsed file and write every ledger row: one transaction.

    Fills in each outcome's transaction ids and final status (ingested / duplicate).
    """
    transaction = _Transaction(conn)
    transaction.put(list(files))
    transaction.end()
    _store_parts(transaction, inbox_kind, dagster_run_id, actor)


def _store_parts(
    transaction: _Transaction,
    inbox_kind: str,
    dagster_run_id: str | None,
    actor: str | None,
    before_fold: Callable[[], None] | None = None,
) -> None:
    """`store` for files that arrive in parts: each part's results are streamed into the
    log as soon as the reading thread hands it over (append_pieces), so the database
    inserts them while the next part is being parsed. `before_fold`: see append_pieces."""
    conn = transaction.conn
    with conn.transaction():
        pieces = map(_keys_and_rows, iter(transaction.next_part, None))
        appended = append_pieces(conn, pieces, actor=actor, before_fold=before_fold)
        stored = [(outcome, parsed) for outcome, parsed in transaction.files if parsed is not None]
        owners = [outcome for outcome, parsed in stored for _ in parsed.results]
        for outcome, _ in stored:
            outcome.transaction_ids, outcome.results_new = [], 0
        for owner, result in zip(owners, appended, strict=True):
            owner.transaction_ids.append(result.id)
            owner.results_new += result.inserted
        for outcome, _ in stored:
            outcome.status = INGESTED if outcome.results_new else DUPLICATE
        record(conn, inbox_kind, [o for o, _ in transaction.files], dagster_run_id)


def _keys_and_rows(part: Parsed) -> tuple[list[str], list[LogRow]]:
    """The content keys and log rows of a part's results, in order (those the reader made,
    unless the results or their source changed since)."""
    keys: list[str] = []
    rows: list[LogRow] = []
    for outcome, parsed in part:
        if parsed is None:
            continue
        if len(parsed.rows) == len(parsed.results) and parsed.source == outcome.uri:
            keys.extend(parsed.keys)
            rows.extend(parsed.rows)
        else:
            made = keys_and_rows(parsed.results, outcome.uri)
            keys.extend(made[0])
            rows.extend(made[1])
    return keys, rows


def _read_parts(
    read: Callable[[Sequence[str]], tuple[Parsed, list[str]]], names: Sequence[str], most_files: int
) -> Iterator[tuple[Parsed, list[str]]]:
    """Each part read: about PART_RESULTS results (at most READ_FILES and `most_files`
    files), judged by the results per file seen so far."""
    size = max(1, min(most_files, READ_FILES))
    files_read = results_read = 0
    position = 0
    while position < len(names):
        if results_read:
            size = max(
                1, min(most_files, READ_FILES, round(PART_RESULTS * files_read / results_read))
            )
        part = names[position : position + size]
        position += len(part)
        answer = read(part)
        files_read += len(part)
        results_read += sum(len(parsed.results) for _, parsed in answer[0] if parsed)
        yield answer


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
    """Ingest `names`: parse, store in transactions of at most `chunk_files` files, move,
    with two transactions in flight (`_InFlight`)."""
    report = BatchReport()
    read = partial(
        read_part,
        inbox,
        default_environment=default_environment,
        triggered_by=triggered_by,
        max_bytes=max_bytes,
    )
    store = partial(
        _store_transaction,
        inbox=inbox,
        inbox_kind=inbox_kind,
        dagster_run_id=dagster_run_id,
        actor=triggered_by,
    )
    with _no_cycle_collection(), _InFlight(connect, store, report, progress) as in_flight:
        # Each part goes to the open transaction as soon as it is read; a transaction holds
        # at most `chunk_files` files and ends early at RESULTS_PER_TRANSACTION results.
        transaction, held, results = None, 0, 0
        for files, missing in _read_parts(read, names, chunk_files):
            report.missing.extend(missing)  # handled by another run meanwhile
            size = len(files) + len(missing)
            if transaction is not None and held + size > chunk_files:
                transaction.end()
                transaction = None
            if transaction is None:
                transaction, held, results = in_flight.begin(), 0, 0
            transaction.put(files)
            held += size
            results += sum(len(parsed.results) for _, parsed in files if parsed)
            if held >= chunk_files or results >= RESULTS_PER_TRANSACTION:
                transaction.end()
                transaction = None
        if transaction is not None:
            transaction.end()
    return report


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the batch, as bulk loaders do: parsing makes
    several objects per result, and each few hundred allocations start a collection that
    walks the young objects (and, every so often, every object of the process — a Dagster
    run holds hundreds of thousands). What a batch makes is freed by reference counting;
    the few cycles (an exception's traceback) are collected once it resumes."""
    # Hand-tuned: +12 % on bench_ingest (b), ratio to raw COPY (docs/ingestion.md, Speed).
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class _InFlight:
    """Two transactions in flight, on two connections, each with its storing thread. The
    reading thread hands each part to the open transaction, whose thread COPYs it at once;
    while one transaction ends, the next one is already being read and COPYed:

        reading thread  | read T1    | read T2         | read T3         | read T4 …
        connection A    | COPY T1    | end T1 ········ | COPY T3         | end T3 ····
        connection B    |            | COPY T2         | end T2 ········ | COPY T4
                                          T2 folds once T1 committed ^
        (end = the rest of the COPY, the fold, the ledger, the commit, the moves;
         T3 begins once T1 has ended, on T1's connection)

    so the database inserts one transaction's rows while this process parses the next.
    Each transaction folds only after the one before it committed, so snapshot versions
    follow the order of the files exactly as with one transaction after the other. On an
    error (a failed transaction, the run stopped) every transaction that has not begun to
    commit is rolled back."""

    def __init__(self, connect, store, report: BatchReport, progress) -> None:
        self._connect, self._store = connect, store
        self._report, self._progress = report, progress
        self._connections = ExitStack()
        self._storing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="benchmon-store")
        self._idle: list[psycopg.Connection] = []
        self._in_flight: list[_Transaction] = []  # oldest first; at most two

    def __enter__(self) -> _InFlight:
        return self

    def begin(self) -> _Transaction:
        """A new transaction, its storing thread started (after the oldest of two ended)."""
        if len(self._in_flight) == 2:
            self._idle.append(self._finish(self._in_flight.pop(0)))
        # (the second connection opens only once a second transaction exists)
        conn = self._idle.pop() if self._idle else self._connections.enter_context(self._connect())
        previous = self._in_flight[-1] if self._in_flight else None
        transaction = _Transaction(conn)
        transaction.future = self._storing.submit(self._store, transaction, previous)
        self._in_flight.append(transaction)
        return transaction

    def _finish(self, transaction: _Transaction) -> psycopg.Connection:
        self._report.outcomes.extend(outcome for outcome, _ in transaction.future.result())
        self._report.changed.extend(transaction.changed)
        if self._progress:
            self._progress(self._report)
        return transaction.conn

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if error is None:
                while self._in_flight:
                    self._finish(self._in_flight.pop(0))
        except BaseException:
            self._abandon()
            raise
        else:
            if error is not None:
                self._abandon()
        finally:
            self._storing.shutdown(wait=True)
            self._connections.close()

    def _abandon(self) -> None:
        for transaction in self._in_flight:  # roll back what has not begun to commit
            transaction.abandon()
        wait([transaction.future for transaction in self._in_flight])


_END = object()


class _Abandoned(Exception):
    """The batch stopped (an error elsewhere): this transaction rolls back."""


class _Transaction:
    """One transaction of a batch: its connection, and its parts as the reading thread
    hands them to its storing thread."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.future: Future[Parsed]
        self._parts: queue.SimpleQueue = queue.SimpleQueue()
        self.ended = threading.Event()  # set once it committed or failed (before the moves)
        self.committed = False
        self.files: Parsed = []  # every part taken so far
        self.abandoned = False
        self.changed: list[FileOutcome] = []  # rewritten between read and move

    def put(self, part: Parsed) -> None:
        self._parts.put(part)

    def end(self) -> None:
        """No more parts: the storing thread ends the transaction."""
        self._parts.put(_END)

    def abandon(self) -> None:
        self.abandoned = True
        self._parts.put(_Abandoned)

    def next_part(self) -> Parsed | None:
        """The next part, once the reading thread put it (kept in `files`); None after the
        last. Raises _Abandoned (the transaction rolls back) when the batch was given up."""
        part = self._parts.get()
        if part is _Abandoned:
            raise _Abandoned
        if part is _END:
            self._parts.put(_END)  # (asked again, it is still the end)
            return None
        self.files.extend(part)
        return part

    def wait_for(self, previous: _Transaction | None) -> None:
        """Wait for the previous transaction to commit (this one folds only after it; not
        after its moves); raises _Abandoned when it failed or the batch was given up."""
        if previous is not None:
            previous.ended.wait()
            if not previous.committed:
                raise _Abandoned
        if self.abandoned:
            raise _Abandoned


def _store_transaction(
    transaction: _Transaction,
    previous: _Transaction | None,
    *,
    inbox: Inbox,
    inbox_kind: str,
    dagster_run_id: str | None,
    actor: str | None,
) -> Parsed:
    """One transaction, on a storing thread: append its parts as they come, commit, then
    move its files. Returns its files with their outcomes."""
    try:
        group = _commit(
            transaction,
            previous,
            inbox=inbox,
            inbox_kind=inbox_kind,
            dagster_run_id=dagster_run_id,
            actor=actor,
        )
        transaction.committed = True
    finally:
        transaction.ended.set()  # (the next transaction may fold now, or give up)
    transaction.changed = _move(inbox, group)
    if transaction.changed:  # (rare: their rows in a transaction of their own)
        with transaction.conn.transaction():
            record(transaction.conn, inbox_kind, transaction.changed, dagster_run_id)
    return group


def _commit(
    transaction: _Transaction,
    previous: _Transaction | None,
    *,
    inbox: Inbox,
    inbox_kind: str,
    dagster_run_id: str | None,
    actor: str | None,
) -> Parsed:
    """Append the transaction's parts as they come and commit; a chunk the database
    refuses is stored file by file instead. Returns its files with their outcomes."""
    try:
        # (its rows are all in the log before it waits for the previous one: the database
        # finishes this COPY while the previous transaction commits)
        _store_parts(
            transaction,
            inbox_kind,
            dagster_run_id,
            actor,
            before_fold=partial(transaction.wait_for, previous),
        )
        return transaction.files
    except psycopg.OperationalError:
        raise  # the database went away: the run's retry policy takes over
    except psycopg.Error as exc:
        while transaction.next_part() is not None:  # the rest of this transaction's files
            pass
        transaction.wait_for(previous)
        log.warning("a chunk was refused by the database (%s); retrying file by file", exc)
        return _store_one_by_one(
            transaction.conn, inbox, inbox_kind, transaction.files, dagster_run_id, actor
        )


def _store_one_by_one(conn, inbox, inbox_kind, files, dagster_run_id, actor):
    """Isolate the file the database refuses; quarantine it, store the others."""
    stored = []
    for outcome, parsed in files:
        try:
            store(conn, inbox_kind, [(outcome, parsed)], dagster_run_id, actor)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            error = InvalidResult(
                "rejected_by_database",
                f"the database refused this file's results: {str(exc).splitlines()[0]}",
            )
            outcome = quarantine_outcome(inbox, outcome.name, error)
            store(conn, inbox_kind, [(outcome, None)], dagster_run_id, actor)
            parsed = None
        stored.append((outcome, parsed))
    return stored


def _move(inbox: Inbox, files) -> list[FileOutcome]:
    """After the commit: archive what was stored, quarantine what was not — each only if
    it still holds the bytes that were read. Returns the `changed` outcomes of the files
    that did not (put back in the inbox for the next run)."""
    changed = []
    for outcome, _ in files:
        name = storable(outcome.name)
        try:
            if outcome.status == QUARANTINED:
                inbox.quarantine(outcome.name, outcome.error, sha256=outcome.sha256)
                log.warning("quarantined %s: %s", name, outcome.error["message"])
            else:
                inbox.archive(outcome.name, sha256=outcome.sha256)
        except FileNotFoundError:
            log.info("%s was moved by another run meanwhile", name)
        except FileChanged as exc:
            log.warning("%s", exc)
            changed.append(_changed_outcome(inbox, outcome, exc))
        except Exception as exc:  # one file that cannot be moved must not stop the others
            log.error(
                "could not move %s (%s: %s); it stays in the inbox, and its next run will "
                "find it stored already",
                name,
                type(exc).__name__,
                storable(str(exc)),
            )
    return changed


def _changed_outcome(inbox: Inbox, read: FileOutcome, changed: FileChanged) -> FileOutcome:
    """The ledger row of a file rewritten between its read and its move: the hash and size
    of what it holds now; its row before (`read`) says what became of what was read."""
    try:
        sha256, size = inbox.fingerprint(changed.back)
    except Exception:
        sha256 = size = None
    return FileOutcome(
        read.name,
        read.uri,
        CHANGED,
        format=read.format,
        sha256=sha256,
        size=size,
        warnings=[
            f"the file changed between its read (sha256 {read.sha256}) and its move "
            f"(sha256 {sha256}); what was read is stored as its row before says, and the "
            "file was left in the inbox for the next run"
            + ("" if changed.back == read.name else f" as {storable(changed.back)}")
        ],
    )
