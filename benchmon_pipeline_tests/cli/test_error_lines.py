"""What a command says when its input, its output or its environment is wrong: one line
starting with `error:` and the code docs/cli.md's table gives, never "internal error"
(exit 70) for something the user can fix. Real subprocesses, a real database."""

import json
import os
import subprocess

import psycopg

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.cli.test_conventions import BENCHMON, benchmon, clean_env
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


def _run(*args, **env) -> subprocess.CompletedProcess:
    """`benchmon` with arguments that may be bytes (as a shell passes $'\\xff')."""
    return subprocess.run([BENCHMON, *args], env=clean_env(**env), capture_output=True, timeout=120)


def test_an_argument_that_is_not_utf8_exits_65_naming_it_in_every_command(db_url):
    _stored(db_url, 1)
    for args, named in (
        (["regressions", "--model", b"bad\xff"], "--model"),
        (["checkout", "--model", CONFIG[0], "--version", "1", "--reason", b"r\xff"], "--reason"),
        (["thresholds", "set", "--metric", b"m\xff", "--rel", "0.1"], "--metric"),
        (["export", "transactions", "--model", b"bad\xff"], "--model"),
        (["alerts", "ack", "1", "--note", b"caf\xe9"], "--note"),
    ):
        done = _run(*args, BENCHMON_DATABASE_URL=db_url)
        stderr = done.stderr.decode("utf-8", "backslashreplace")
        assert done.returncode == exits.INVALID_INPUT, (args, stderr)
        line = _one_error_line(stderr)
        assert line.startswith(f"error: {named} is not valid UTF-8 (byte 0x"), line
        assert line.endswith("; give it as UTF-8 text"), line
    from_variable = _run(
        "regressions", BENCHMON_DATABASE_URL=db_url, GITHUB_HEAD_REF=b"feature-\xff"
    )
    assert from_variable.returncode == exits.INVALID_INPUT
    assert _one_error_line(from_variable.stderr.decode()).startswith(
        "error: $GITHUB_HEAD_REF is not valid UTF-8 (byte 0xff at character 9)"
    )


def _a_warn(db_url: str) -> None:
    """A configuration whose newest version is worse than its baseline: a WARN."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.9})
        upsert(conn, CONFIG, {"f1": 0.7})
    done = benchmon(
        "baseline", "set", "--model", CONFIG[0], "--version", "1", "--reason", "golden",
        BENCHMON_DATABASE_URL=db_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_an_unwritable_summary_file_is_said_and_the_gates_verdict_still_wins(db_url, tmp_path):
    _a_warn(db_url)
    missing = tmp_path / "no-such-folder" / "summary.md"
    gate = ("regressions", "--fail-on", "warn", "--format", "json")
    failed = benchmon(*gate, "--summary-file", str(missing), BENCHMON_DATABASE_URL=db_url)
    assert failed.returncode == exits.FAILED, failed.stderr
    assert "Traceback" not in failed.stderr and "internal error" not in failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot write --summary-file {missing}: No such file or directory",
        "error: regression gate failed: 0 ERROR, 1 WARN in 1 configuration.",
    ], failed.stderr
    # the gate passes: the file's problem is the outcome, 65, naming the variable
    passed = benchmon(
        "regressions", "--fail-on", "error", BENCHMON_DATABASE_URL=db_url,
        GITHUB_STEP_SUMMARY=str(tmp_path),  # a folder
    )  # fmt: skip
    assert passed.returncode == exits.INVALID_INPUT, passed.stderr
    assert _one_error_line(passed.stderr) == (
        f"error: cannot write $GITHUB_STEP_SUMMARY {tmp_path}: Is a directory"
    )


def test_an_export_to_a_path_that_cannot_be_written_exits_65_naming_it(db_url, tmp_path):
    _stored(db_url, 1)
    missing = tmp_path / "no-such-folder" / "x"
    for output, fmt, reason in (
        (missing.with_suffix(".csv"), "csv", "No such file or directory"),
        (tmp_path, "jsonl", "Is a directory"),
        (missing.with_suffix(".parquet"), "parquet", "No such file or directory"),
    ):
        done = benchmon(
            "export", "transactions", "--format", fmt, "-o", str(output),
            BENCHMON_DATABASE_URL=db_url,
        )  # fmt: skip
        assert done.returncode == exits.INVALID_INPUT, done.stderr
        assert _one_error_line(done.stderr) == f"error: cannot write --output {output}: {reason}"
    written = tmp_path / "x.parquet"
    done = benchmon(
        "export", "transactions", "--format", "parquet", "-o", str(written),
        BENCHMON_DATABASE_URL=db_url,
    )  # fmt: skip
    assert done.returncode == 0 and "exported 1 transactions rows" in done.stderr, done.stderr
    import pyarrow.parquet as pq

    assert pq.read_table(written).num_rows == 1


def test_a_benchmon_home_that_cannot_be_a_folder_is_a_setting_error(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    # relative to the command's folder: a long absolute path is shortened in the message
    for home in (os.devnull, a_file.name, f"{a_file.name}/below"):
        done = benchmon("configs", cwd=tmp_path, BENCHMON_HOME=home)
        assert done.returncode == exits.CONFIG, done.stderr
        assert _one_error_line(done.stderr) == (
            f"error: BENCHMON_HOME={home!r} is not a folder (made when missing); "
            "unset it for the default (.benchmon)"
        )


def test_ports_and_urls_are_checked_by_click_before_anything_starts(tmp_path):
    for args, says in (
        (["dashboard", "--port", "99999"], "99999 is not in the range 0<=x<=65535"),
        (["dashboard", "--port", "-1"], "-1 is not in the range 0<=x<=65535"),
        (["dev", "--port", "99999"], "99999 is not in the range 0<=x<=65535"),
        (["dev", "--dashboard-port", "65536"], "65536 is not in the range 0<=x<=65535"),
        (
            ["trends", "backfill", "--from", "2026-11-01", "--to", "2026-11-02", "--url", "x"],
            "'x' is not an http(s):// URL",
        ),
    ):
        done = benchmon(*args, cwd=tmp_path)
        assert done.returncode == exits.USAGE, (args, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == [], "nothing was started"


def test_rules_that_name_no_rule_are_a_usage_error(db_url):
    done = benchmon("regressions", "--rules", " , ,", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.USAGE, done.stderr
    assert "' , ,' names no rule; choose from baseline" in done.stderr


def test_the_gate_reports_only_the_rules_it_ran(db_url):
    _a_warn(db_url)
    done = benchmon(
        "regressions", "--rules", "baseline", "--format", "json", BENCHMON_DATABASE_URL=db_url
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["judged"] == {"baseline": 1}


def test_a_table_of_nothing_judged_does_not_read_as_a_pass(db_url):
    _stored(db_url, 1)
    done = benchmon("regressions", "--format", "table", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.NOTHING_JUDGED, done.stderr
    assert done.stdout.startswith("Nothing judged: no configuration has a baseline"), done.stdout
    assert "no regressions found" not in done.stdout


def test_push_names_a_directory_and_an_unwritable_github_output(db_url, tmp_path):
    folder = benchmon("push", str(tmp_path), BENCHMON_DATABASE_URL=db_url)
    assert folder.returncode == exits.INVALID_INPUT
    assert f"{tmp_path} is a directory: give a result file" in _one_error_line(folder.stderr)
    result = tmp_path / "r.json"
    result.write_text(
        json.dumps({"model_version": "m", "dataset_version": "d", "prompt_version": "p",
                    "metrics": {"f1": 0.9}})
    )  # fmt: skip
    missing = tmp_path / "no-such-folder" / "out"
    done = benchmon("push", str(result), BENCHMON_DATABASE_URL=db_url, GITHUB_OUTPUT=str(missing))
    assert done.returncode == exits.INVALID_INPUT, done.stderr
    assert _one_error_line(done.stderr) == (
        f"error: cannot write $GITHUB_OUTPUT {missing}: No such file or directory"
    )
    with psycopg.connect(db_url) as conn:  # refused before anything was stored
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 0


def test_in_ci_the_message_names_the_variable_that_says_so(tmp_path):
    done = benchmon("configs", cwd=tmp_path, GITHUB_ACTIONS="true")
    assert done.returncode == exits.CONFIG
    assert "this is a CI job (GITHUB_ACTIONS=true)" in _one_error_line(done.stderr)


def test_db_archive_without_to_is_a_usage_error(db_url):
    done = benchmon("db", "archive", "--before", "2020-01", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.USAGE, done.stderr
    assert "--to DIR or --to s3://bucket/prefix is required (or --dry-run)" in done.stderr


def test_an_alert_that_does_not_exist_is_one_error_line_and_65(db_url):
    for args in (["ack", "999999"], ["resolve", "999999"], ["accept", "999999", "--reason", "x"]):
        done = benchmon("alerts", *args, BENCHMON_DATABASE_URL=db_url)
        assert done.returncode == exits.INVALID_INPUT, done.stderr
        assert _one_error_line(done.stderr) == "error: no regression alert 999999"


def test_a_number_the_database_cannot_hold_is_invalid_input_not_a_bug(db_url):
    """What `thresholds history --limit 99999999999999999999` met: PostgreSQL's 22003."""
    from benchmon_pipeline.cli.environment import explain_database_error

    with psycopg.connect(db_url) as conn:
        try:
            conn.execute("SELECT %s::bigint", (10**20,))
        except psycopg.errors.NumericValueOutOfRange as error:
            code, message = explain_database_error(error)
    assert (code, message) == (
        exits.INVALID_INPUT,
        "a value is out of range for the database: bigint out of range",
    )


def test_an_unknown_name_is_a_typo_with_near_matches_in_alerts_and_exports(db_url):
    _stored(db_url, 2)
    typo = "error: --model 'medgema-v1.2' matches no stored configuration; did you mean "
    for args in (
        ["alerts", "list", "--model", "medgema-v1.2"],
        ["export", "snapshots", "--model", "medgema-v1.2"],
        ["export", "transactions", "--model", "medgema-v1.2"],
    ):
        done = benchmon(*args, BENCHMON_DATABASE_URL=db_url)
        assert done.returncode == exits.INVALID_INPUT, (args, done.stderr)
        assert _one_error_line(done.stderr) == typo + "'medgemma-v1.2'?"
        assert done.stdout == ""
    branch = benchmon("export", "trends", "--branch", "mian", BENCHMON_DATABASE_URL=db_url)
    assert branch.returncode == exits.INVALID_INPUT
    assert _one_error_line(branch.stderr) == (
        "error: --branch 'mian' matches no stored result; no such branch"
    )
    # names that are stored, with no alert (or no row in the range): an empty answer
    for args in (
        ["alerts", "list", "--model", CONFIG[0]],
        ["export", "transactions", "--model", CONFIG[0], "--since", "2099-01-01"],
    ):
        done = benchmon(*args, BENCHMON_DATABASE_URL=db_url)
        assert done.returncode == 0, (args, done.stderr)


def test_export_times_are_iso_8601_and_an_empty_range_is_refused(db_url):
    _stored(db_url, 2)
    empty = benchmon(
        "export", "transactions", "--since", "2026-12-01", "--until", "2026-11-01",
        BENCHMON_DATABASE_URL=db_url,
    )  # fmt: skip
    assert empty.returncode == exits.USAGE
    assert "2026-11-01T00:00:00+00:00 is not after --since 2026-12-01T00:00:00+00:00" in (
        empty.stderr
    )
    # the exports' own times read back: everything from the first result's time on
    listed = benchmon("export", "transactions", "--format", "jsonl", BENCHMON_DATABASE_URL=db_url)
    first, second = (json.loads(line)["created_at"] for line in listed.stdout.splitlines())
    for since in (first, first.replace("+00:00", "Z")):
        done = benchmon(
            "export", "transactions", "--format", "jsonl", "--since", since,
            BENCHMON_DATABASE_URL=db_url,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) == 2
    until = benchmon(
        "export", "transactions", "--until", second, BENCHMON_DATABASE_URL=db_url
    )  # excluded
    assert until.returncode == 0 and "exported 1 transactions rows" in until.stderr
    bad = benchmon("export", "transactions", "--since", "yesterday", BENCHMON_DATABASE_URL=db_url)
    assert bad.returncode == exits.USAGE and "is not a date or an ISO 8601 time" in bad.stderr


def test_a_usage_error_is_one_error_line_too(tmp_path):
    for args, line in (
        (["--bogus"], "error: No such option: --bogus Did you mean --verbose? (see `benchmon -h`)"),
        (["nosuch"], "error: No such command 'nosuch'. (see `benchmon -h`)"),
        (
            ["history", "--limit", "0"],
            "error: Invalid value for '--limit': 0 is not in the range 1<=x<=2147483647. "
            "(see `benchmon history -h`)",
        ),
        (  # it reached the database as a bigint, which read as a schema behind (75)
            ["history", "--limit", "99999999999"],
            "error: Invalid value for '--limit': 99999999999 is not in the range "
            "1<=x<=2147483647. (see `benchmon history -h`)",
        ),
        (  # ... and as "bigint out of range", an internal error (70)
            ["thresholds", "history", "--limit", "99999999999999999999"],
            "error: Invalid value for '--limit': 99999999999999999999 is not in the range "
            "1<=x<=2147483647. (see `benchmon thresholds history -h`)",
        ),
        (
            ["alerts", "accept", "1"],
            "error: Missing option '--reason'. (see `benchmon alerts accept -h`)",
        ),
    ):
        done = benchmon(*args, cwd=tmp_path)
        assert (done.returncode, done.stderr) == (exits.USAGE, line + "\n")
    assert benchmon("db", cwd=tmp_path).stderr.startswith("Usage: benchmon db")  # help, as before
