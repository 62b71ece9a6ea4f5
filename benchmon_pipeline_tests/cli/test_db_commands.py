import os
import subprocess
import sys

from benchmon_pipeline.cli import exits
from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.embedded import is_running


def benchmon(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    return {**env, **extra}


def test_upgrade_on_an_up_to_date_database_applies_nothing(db_url):
    done = benchmon("db", "upgrade", env=_env(BENCHMON_DATABASE_URL=db_url))
    assert done.returncode == 0, done.stderr
    assert f"({len(migrations.discover())} migrations; 0 applied now)" in done.stdout


def test_upgrade_starts_and_stops_the_embedded_server(tmp_path):
    env = _env(BENCHMON_HOME=str(tmp_path))
    refused = benchmon("db", "upgrade", env=env)
    assert refused.returncode == exits.CONFIG, "only `benchmon dev` creates an embedded server"
    assert "run `benchmon dev` once" in refused.stderr
    assert not (tmp_path / "pgdata").exists()

    embedded.start(tmp_path / "pgdata")  # what `benchmon dev` leaves behind
    embedded.stop(tmp_path / "pgdata")
    first = benchmon("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert f"{len(migrations.discover())} applied now" in first.stdout
    assert "embedded PostgreSQL" in first.stderr
    assert not is_running(tmp_path / "pgdata")

    again = benchmon("db", "upgrade", env=env)
    assert "0 applied now" in again.stdout
    shell = benchmon("db", "shell", "-c", "SELECT count(*) FROM schema_migrations", "-tA", env=env)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip() == str(len(migrations.discover()))
    assert not is_running(tmp_path / "pgdata")


def test_unreachable_database_is_a_clear_error(tmp_path):
    url = "postgresql://nobody:secret@127.0.0.1:9/benchmon?connect_timeout=2"
    done = benchmon("db", "upgrade", env=_env(BENCHMON_DATABASE_URL=url))
    assert done.returncode == exits.UNAVAILABLE
    assert "cannot connect to postgresql://nobody:***@127.0.0.1:9/benchmon" in done.stderr
    # libpq's reason, whole and on the same line: what failed, then its hint
    (line,) = [line for line in done.stderr.splitlines() if "cannot connect" in line]
    assert "Connection refused; Is the server running" in line
    assert "\t" not in line
    assert "secret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_db_shell_gives_psql_the_password_in_its_environment_not_its_arguments(db_url):
    from benchmon_pipeline.cli.shell import psql_connection

    conninfo, env = psql_connection(
        "postgresql://ci_pusher:s3cret%21@db.example.com:5432/benchmon?sslmode=require"
    )
    assert "s3cret" not in conninfo and env["PGPASSWORD"] == "s3cret!"
    assert "host=db.example.com" in conninfo and "sslmode=require" in conninfo
    in_query, env = psql_connection("postgresql://u@h/db?password=hidden")
    assert "hidden" not in in_query and env["PGPASSWORD"] == "hidden"
    # and psql connects with what it was given
    done = benchmon(
        "db", "shell", "-c", "SELECT 41 + 1", "-tA", env=_env(BENCHMON_DATABASE_URL=db_url)
    )
    assert (done.returncode, done.stdout.strip()) == (0, "42"), done.stderr
