"""Settings: one typed object read once; a bad value is one line naming the variable, for the
CLI (exit 78) and for Dagster's code location; `--help` works whatever the environment holds."""

import os
import re
import subprocess
import sys
import typing
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.db import packaged
from benchmon_pipeline.db.urls import dagster_storage_url
from benchmon_pipeline.regressions.environment import settings_from_environment
from benchmon_pipeline.regressions.evaluation import RegressionSettings
from benchmon_pipeline.settings import (
    REGRESSION_KNOBS,
    InvalidSetting,
    RegressionKnobs,
    Settings,
    form_of,
    get_settings,
    load_settings,
    reset_settings,
    unset_of,
    variable_of,
)

PROJECT = Path(__file__).resolve().parents[1]
BENCHMON = Path(sys.executable).with_name("benchmon")

BAD = [  # one of each kind of value: the real CLI, a real process each
    ("BENCHMON_HISTORY_WINDOW", "sixty", "is not a whole number", "the rule's default"),
    ("BENCHMON_HISTORY_THRESHOLD_Z", "high", "is not a number", "the rule's default"),
    ("BENCHMON_STALE_ERROR_AFTER", "nan", "is not a number", "the rule's default"),
    ("BENCHMON_BLOCKING_CHECKS", "maybe", "is not true or false", "the default (false)"),
    ("BENCHMON_TRENDS_START_DATE", "yesterday", "is not a date (YYYY-MM-DD)", "(2024-01-01)"),
    ("BENCHMON_PUSH_ATTEMPTS", "0", "is not a whole number from 1 to 100", "the default (6)"),
    ("BENCHMON_DATABASE_URL", "mysql://me@db/x", "is not a PostgreSQL URL", "embedded server"),
    ("BENCHMON_S3_ENDPOINT_URL", "minio:9000", "is not an http(s):// URL", "AWS S3 itself"),
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
    assert lines[0].startswith(f"error: {variable}={value!r} {problem}")
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


def test_dagster_refuses_to_load_with_the_same_line(db_url, dagster_db_url, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate"]
        + ["-w", str(packaged.workspace_file())],
        cwd=tmp_path,
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


def _leaves(command: click.Command, path: tuple[str, ...] = ()):
    """Every command of the CLI, as the words that run it."""
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            yield from _leaves(command.get_command(context, name), (*path, name))
    else:
        yield path


# What each command needs to get past its argument parsing (a bad setting then stops it).
ARGUMENTS = {
    ("push",): ["--input", "results.json"],
    ("trends", "backfill"): ["--from", "2024-01-01", "--to", "2024-01-02"],
    ("alerts", "ack"): ["1"],
    ("alerts", "resolve"): ["1"],
    ("alerts", "accept"): ["1", "--reason", "intended"],
    ("checkout",): ["--version", "2", "--reason", "rollback"],
    ("baseline", "set"): ["--reason", "golden"],
    ("baseline", "clear"): ["--reason", "new era"],
    ("deactivate",): ["--version", "3", "--reason", "bad run"],
    ("activate",): ["--version", "3", "--reason", "fine"],
    ("thresholds", "set"): ["--metric", "f1", "--rel", "0.02"],
    ("thresholds", "unset"): ["--metric", "f1"],
    ("branches", "track"): ["--branch", "release"],
    ("db", "archive"): ["--before", "2020-01", "--dry-run"],
    ("db", "restore-archive"): [__file__],  # any file that exists: the settings come first
}


def test_every_command_reads_the_settings_before_it_starts(tmp_path, monkeypatch):
    # The whole command tree, in this process (the processes above show one command each).
    commands = list(_leaves(cli))
    assert ("dev",) in commands and ("db", "shell") in commands
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.startswith(("BENCHMON_", "DAGSTER_"))]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("BENCHMON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BENCHMON_PUSH_ATTEMPTS", "lots")
    for words in commands:
        reset_settings()
        done = CliRunner().invoke(cli, [*words, *ARGUMENTS.get(words, [])])
        assert (done.exit_code, done.stdout) == (78, ""), (words, done.output)
        assert done.stderr == (
            "error: BENCHMON_PUSH_ATTEMPTS='lots' is not a whole number from 1 to 100;"
            " unset it for the default (6)\n"
        ), words
        reset_settings()
        helped = CliRunner().invoke(cli, [*words, "--help"])
        assert (helped.exit_code, helped.stderr) == (0, ""), words
        assert "Usage:" in helped.stdout
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_secrets_in_a_bad_url_are_not_printed(tmp_path):
    for variable, value, shown in [
        ("BENCHMON_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/s3cr3t", "'…'"),
        ("BENCHMON_WEBHOOK_URL", "ftp://hooks.example/T0/s3cr3t", "'ftp://hooks.example/…'"),
        ("BENCHMON_DATABASE_URL", "mysql://me:s3cr3t@db:5432/x", "'mysql://me:***@db:5432/x'"),
    ]:
        done = subprocess.run(
            [str(BENCHMON), "regressions"],
            env=clean_env(tmp_path, **{variable: value}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 78, done.stderr
        assert done.stderr.startswith(f"error: {variable}={shown} is not ")
        assert "s3cr3t" not in done.stderr


def test_regression_knobs_are_the_rules_fields():
    # Listed once in settings.py (RegressionKnobs: the variables and their types) and once
    # in RegressionSettings (the defaults and the checks); the names and types agree.
    rules = typing.get_type_hints(RegressionSettings)
    for knob in REGRESSION_KNOBS:
        assert knob in rules, knob
        assert Settings.model_fields[knob].annotation == rules[knob] | None, knob
    assert REGRESSION_KNOBS == tuple(RegressionKnobs.model_fields)


def test_knobs_that_do_not_fit_together_are_one_line():
    env = {"BENCHMON_STALE_WARN_AFTER": "9", "BENCHMON_STALE_ERROR_AFTER": "4"}
    with pytest.raises(InvalidSetting) as raised:
        settings_from_environment(env)
    message = str(raised.value)
    assert message.startswith(
        "BENCHMON_STALE_WARN_AFTER=9.0, BENCHMON_STALE_ERROR_AFTER=4.0 do not fit together ("
    )
    assert "\n" not in message and raised.value.variable == "BENCHMON_STALE_WARN_AFTER"


def _readme_rows() -> dict[str, list[str]]:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            for variable in re.findall(r"`([A-Z0-9_]+)`", cells[0]):
                assert variable not in rows, f"{variable} is listed twice"
                rows[variable] = [c.strip("`") for c in cells[1:]]
    return rows


def test_the_readme_lists_every_setting_once_with_its_form_and_default():
    rows = _readme_rows()
    rules = RegressionSettings()
    for field in Settings.model_fields:
        variable = variable_of(field)
        assert variable in rows, f"{variable} is missing from README's configuration table"
        form, unset, _ = rows.pop(variable)
        assert form == form_of(field), variable
        if field in REGRESSION_KNOBS:
            assert unset == str(getattr(rules, field)), variable
        else:
            assert unset_of(field) in (unset, f"the default ({unset})"), variable
    rows.pop("AWS_DEFAULT_REGION")  # AWS_REGION's second spelling
    assert rows == {}, "README lists variables that are not settings"


def test_only_settings_py_names_benchmon_variables():
    # Any other module reads configuration through get_settings(); the two names it may
    # spell are not settings: the URL `benchmon dev` hands to Dagster's processes
    # (dagster.yaml), and the marker of the processes one `benchmon dev` started.
    package = PROJECT / "benchmon_pipeline"
    spelled = {}
    for path in package.rglob("*.py"):
        if path.name != "settings.py":
            for name in re.findall(r"[\"'](BENCHMON_[A-Z0-9_]+)[\"']", path.read_text("utf-8")):
                spelled.setdefault(name, []).append(path.relative_to(package).as_posix())
    assert spelled == {
        "BENCHMON_DAGSTER_STORAGE_URL": ["cli/environment.py"],
        "BENCHMON_DEV_SESSION": ["cli/dev.py"],
    }
