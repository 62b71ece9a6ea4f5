"""Where benchmon keeps things, read once from the environment (docs/design.md §7).

Every process benchmon starts (the webserver, the daemon, run workers, tests) reads the
same variables, so the process that starts the embedded database exports its URL and the
others simply find it here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATABASE_URL_VAR = "BENCHMON_DATABASE_URL"
DAGSTER_DATABASE_URL_VAR = "BENCHMON_DAGSTER_DATABASE_URL"
HOME_VAR = "BENCHMON_HOME"
INBOX_ROOT_VAR = "BENCHMON_INBOX_ROOT"
ENVIRONMENT_VAR = "BENCHMON_ENVIRONMENT"
S3_BUCKET_VAR = "BENCHMON_S3_BUCKET"
S3_PREFIX_VAR = "BENCHMON_S3_PREFIX"
S3_ENDPOINT_VAR = "BENCHMON_S3_ENDPOINT_URL"
WEBHOOK_URL_VAR = "BENCHMON_WEBHOOK_URL"  # regression alerts; a secret (Slack's URL is a token)

DEFAULT_DAGSTER_DATABASE = "benchmon_dagster"
DEFAULT_RESULTS_DATABASE = "benchmon"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    dagster_database_url: str | None
    inbox_root: Path
    environment: str
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    webhook_url: str = ""

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        home=Path(env.get(HOME_VAR) or ".benchmon").resolve(),
        database_url=env.get(DATABASE_URL_VAR) or None,
        dagster_database_url=env.get(DAGSTER_DATABASE_URL_VAR) or None,
        inbox_root=Path(env.get(INBOX_ROOT_VAR) or ".").resolve(),
        environment=env.get(ENVIRONMENT_VAR) or "local",
        s3_bucket=env.get(S3_BUCKET_VAR, ""),
        s3_prefix=env.get(S3_PREFIX_VAR, ""),
        s3_endpoint_url=env.get(S3_ENDPOINT_VAR, ""),
        s3_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        webhook_url=env.get(WEBHOOK_URL_VAR, "").strip(),
    )
