"""Every setting benchmon reads from the environment, in one typed object (docs/design.md §7).

`get_settings()` reads the environment once per process and keeps the answer; every
process benchmon starts (the webserver, the daemon, run workers, the CLI) reads the same
variables, so the process that starts the embedded database exports its URL and the
others simply find it here. A value that does not parse is an `InvalidSetting` whose one
line names the variable, what it holds, the form expected and the default: the CLI prints
it and exits 78 (EX_CONFIG), and Dagster refuses to load the code location with it.
Nothing is read at import time, so `benchmon --help` works whatever the environment holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "BENCHMON_"
DATABASE_URL_VAR = "BENCHMON_DATABASE_URL"
DAGSTER_DATABASE_URL_VAR = "BENCHMON_DAGSTER_DATABASE_URL"
HOME_VAR = "BENCHMON_HOME"
INBOX_ROOT_VAR = "BENCHMON_INBOX_ROOT"
ENVIRONMENT_VAR = "BENCHMON_ENVIRONMENT"
S3_BUCKET_VAR = "BENCHMON_S3_BUCKET"
S3_PREFIX_VAR = "BENCHMON_S3_PREFIX"
S3_ENDPOINT_VAR = "BENCHMON_S3_ENDPOINT_URL"
WEBHOOK_URL_VAR = "BENCHMON_WEBHOOK_URL"  # regression alerts; a secret (Slack's URL is a token)
TRENDS_START_DATE_VAR = "BENCHMON_TRENDS_START_DATE"
BLOCKING_VAR = "BENCHMON_BLOCKING_CHECKS"

DEFAULT_DAGSTER_DATABASE = "benchmon_dagster"
DEFAULT_RESULTS_DATABASE = "benchmon"

# The regression rules' knobs (docs/regressions.md): unset means the rule's own default
# (regressions/evaluation.py RegressionSettings), so they are listed here once, as optional.
REGRESSION_KNOBS = (
    "confirm_results",
    "history_confirm_results",
    "history_window",
    "history_min_results",
    "history_threshold_z",
    "stale_warn_after",
    "stale_error_after",
)

_FORMS = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    date: "a date (YYYY-MM-DD)",
    Path: "a path",
    str: "text",
}


class InvalidSetting(ValueError):
    """A variable whose value does not parse; the message is one line saying how to fix it."""

    def __init__(self, variable: str, message: str):
        super().__init__(message)
        self.variable = variable


class Settings(BaseSettings):
    """What the environment says, typed. Empty values count as unset."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    home: Path = Path(".benchmon")
    database_url: str | None = None
    dagster_database_url: str | None = None
    inbox_root: Path = Path(".")
    environment: str = "local"
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = Field("", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    webhook_url: str = ""
    trends_start_date: date = date(2024, 1, 1)
    blocking_checks: bool = False
    confirm_results: int | None = None
    history_confirm_results: int | None = None
    history_window: int | None = None
    history_min_results: int | None = None
    history_threshold_z: float | None = None
    stale_warn_after: float | None = None
    stale_error_after: float | None = None

    @field_validator("home", "inbox_root")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.resolve()

    @field_validator("webhook_url")
    @classmethod
    def _stripped(cls, url: str) -> str:
        return url.strip()

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    def regression_overrides(self) -> dict[str, int | float]:
        """The regression knobs the environment sets (the others keep the rule's default)."""
        return {k: v for k in REGRESSION_KNOBS if (v := getattr(self, k)) is not None}


def variable_of(field: str) -> str:
    """The environment variable that sets `field`."""
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else PREFIX + field.upper()


def _variables(field: str) -> list[str]:
    alias = Settings.model_fields[field].validation_alias
    return list(alias.choices) if isinstance(alias, AliasChoices) else [PREFIX + field.upper()]


def _invalid(error: ValidationError) -> InvalidSetting:
    """The first problem as one line: variable, value, expected form, default."""
    problem = error.errors()[0]
    field = str(problem["loc"][0])
    if field not in Settings.model_fields:  # validated under an alias name
        field = next(f for f in Settings.model_fields if str(problem["loc"][0]) in _variables(f))
    info = Settings.model_fields[field]
    kind = next((k for k in _FORMS if k in _types(info.annotation)), str)
    default = info.default
    fallback = (
        "unset it for the rule's default"
        if default is None and field in REGRESSION_KNOBS
        else f"unset it for the default ({default})"
        if default not in (None, "")
        else "unset it to leave it out"
    )
    variable = variable_of(field)
    shown = repr(str(problem.get("input", "")))[:80]
    return InvalidSetting(
        variable, f"{variable}={shown} is not {_FORMS[kind]}; set {_FORMS[kind]} or {fallback}"
    )


def _types(annotation: Any) -> tuple:
    return getattr(annotation, "__args__", None) or (annotation,)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings `env` describes (default: this process's environment), read now."""
    try:
        if env is None:
            return Settings()
        values = {}
        for field in Settings.model_fields:
            for variable in _variables(field):
                if env.get(variable):
                    values[field] = env[variable]
                    break
        return Settings.model_validate(values)
    except ValidationError as error:
        raise _invalid(error) from None


@cache
def get_settings() -> Settings:
    """The settings of this process, read from its environment once."""
    return load_settings()


def reset_settings() -> None:
    """Read the environment again at the next `get_settings()` (a test changed it)."""
    get_settings.cache_clear()
