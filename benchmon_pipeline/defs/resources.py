"""Dagster resources: the results database, the inboxes, the regression rules and the alert
webhook, configured from the environment (the work is done by the plain packages)."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg
from dagster_aws.s3 import S3Resource
from pydantic import Field

from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.planning import DEFAULT_BATCH_SIZE
from benchmon_pipeline.ingest.s3_inbox import S3Inbox
from benchmon_pipeline.regressions.alerts import Alert
from benchmon_pipeline.regressions.environment import regression_settings
from benchmon_pipeline.regressions.evaluation import RegressionSettings
from benchmon_pipeline.regressions.webhook import Webhook
from benchmon_pipeline.settings import WEBHOOK_URL_VAR, get_settings


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

        return prepare(get_settings()).results_url  # checks the schema; never migrates

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
        root = Path(self.root) if self.root else get_settings().inbox_root
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
        settings = get_settings()
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


class RegressionRulesResource(dg.ConfigurableResource):
    """How the regression checks judge: the knobs the environment sets (BENCHMON_CONFIRM_RESULTS
    …, settings.py), the rules' defaults for the rest (RegressionSettings)."""

    @classmethod
    def from_environment(cls) -> "RegressionRulesResource":
        regression_settings()  # a bad combination fails the code location's load, not a run
        return cls()

    def settings(self) -> RegressionSettings:
        return regression_settings()


class WebhookResource(dg.ConfigurableResource):
    """The chat webhook regression alerts go to (`regressions/webhook.py` `Webhook`). Empty
    `url` means `BENCHMON_WEBHOOK_URL`; both empty: disabled. Keep the URL in the
    environment variable: it is a secret, and resource config is shown in the Dagster UI."""

    url: str = Field(default="", description=f"POST target; empty: ${WEBHOOK_URL_VAR}.")
    timeout_seconds: float = Field(default=Webhook.timeout_seconds, description="Per attempt.")
    attempts: int = Field(
        default=Webhook.attempts,
        description="Tries per message (connection errors, "
        "timeouts, HTTP 429 and 5xx are tried again).",
    )
    backoff_seconds: float = Field(
        default=Webhook.backoff_seconds,
        description="First wait between tries; doubles each time, with jitter.",
    )
    min_severity: str = Field(
        default=Webhook.min_severity,
        description="WARN: every new alert; ERROR: "
        "only confirmed regressions (a WARN alert is sent if it "
        "escalates while open).",
    )

    def webhook(self) -> Webhook:
        return Webhook(**self.model_dump())

    def send(self, alerts: Sequence[Alert]) -> bool:
        return self.webhook().send(alerts)
