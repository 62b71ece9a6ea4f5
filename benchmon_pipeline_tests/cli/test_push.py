"""`benchmon push` as a CI job runs it: a real subprocess, a real database."""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli.exits import CONFIG as EXIT_CONFIG
from benchmon_pipeline.cli.main import cli
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
    done = push(
        "--input", str(SAMPLE), "--tags", "nightly,gpu", "--verify", "--format", "json", env=env
    )
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


def test_the_file_may_be_given_as_an_argument_once(db_url, tmp_path):
    env = _env(BENCHMON_DATABASE_URL=db_url)
    done = push(str(SAMPLE), "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "ingested"
    again = push("--input", str(SAMPLE), "--format", "json", env=env)  # the same file
    assert json.loads(again.stdout)["new"] == 0
    with psycopg.connect(db_url) as conn:
        assert len(rows(conn, "SELECT id FROM benchmark_transactions")) == 1

    both = push(str(SAMPLE), "--input", str(tmp_path / "other.json"), env=env)
    assert both.returncode == 2
    assert "two result files" in both.stderr and "other.json" in both.stderr
    neither = push(env=env)
    assert neither.returncode == 2
    assert "no result file: give one, `benchmon push results.json`" in neither.stderr


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


def test_a_refused_login_exits_78_at_once_and_says_what_to_check(db_url):
    # A login the server refuses for good (no such role, no such database) was reported as
    # "database unavailable", exit 69, which CI retries, and push tried it 6 times.
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    ghost = url.set(username="no_such_role_benchmon").render_as_string(hide_password=False)
    missing = url.set(database="no_such_database_benchmon").render_as_string(hide_password=False)
    for wrong, says in ((ghost, "no_such_role_benchmon"), (missing, "no_such_database")):
        done = push("--input", str(SAMPLE), env=_env(BENCHMON_DATABASE_URL=wrong))
        assert done.returncode == EXIT_CONFIG, done.stderr
        (line,) = [text for text in done.stderr.splitlines() if text.startswith("error:")]
        assert "refused the login" in line and says in line, line
        assert "BENCHMON_DATABASE_URL" in line and "attempts" not in line, line
        listed = subprocess.run(
            [sys.executable, "-m", "benchmon_pipeline.cli", "configs"],
            env=_env(BENCHMON_DATABASE_URL=wrong),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert listed.returncode == EXIT_CONFIG, listed.stderr
        assert "refused the login" in listed.stderr and "Traceback" not in listed.stderr


# Every bad input exits 65 with one line (defect 12) ---------------------------------------
# In-process through click's runner (a subprocess spends seconds importing Dagster), except
# where the process boundary is the point: bytes in argv, a variable read at import.

BIG = "1" + "0" * 400  # an integer far beyond a float's range
TAGS_120 = ",".join(f"{i:03}" + "t" * 997 for i in range(120))  # 120 tags × 1,000 characters


def push_in_process(*args, db_url, **env):
    unset = {k: None for k in os.environ if k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_"))}
    return CliRunner().invoke(
        cli, ["push", *args], env={**unset, "BENCHMON_DATABASE_URL": db_url, **env}
    )


def _file(tmp_path, name="result.json", **fields):
    path = tmp_path / name
    document = {"model_version": "m", "dataset_version": "d", "prompt_version": "p"}
    text = json.dumps({**document, "metrics": {"f1": 0.5}, **fields})
    path.write_text(text.replace('"__BIG__"', BIG))
    return path


def _stored(db_url) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0]


def _one_line_65(stderr: str, path, says: str) -> str:
    assert "Traceback" not in stderr
    (line,) = stderr.splitlines()
    shown = os.fsencode(path).decode("utf-8", "backslashreplace")  # b"\xff" as \xff
    assert line.startswith(f"error: {shown}: invalid input [") and says in line, line
    return line


@pytest.mark.parametrize(
    ("args", "env", "file_fields", "where", "says"),
    [
        pytest.param(
            ["--environment", "e" * 10_240],
            {},
            {},
            "--environment",
            "'environment' is 10,240 characters; the limit is 500",
            id="10 KB environment",
        ),
        pytest.param(
            ["--notes", "n" * 102_400],
            {},
            {},
            "--notes",
            "'notes' is 102,400 characters; the limit is 10,000",
            id="100 KB notes",
        ),
        pytest.param(
            ["--tags", TAGS_120],
            {},
            {},
            "--tags",
            "120 tags; the limit is 50",
            id="120 tags of 1,000 characters",
        ),
        pytest.param(
            ["--tags", "ok," + "t" * 1_000],
            {},
            {},
            "--tags[1]",
            "'tag' is 1,000 characters; the limit is 100",
            id="a 1,000-character tag",
        ),
        pytest.param(
            ["--tags", ",".join(f"flag{i}" for i in range(30))],
            {},
            {"tags": [f"file{i}" for i in range(30)]},
            "--tags",
            "60 tags; the limit is 50",
            id="too many tags with the file's",
        ),
        pytest.param(
            [],
            {"GITHUB_ACTIONS": "true", "GITHUB_SHA": "a" * 10_240},
            {},
            "$GITHUB_SHA",
            "'commit_sha' is 10,240 characters; the limit is 500",
            id="10 KB GITHUB_SHA",
        ),
        pytest.param(
            [],
            {"BENCHMON_ENVIRONMENT": "e" * 501},
            {},
            "$BENCHMON_ENVIRONMENT",
            "'environment' is 501 characters; the limit is 500",
            id="long BENCHMON_ENVIRONMENT",
        ),
        pytest.param(
            [],
            # what Python makes of the bytes b"\xfe\xff" in the environment (PEP 383)
            {"GITHUB_ACTIONS": "true", "GITHUB_HEAD_REF": "\udcfe\udcff"},
            {},
            "$GITHUB_HEAD_REF",
            "$GITHUB_HEAD_REF is not valid UTF-8 (byte 0xfe at character 1)",
            id="non-UTF-8 GITHUB_HEAD_REF",
        ),
        pytest.param(
            ["--notes", "caf\udce9"],
            {},
            {},
            "--notes",
            "--notes is not valid UTF-8 (byte 0xe9 at character 4)",
            id="non-UTF-8 notes",
        ),
        pytest.param([], {}, {"metrics": {"f1": "__BIG__"}}, None, "", id="huge integer metric"),
        pytest.param([], {}, {"duration_seconds": "__BIG__"}, None, "", id="huge integer duration"),
    ],
)
def test_every_bad_input_exits_65_with_one_line(
    db_url, tmp_path, args, env, file_fields, where, says
):
    path = _file(tmp_path, **file_fields)
    done = push_in_process("--input", str(path), *args, "--format", "json", db_url=db_url, **env)
    assert done.exit_code == EXIT_INVALID_INPUT, done.output[-2000:]
    line = _one_line_65(done.stderr, path, says)
    report = json.loads(done.stdout)
    assert (report["status"], report["exit_code"]) == ("error", EXIT_INVALID_INPUT)
    if where is not None:
        assert report["error"]["json_path"] == where and f" at {where}: " in line
    assert _stored(db_url) == 0


def test_a_non_utf8_input_name_exits_65(db_url, tmp_path):
    path = os.fsdecode(os.fsencode(tmp_path) + b"/r\xff.json")  # as argv would give it
    with open(path, "w") as handle:
        json.dump(json.loads(SAMPLE.read_text()), handle)
    done = push_in_process("--input", path, db_url=db_url)
    assert done.exit_code == EXIT_INVALID_INPUT, done.output[-2000:]
    _one_line_65(done.stderr, path, "--input is not valid UTF-8 (byte 0xff at character")
    assert _stored(db_url) == 0


def test_non_utf8_bytes_in_argv_exit_65(db_url, tmp_path):
    path = _file(tmp_path)
    done = push(
        "--input", str(path), "--branch", b"feature-\xff", env=_env(BENCHMON_DATABASE_URL=db_url)
    )
    assert done.returncode == EXIT_INVALID_INPUT, done.stderr[-2000:]
    _one_line_65(done.stderr, path, "--branch is not valid UTF-8 (byte 0xff at character 9)")
    assert _stored(db_url) == 0


def test_a_huge_attempts_setting_exits_78(db_url, tmp_path):
    # A setting, not an input: settings.py's one line and exit code, as for every BENCHMON_*.
    path = _file(tmp_path)
    env = _env(BENCHMON_DATABASE_URL=db_url, BENCHMON_PUSH_ATTEMPTS="9" * 5_000)
    done = push("--input", str(path), "--format", "json", env=env)
    assert done.returncode == EXIT_CONFIG, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and len(done.stderr) < 300, done.stderr
    assert done.stderr.startswith("error: BENCHMON_PUSH_ATTEMPTS='9999")
    assert "is not a whole number from 1 to 100; unset it for the default (6)" in done.stderr
    assert _stored(db_url) == 0


def test_values_at_the_limits_are_stored(db_url, tmp_path):
    tags = ",".join(f"{i:02}" + "t" * 98 for i in range(50))  # 50 tags × 100 characters
    done = push_in_process(
        "--input",
        str(_file(tmp_path)),
        "--environment",
        "e" * 500,
        "--notes",
        "n" * 10_000,
        "--tags",
        tags,
        db_url=db_url,
        GITHUB_ACTIONS="true",
        GITHUB_SHA="a" * 500,
    )
    assert done.exit_code == 0, done.output
    with psycopg.connect(db_url) as conn:
        (row,) = rows(
            conn, "SELECT environment, notes, tags, commit_sha FROM benchmark_transactions"
        )
    lengths = (len(row["environment"]), len(row["notes"]), len(row["commit_sha"]))
    assert lengths == (500, 10_000, 500)
    assert row["tags"] == tags.split(",")


def test_a_file_of_more_configurations_than_the_lock_table_holds_is_stored(db_url, tmp_path):
    # One advisory lock per configuration ran PostgreSQL out of shared lock memory between
    # 10,000 and 15,000 configurations in one file ("out of shared memory"), which push
    # reported as exit 69 (retry) and the inbox retried for ever. The locks are now taken on
    # a bounded set of keys (sql/0042).
    count = 15_000
    document = {
        "results": [
            {
                "model_version": f"sweep-{i}",
                "dataset_version": "d",
                "prompt_version": "p",
                "metrics": {"a": 1.0},
            }
            for i in range(count)
        ]
    }
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(document))
    done = push_in_process("--input", str(path), "--environment", "e", db_url=db_url)
    assert done.exit_code == 0, done.output
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT count(*) FROM benchmark_snapshots").fetchone()[0]
    assert stored == count


def test_push_reads_the_sidecar_next_to_the_file(db_url, tmp_path):
    # The inbox read `run.benchmon.json` beside `run.json`; push ignored it and refused a
    # custom github-action-benchmark file for want of the direction the sidecar gave.
    path = tmp_path / "run.json"
    path.write_text(json.dumps([{"name": "API p99", "unit": "req/s", "value": 250}]))
    refused = push_in_process("--input", str(path), "--environment", "e", db_url=db_url)
    assert refused.exit_code == EXIT_INVALID_INPUT and "missing_direction" in refused.output
    (tmp_path / "run.benchmon.json").write_text(json.dumps({"direction": "higher"}))
    done = push_in_process("--input", str(path), "--environment", "e", db_url=db_url)
    assert done.exit_code == 0, done.output
    with psycopg.connect(db_url) as conn:
        stated = conn.execute("SELECT metric_directions FROM benchmark_transactions").fetchall()
    assert stated == [({"value": "higher"},)]
