"""Dagster resources: the results database and the inboxes, configured from the environment."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg
from dagster_aws.s3 import S3Resource

from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.s3_inbox import S3Inbox
from benchmon_pipeline.settings import load_settings

DEFAULT_BATCH_SIZE = 5000  # files per run: a run costs seconds to start, a file ~0.5 ms


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
    batch_size: int = DEFAULT_BATCH_SIZE

    def folder(self) -> FolderInbox:
        root = Path(self.root) if self.root else load_settings().inbox_root
        return FolderInbox(root.resolve(), settle_seconds=self.settle_seconds)


class S3InboxResource(dg.ConfigurableResource):
    """The bucket inbox: `s3://<bucket>/<prefix>/inbox/`, with `archive/`, `quarantine/`.

    Credentials come the usual AWS ways (AWS_ACCESS_KEY_ID…, a profile, an instance
    role); `endpoint_url` points at MinIO, Ceph, R2 or any S3-compatible server.
    """

    bucket: str = ""
    prefix: str = ""
    endpoint_url: str = ""
    region_name: str = ""
    settle_seconds: float = 2.0
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def from_environment(cls) -> "S3InboxResource":
        settings = load_settings()
        return cls(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
        )

    def inbox(self) -> S3Inbox:
        client = S3Resource(
            endpoint_url=self.endpoint_url or None, region_name=self.region_name or None
        ).get_client()
        return S3Inbox(client, self.bucket, self.prefix, settle_seconds=self.settle_seconds)
