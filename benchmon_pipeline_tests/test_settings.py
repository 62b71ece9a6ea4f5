"""Settings: one typed object read once; a bad value is one line naming the variable, for the
CLI (exit 78) and for Dagster's code location; `--help` works whatever the environment holds."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from benchmon_pipeline.db.urls import dagster_storage_url
from benchmon_pipeline.settings import (
    InvalidSetting,
    get_settings,
    load_settings,
    reset_settings,
    variable_of,
)

PROJECT = Path(__file__).resolve().parents[1]
BENCHMON = Path(sys.executable).with_name("benchmon")

BAD = [
    ("BENCHMON_HISTORY_WINDOW", "sixty", "is not a whole number", "the rule's default"),
    ("BENCHMON_HISTORY_THRESHOLD_Z", "high", "is not a number", "the rule's default"),
    ("BENCHMON_BLOCKING_CHECKS", "maybe", "is not true or false", "the default (False)"),
    ("BENCHMON_TRENDS_START_DATE", "yesterday", "is not a date (YYYY-MM-DD)", "(2024-01-01)"),
    ("BENCHMON_STALE_WARN_AFTER", "3 days", "is not a number", "the rule's default"),
]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    return {**env, "BENCHMON_HOME": str(tmp_path / "home"), **extra}


@pytest.mark.parametrize(("variable", "value", "problem", "default"), BAD)
def test_a_bad_value_is_one_line_naming_the_variable(tmp_path, variable, value, problem, default):
    done = subprocess.run(
        [str(BENCHMON), "inbox", "quarantined"],
        env=clean_env(tmp_path, **{variable: value}, BENCHMON_INBOX_ROOT=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 78, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"benchmon: {variable}={value!r} {problem}")
    assert default in lines[0]
    assert "Traceback" not in done.stderr


def test_help_works_whatever_the_environment_holds(tmp_path):
    bad = {variable: value for variable, value, _, _ in BAD}
    for args in (["--help"], ["push", "--help"], ["regressions", "--help"], ["dev", "--help"]):
        done = subprocess.run(
            [str(BENCHMON), *args],
            env=clean_env(tmp_path, **bad),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stderr)
        assert "Usage:" in done.stdout


def test_dagster_refuses_to_load_with_the_same_line(db_url, dagster_db_url):
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT,
        env={
            **os.environ,
            "BENCHMON_DATABASE_URL": db_url,
            "BENCHMON_DAGSTER_STORAGE_URL": dagster_storage_url(dagster_db_url),
            "BENCHMON_TRENDS_START_DATE": "2024-13-45",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert (
        "BENCHMON_TRENDS_START_DATE='2024-13-45' is not a date (YYYY-MM-DD)"
        in done.stdout + done.stderr
    )


def test_values_are_typed_and_empty_counts_as_unset(tmp_path):
    settings = load_settings(
        {
            "BENCHMON_HOME": str(tmp_path),
            "BENCHMON_HISTORY_WINDOW": "30",
            "BENCHMON_BLOCKING_CHECKS": "yes",
            "BENCHMON_TRENDS_START_DATE": "2025-06-01",
            "BENCHMON_ENVIRONMENT": "",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    assert settings.home == tmp_path.resolve() and settings.pgdata == tmp_path / "pgdata"
    assert settings.history_window == 30 and settings.blocking_checks is True
    assert settings.trends_start_date == date(2025, 6, 1)
    assert settings.environment == "local"  # empty: the default
    assert settings.s3_region == "eu-west-1"
    assert settings.regression_overrides() == {"history_window": 30}
    assert variable_of("s3_region") == "AWS_REGION"
    with pytest.raises(InvalidSetting, match="BENCHMON_CONFIRM_RESULTS='two'") as raised:
        load_settings({"BENCHMON_CONFIRM_RESULTS": "two"})
    assert raised.value.variable == "BENCHMON_CONFIRM_RESULTS"


def test_the_environment_is_read_once(monkeypatch, tmp_path):
    monkeypatch.setenv("BENCHMON_ENVIRONMENT", "first")
    reset_settings()
    first = get_settings()
    monkeypatch.setenv("BENCHMON_ENVIRONMENT", "second")
    assert get_settings() is first and first.environment == "first"
    reset_settings()
    assert get_settings().environment == "second"
