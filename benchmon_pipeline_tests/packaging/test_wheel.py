"""The wheel is all a user needs: built from the checkout, installed into a fresh virtual
environment outside it, and run from another directory against a real PostgreSQL, it
finds its migrations and its Dagster instance in itself, never through the source tree."""

from __future__ import annotations

import json
import subprocess
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db.urls import with_database
from benchmon_pipeline_tests.packaging.wheel import check, run

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "benchmon_pipeline_tests" / "fixtures" / "sample_benchmark_results.json"
MIGRATIONS = sorted(p.name for p in (ROOT / "sql").glob("[0-9][0-9][0-9][0-9]_*.sql"))
INSTANCE = ["benchmon_pipeline/instance/dagster.yaml", "benchmon_pipeline/instance/workspace.yaml"]
CONFIG = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v4", "local")

pytestmark = pytest.mark.e2e  # builds a wheel and a virtual environment (seconds, not minutes)


def test_the_wheel_carries_the_migrations_and_the_instance(wheel_and_venv, tmp_path):
    wheel, venv = wheel_and_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in [*MIGRATIONS, "schema.sql"]:
        assert f"benchmon_pipeline/sql/{name}" in names
    assert set(INSTANCE) <= names

    done = check(
        run(
            [
                venv / "bin" / "python",
                "-c",
                "import benchmon_pipeline as p; from benchmon_pipeline.db import packaged as k;"
                "print(p.__file__, k.sql_dir(), k.instance_template(), k.workspace_file(),"
                " sep='\\n')",
            ],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
    )
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert len(paths) == 4
    for path in paths:
        assert path.exists() and path.is_relative_to(venv), path
        assert not path.resolve().is_relative_to(ROOT), path


@pytest.fixture
def empty_database(pg_server_url):
    """A new, empty database (not the migrated template): what a user starts from."""
    name = f"bm_wheel_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield with_database(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_from_the_wheel_a_user_migrates_pushes_gates_and_lists_alerts(
    wheel_and_venv, empty_database, tmp_path
):
    _, venv = wheel_and_venv
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "BENCHMON_DATABASE_URL": empty_database,
    }

    def benchmon(*args: object) -> subprocess.CompletedProcess:
        return run([venv / "bin" / "benchmon", *args], cwd=elsewhere, env=env, timeout=180)

    check(benchmon("db", "upgrade"))
    with psycopg.connect(empty_database) as conn:
        applied = [row[0] for row in conn.execute("SELECT name FROM schema_migrations")]
    assert len(applied) == len(MIGRATIONS) > 20

    check(benchmon("push", "--input", SAMPLE, "--format", "json"))
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(
            "SELECT set_baseline(%s, %s, %s, %s, 1, 'me', 'first run')", CONFIG
        )  # as README's first ten minutes do
    worse = tmp_path / "worse.json"
    worse.write_text(SAMPLE.read_text().replace('"f1": 0.895', '"f1": 0.80'))
    check(benchmon("push", "--input", worse, "--format", "json"))

    gate = check(benchmon("regressions", "--format", "json", "--fail-on", "never"))
    report = json.loads(gate.stdout)
    assert [f["metric"] for f in report["findings"] if f["rule"] == "baseline"] == ["f1"]

    alerts = check(benchmon("alerts", "list", "--format", "json"))
    assert isinstance(json.loads(alerts.stdout), list)
    assert "Traceback" not in gate.stderr + alerts.stderr
    assert not (elsewhere / ".benchmon").exists(), "no database of its own beside the user's"
