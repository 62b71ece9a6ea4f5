"""Every setting benchmon reads from the environment, in one typed object (the README's
Configuration table lists them).

`get_settings()` reads the environment once per process and keeps the answer; every
process benchmon starts (the webserver, the daemon, run workers, the CLI) reads the same
variables, so the process that starts the embedded database exports its URL and the
others simply find it here. A value that does not parse is an `InvalidSetting` whose one
line names the variable, what it holds (a URL without its password), the form expected
(`form_of`: the field's type, its bounds, or its `Form`) and what unset means (`unset_of`:
the field's `description`, else its default): the CLI reads the settings when a command
starts (cli/main.py), prints that line and exits 78 (EX_CONFIG), and Dagster refuses to
load the code location with it. Nothing is read at import time, so `benchmon --help`
works whatever the environment holds. README's configuration table lists the same
variables, forms and defaults, held equal by the tests.

The regression rules' knobs are listed here once (`RegressionKnobs`: variable and type)
and once in `RegressionSettings` (regressions/evaluation.py: default and checks, which
this bottom layer cannot import); a test holds the two equal, and the Dagster resource
lists none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import annotated_types
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    Field,
    ValidationError,
    field_validator,
)
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
PUSH_ATTEMPTS_VAR = "BENCHMON_PUSH_ATTEMPTS"

DEFAULT_DAGSTER_DATABASE = "benchmon_dagster"
DEFAULT_RESULTS_DATABASE = "benchmon"

_FORMS = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    date: "a date (YYYY-MM-DD)",
    Path: "a path",
    str: "text",
}


@dataclass(frozen=True)
class Form:
    """What a value of a setting looks like, in words, for the message about one that is
    not; a URL is shown without its password, and a `secret` one without its path too."""

    text: str
    url: bool = False
    secret: bool = False


def _postgres_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise ValueError("not a PostgreSQL URL naming a database")
    return url


def _http_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ValueError("not an http(s) URL")
    return url


PostgresURL = Annotated[
    str,
    AfterValidator(_postgres_url),
    Form("a PostgreSQL URL naming a database (postgresql://user:password@host:5432/name)", True),
]


def _folder(path: Path) -> Path:
    """A folder benchmon keeps its state in: made when missing, so only a path that cannot
    become one is refused (a file, or a file on the way: /dev/null, ./notes.txt/x)."""
    path = path.resolve()
    for existing in (path, *path.parents):
        if existing.exists():
            if not existing.is_dir():
                raise ValueError(f"{existing} is not a folder")
            break
    return path


HttpURL = Annotated[str, AfterValidator(_http_url), Form("an http(s):// URL", True)]
Folder = Annotated[Path, AfterValidator(_folder), Form("a folder (made when missing)")]
WebhookURL = Annotated[str, AfterValidator(_http_url), Form("an http(s):// URL", True, True)]


class InvalidSetting(ValueError):
    """A variable whose value does not parse; the message is one line saying how to fix it."""

    def __init__(self, variable: str, message: str):
        super().__init__(message)
        self.variable = variable


class RegressionKnobs(BaseModel):
    """The regression rules' knobs (docs/regressions.md), listed here once: each is a field
    of `RegressionSettings` (regressions/evaluation.py), which holds the defaults and checks
    that they fit together. Unset (None) means the rule's default; a test holds the names
    and types of the two equal."""

    confirm_results: int | None = None
    history_confirm_results: int | None = None
    history_window: int | None = None
    history_min_results: int | None = None
    history_threshold_z: float | None = None
    stale_warn_after: float | None = None
    stale_error_after: float | None = None


REGRESSION_KNOBS = tuple(RegressionKnobs.model_fields)


class Settings(BaseSettings, RegressionKnobs):
    """What the environment says, typed. Empty values count as unset."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        allow_inf_nan=False,
    )

    home: Folder = Path(".benchmon")
    # A field's `description` says what unset means, when that is not its default's value.
    database_url: PostgresURL | None = Field(None, description="the embedded server")
    dagster_database_url: PostgresURL | None = Field(
        None, description="a database beside the results'"
    )
    inbox_root: Path = Path(".")
    environment: str = "local"
    s3_bucket: str = Field("", description="no S3 inbox")
    s3_prefix: str = Field("", description="the bucket's top")
    s3_endpoint_url: HttpURL = Field("", description="AWS S3 itself")
    s3_region: str = Field(
        "",
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"),
        description="the AWS default",
    )
    webhook_url: WebhookURL = Field("", description="no messages")
    repo_url: HttpURL = Field("", description="commits shown as text")
    trends_start_date: date = date(2024, 1, 1)
    blocking_checks: bool = False
    push_attempts: int = Field(6, ge=1, le=100)  # `benchmon push`'s tries of the database

    @field_validator("inbox_root")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.resolve()

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
    """The first problem as one line: variable, value, the form expected, what unset means."""
    problem = error.errors()[0]
    field = str(problem["loc"][0])
    if field not in Settings.model_fields:  # validated under an alias name
        field = next(f for f in Settings.model_fields if field in _variables(f))
    variable = variable_of(field)
    form = form_of(field)
    value = str(problem.get("input", ""))
    marker = _form_marker(field)
    shown = _hidden(value, marker.secret) if marker.url else value
    shown = shown if len(shown) <= 60 else shown[:60] + "…"
    return InvalidSetting(
        variable, f"{variable}={shown!r} is not {form}; unset it for {unset_of(field)}"
    )


def unset_of(field: str) -> str:
    """What leaving `field` unset means (README's configuration table too)."""
    info = Settings.model_fields[field]
    if info.description:
        return info.description
    if field in REGRESSION_KNOBS:
        return "the rule's default"
    default = str(info.default).lower() if isinstance(info.default, bool) else info.default
    return f"the default ({default})"


def form_of(field: str) -> str:
    """What a value of `field` looks like, in words (README's configuration table too)."""
    info = Settings.model_fields[field]
    marker = _form_marker(field)
    if marker.text:
        return marker.text
    kind = next((k for k in _FORMS if k in _types(info.annotation)), str)
    low = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        return f"{_FORMS[kind]} from {low} to {high}"
    return _FORMS[kind]


def _form_marker(field: str) -> Form:
    annotation = Settings.model_fields[field].annotation
    for member in _types(annotation):
        for marker in getattr(member, "__metadata__", ()):
            if isinstance(marker, Form):
                return marker
    for marker in Settings.model_fields[field].metadata:
        if isinstance(marker, Form):
            return marker
    return Form("")


def _hidden(url: str, path_too: bool) -> str:
    """A URL as it may be printed: no password; for a secret one, no path either."""
    try:
        parts = urlsplit(url.strip())
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}{':***' if parts.password else ''}@" if parts.username else ""
    except ValueError:
        return "…"
    if path_too:
        return f"{parts.scheme}://{host}/…" if parts.scheme else "…"
    return parts._replace(netloc=user + host).geturl() if parts.password else url


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
