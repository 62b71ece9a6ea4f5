"""Dagster resources: the results database and the inbox, configured from the environment."""


from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg

from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.settings import load_settings


class PostgresResource(dg.ConfigurableResource):
    """The results database.

    Empty `database_url` means: `BENCHMON_DATABASE_URL`, else the embedded server under
    BENCHMON_HOME (which `benchmon dev` has started and exported; a process started
    some other way attaches to, or starts, the same server).
    """

    database_url: str = ""

    def url(self) -> str:
        if self.database_url:
            from benchmon_pipeline.db.urls import libpq_url

            return libpq_url(self.database_url)
        from benchmon_pipeline.db.server import prepare

        return prepare(load_settings()).results_url

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.url(), connect_timeout=10) as conn:
            yield conn


class InboxResource(dg.ConfigurableResource):
    """The watched folder: `<root>/inbox`, with `archive/` and `quarantine/` beside it."""

    root: str = ""
    settle_seconds: float = 2.0
    batch_size: int = 500

    def folder(self) -> FolderInbox:
        root = Path(self.root) if self.root else load_settings().inbox_root
        return FolderInbox(root.resolve(), settle_seconds=self.settle_seconds)
