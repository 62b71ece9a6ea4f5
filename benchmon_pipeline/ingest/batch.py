"""Ingest a batch of inbox files: the one code path the sensor's runs use.

Each file is read, its results committed, and only then moved to the archive; a file that
cannot be read goes to quarantine with its reason. One bad file never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import psycopg

from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.reading import read_results
from benchmon_pipeline.ingest.result import InvalidResult
from benchmon_pipeline.ingest.store import append_results

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    seen: int = 0
    ingested: list[str] = field(default_factory=list)
    quarantined: dict[str, dict] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    transaction_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def ingest_batch(
    names: Sequence[str],
    inbox: FolderInbox,
    connect: Callable[[], AbstractContextManager[psycopg.Connection]],
    *,
    default_environment: str,
    triggered_by: str = "inbox",
) -> BatchReport:
    report = BatchReport()
    with connect() as conn:
        for name in names:
            report.seen += 1
            path = inbox.path_of(name)
            if not path.exists() and not path.is_symlink():
                report.missing.append(name)  # handled by an earlier run
                continue
            try:
                results = read_results(path, inside=inbox.inbox_dir)
            except InvalidResult as exc:
                inbox.quarantine(name, exc.report())
                report.quarantined[name] = exc.report()
                log.warning("quarantined %s: %s", name, exc.message)
                continue
            environment = inbox.environment_of(name) or default_environment
            results = [r.with_defaults(environment=environment, triggered_by=triggered_by)
                       for r in results]
            with conn.transaction():
                ids = append_results(conn, results)
            inbox.archive(name)
            report.ingested.append(name)
            report.transaction_ids.extend(ids)
            report.warnings.extend(f"{name}: {w}" for r in results for w in r.warnings)
    return report
