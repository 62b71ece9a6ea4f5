"""The CI path as the least-privilege roles walk it (issue: a login in benchmon_writer got a
traceback at CREATE TABLE schema_migrations): real login roles, the real entry point.

- a login granted only benchmon_writer pushes, runs the gate, lists and acts on alerts;
- a login granted only benchmon_reader reads (gate, lists) and, for a write, gets one line
  saying it needs benchmon_writer and exit 77, in JSON too;
- a login in neither role is told so (77); a database behind the code is told to run
  `benchmon db upgrade` (75), whoever asks; only the owner may upgrade.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from benchmon_pipeline.cli import exits
from benchmon_pipeline.regressions.alerts import record_findings
from benchmon_pipeline.regressions.findings import BASELINE, Finding
from benchmon_pipeline_tests.db.logins import login_url

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample_benchmark_results.json"
CONFIG = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v4", "production")


def benchmon(*args, url, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_", "CI"))
    }
    env.update(BENCHMON_DATABASE_URL=url, USER="ci-bot", **extra)
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _open_alert(db_url) -> int:
    finding = Finding(BASELINE, *CONFIG, "f1", "ERROR", "f1 fell", current=0.8, reference=0.9)
    with psycopg.connect(db_url, autocommit=True) as conn:
        record_findings(conn, [BASELINE], [finding])
        return conn.execute("SELECT max(id) FROM regression_alerts").fetchone()[0]


def _one_error_line(done, says: str) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0], done.stderr
    assert "Traceback" not in done.stderr


def test_a_writer_login_pushes_gates_and_handles_alerts(db_url):
    alert = _open_alert(db_url)
    with login_url(db_url, "benchmon_writer") as url:
        pushed = benchmon("push", "--input", str(SAMPLE), "--format", "json", url=url)
        assert pushed.returncode == 0, pushed.stderr
        assert json.loads(pushed.stdout)["status"] == "ingested"
        assert "benchmon: database " in pushed.stderr and "t_writer_" in pushed.stderr
        assert url.split(":")[2].split("@")[0] not in pushed.stderr, "the password is shown"

        # the gate reads all it needs as this login: one result judges nothing yet (no
        # baseline, too little history), which it says rather than pass
        gate = benchmon("regressions", "--format", "json", url=url)
        assert gate.returncode == exits.NOTHING_JUDGED, gate.stderr
        assert json.loads(gate.stdout)["outcome"] == "nothing judged"
        assert "permission" not in gate.stderr.lower()
        allowed = benchmon("regressions", "--allow-empty", url=url)
        assert allowed.returncode == 0, allowed.stderr

        listed = benchmon("alerts", "list", "--format", "json", url=url)
        assert listed.returncode == 0, listed.stderr
        assert [a["id"] for a in json.loads(listed.stdout)] == [alert]
        acked = benchmon("alerts", "ack", str(alert), "--note", "on it", url=url)
        assert acked.returncode == 0, acked.stderr
        resolved = benchmon("alerts", "resolve", str(alert), url=url)
        assert resolved.returncode == 0, resolved.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 1
        assert conn.execute(
            "SELECT status FROM regression_alerts WHERE id = %s", (alert,)
        ).fetchone() == ("resolved",)


def test_a_reader_login_reads_and_is_told_it_cannot_write(db_url):
    alert = _open_alert(db_url)
    with login_url(db_url, "benchmon_reader") as url:
        gate = benchmon("regressions", "--allow-empty", url=url)
        assert gate.returncode == 0, gate.stderr
        listed = benchmon("alerts", "list", "--format", "csv", url=url)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines()[1].startswith(f"{alert},")

        pushed = benchmon("push", "--input", str(SAMPLE), url=url)
        assert pushed.returncode == exits.NO_PERMISSION, pushed.stderr
        _one_error_line(pushed, "needs a role granted benchmon_writer")
        as_json = benchmon("push", "--input", str(SAMPLE), "--format", "json", url=url)
        assert json.loads(as_json.stdout)["exit_code"] == exits.NO_PERMISSION
        acked = benchmon("alerts", "ack", str(alert), url=url)
        assert acked.returncode == exits.NO_PERMISSION, acked.stderr
        _one_error_line(acked, "benchmon_writer")
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 0


def test_a_login_in_neither_role_is_told_which_to_grant(db_url):
    with login_url(db_url, None) as url:
        done = benchmon("alerts", "list", url=url)
    assert done.returncode == exits.NO_PERMISSION, done.stderr
    _one_error_line(done, "is a member of neither benchmon_writer nor benchmon_reader")


def test_a_database_from_before_the_version_function_is_behind_for_the_roles(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP FUNCTION benchmon_schema_versions()")  # as before sql/0025
        conn.execute("DELETE FROM schema_migrations WHERE version >= 25")
    with login_url(db_url, "benchmon_writer") as url:
        done = benchmon("alerts", "list", url=url)
    assert done.returncode == exits.SCHEMA_BEHIND, done.stderr
    _one_error_line(done, "run `benchmon db upgrade`")


@pytest.mark.parametrize("member_of", ["benchmon_writer", "benchmon_reader"])
def test_a_database_behind_the_code_names_db_upgrade(db_url, member_of):
    with psycopg.connect(db_url, autocommit=True) as conn:
        # as if the newest migration had not been applied yet
        newest = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (newest,))
    with login_url(db_url, member_of) as url:
        for command in (["push", "--input", str(SAMPLE)], ["regressions"], ["alerts", "list"]):
            done = benchmon(*command, url=url)
            assert done.returncode == exits.SCHEMA_BEHIND, (command, done.stderr)
            _one_error_line(done, "run `benchmon db upgrade`")
        refused = benchmon("db", "upgrade", url=url)
        assert refused.returncode == exits.NO_PERMISSION, refused.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 0


def test_an_empty_database_names_db_upgrade(pg_server_url, fresh_empty_database):
    done = benchmon("alerts", "list", url=fresh_empty_database)
    assert done.returncode == exits.SCHEMA_BEHIND, done.stderr
    _one_error_line(done, "holds no benchmon schema: run `benchmon db upgrade`")
