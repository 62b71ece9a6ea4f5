"""`benchmon push` as a CI job runs it: a real subprocess, a real database."""

import json
import os
import subprocess
import sys

import psycopg

from benchmon_pipeline.cli.push import (
    EXIT_DATABASE_UNAVAILABLE,
    EXIT_INVALID_INPUT,
)
from benchmon_pipeline_tests.helpers import FIXTURES, rows

SAMPLE = FIXTURES / "sample_benchmark_results.json"


def push(*args, env, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "push", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_"))
    }
    return {**env, **extra}


def test_push_from_github_actions_fills_context_and_writes_outputs(db_url, tmp_path):
    output = tmp_path / "github_output"
    env = _env(
        BENCHMON_DATABASE_URL=db_url,
        GITHUB_ACTIONS="true",
        GITHUB_SHA="abc123",
        GITHUB_REF_NAME="main",
        GITHUB_RUN_ID="777",
        GITHUB_ACTOR="octocat",
        GITHUB_OUTPUT=str(output),
    )
    done = push("--input", str(SAMPLE), "--tags", "nightly,gpu", "--verify", "--json", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["status"], summary["new"], summary["verified"]) == ("ingested", 1, True)

    with psycopg.connect(db_url) as conn:
        (row,) = rows(
            conn,
            "SELECT id::text, commit_sha, branch_name, run_id, triggered_by,"
            " environment, tags, source FROM benchmark_transactions",
        )
        (ledger,) = rows(conn, "SELECT inbox, status, format FROM ingested_files")
    assert row["id"] == summary["transaction_ids"][0]
    assert (row["commit_sha"], row["branch_name"], row["run_id"], row["triggered_by"]) == (
        "abc123",
        "main",
        "777",
        "octocat",
    )
    assert row["environment"] == "github-actions"
    assert row["tags"] == ["nightly", "gpu"]
    assert row["source"] == str(SAMPLE.resolve())
    assert ledger == {"inbox": "push", "status": "ingested", "format": "benchmon"}
    assert f"transaction_id={row['id']}" in output.read_text()


def test_push_twice_is_stored_once_and_flags_beat_the_environment(db_url):
    env = _env(BENCHMON_DATABASE_URL=db_url, BENCHMON_ENVIRONMENT="ci")
    first = push(
        "--input",
        "-",
        "--environment",
        "staging",
        "--branch",
        "feature/x",
        env=env,
        stdin=SAMPLE.read_text(),
    )
    second = push(
        "--input",
        "-",
        "--environment",
        "staging",
        "--branch",
        "feature/x",
        env=env,
        stdin=SAMPLE.read_text(),
    )
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "stored: 1 result(s)" in first.stdout and "1 new" in first.stdout
    assert "already stored" in second.stdout
    with psycopg.connect(db_url) as conn:
        assert rows(conn, "SELECT environment, branch_name FROM benchmark_transactions") == [
            {"environment": "staging", "branch_name": "feature/x"}
        ]


def test_invalid_input_exits_65_and_names_the_problem(db_url, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "model_version": "m",
                "dataset_version": "d",
                "prompt_version": "p",
                "metrics": {"f1": "high"},
            }
        )
    )
    done = push("--input", str(bad), env=_env(BENCHMON_DATABASE_URL=db_url))
    assert done.returncode == EXIT_INVALID_INPUT
    assert "metric_not_a_number" in done.stderr and "$.metrics.f1" in done.stderr
    missing = push("--input", str(tmp_path / "nope.json"), env=_env(BENCHMON_DATABASE_URL=db_url))
    assert missing.returncode == EXIT_INVALID_INPUT and "no such file" in missing.stderr


def test_unreachable_database_exits_69_after_retries():
    env = _env(
        BENCHMON_DATABASE_URL="postgresql://u:p@127.0.0.1:9/db?connect_timeout=1",
        BENCHMON_PUSH_ATTEMPTS="2",
    )
    done = push("--input", str(SAMPLE), env=env)
    assert done.returncode == EXIT_DATABASE_UNAVAILABLE
    assert "database unavailable after 2 attempts" in done.stderr
    assert "Traceback" not in done.stderr
