"""What a command says when its input, its output or its environment is wrong: one line
starting with `error:` and the code docs/cli.md's table gives, never "internal error"
(exit 70) for something the user can fix. Real subprocesses, a real database."""

import subprocess

import psycopg

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.cli.test_conventions import BENCHMON, clean_env
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith(("error:", "Error:"))]
    assert len(errors) == 1 and errors[0].startswith("error: "), stderr
    return errors[0]


def _stored(db_url: str, count: int = 3) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        for n in range(count):
            upsert(conn, CONFIG, {"f1": 0.9 + n / 100, "latency_ms": 400})


def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly(db_url):
    _stored(db_url)
    for command in (
        ["export", "transactions", "--format", "jsonl"],
        ["configs", "--format", "json"],
    ):
        process = subprocess.Popen(
            [BENCHMON, *command],
            env=clean_env(BENCHMON_DATABASE_URL=db_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        process.stdout.close()  # as `| head -1` does once it has its line
        stderr = process.stderr.read()
        assert process.wait(timeout=120) == exits.PIPE_CLOSED, stderr
        assert "error" not in stderr and "Exception ignored" not in stderr, stderr
