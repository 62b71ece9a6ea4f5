"""Real services for the whole test session: one PostgreSQL server, one Dagster instance.

PostgreSQL is `BENCHMON_TEST_DATABASE_URL` / `BENCHMON_DATABASE_URL` when set (any
database on a PostgreSQL 15+ server where we may CREATE DATABASE), else an embedded
server started here and stopped at the end. The schema is migrated once into a template
database; each test gets a fresh copy (`CREATE DATABASE … TEMPLATE`), because the log
refuses deletes and tests must not see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import dagster as dg
import psutil
import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db import embedded, migrations
from benchmon_pipeline.db.server import ensure_database
from benchmon_pipeline.db.urls import dagster_storage_url, libpq_url, with_database
from benchmon_pipeline.settings import reset_settings

TEMPLATE_DB = "benchmon_test_template"

# The suite runs the same inside a CI job: commands refuse to pick a database on their own
# when CI=true (cli/environment.py), and the tests that check that set it themselves.
for _variable in ("CI", "GITHUB_ACTIONS"):
    os.environ.pop(_variable, None)


@pytest.fixture(autouse=True)
def settings_read_per_test() -> Iterator[None]:
    """Each test starts with the settings of its own environment (a process reads them
    once; tests change the environment with monkeypatch)."""
    reset_settings()
    yield
    reset_settings()


DAGSTER_DB = "benchmon_test_dagster"


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory) -> Iterator[str]:
    """A URL of the session's PostgreSQL server (database `postgres`)."""
    external = os.environ.get("BENCHMON_TEST_DATABASE_URL") or os.environ.get(
        "BENCHMON_DATABASE_URL"
    )
    if external:
        yield with_database(libpq_url(external), "postgres")
        return
    pgdata = tmp_path_factory.mktemp("pg") / "pgdata"
    url = embedded.start(pgdata)
    try:
        yield with_database(url, "postgres")
    finally:
        embedded.stop(pgdata)


def _drop(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def template_url(pg_server_url) -> str:
    """The migrated template every test database is copied from."""
    _drop(pg_server_url, TEMPLATE_DB)
    url = with_database(pg_server_url, TEMPLATE_DB)
    ensure_database(url)
    migrations.upgrade(url)
    return url


@pytest.fixture
def fresh_database(pg_server_url, template_url):
    """A factory of fresh, migrated databases, dropped after the test."""
    created: list[str] = []

    def make() -> str:
        name = f"bm_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(TEMPLATE_DB)
                )
            )
        created.append(name)
        return with_database(pg_server_url, name)

    yield make
    for name in created:
        _drop(pg_server_url, name)


@pytest.fixture
def fresh_empty_database(pg_server_url) -> Iterator[str]:
    """A database with no schema at all (what `benchmon db upgrade` starts from)."""
    name = f"bm_empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield with_database(pg_server_url, name)
    _drop(pg_server_url, name)


@pytest.fixture
def db_url(fresh_database) -> str:
    """A fresh, migrated results database for this test."""
    return fresh_database()


@pytest.fixture
def db(db_url) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def dagster_db_url(pg_server_url) -> str:
    url = with_database(pg_server_url, DAGSTER_DB)
    _drop(pg_server_url, DAGSTER_DB)
    ensure_database(url)
    return url


@pytest.fixture(scope="session")
def dagster_instance(dagster_db_url, tmp_path_factory) -> Iterator[dg.DagsterInstance]:
    """The session's Dagster instance, stored in PostgreSQL like the real one."""
    home = tmp_path_factory.mktemp("dagster_home")
    with dg.instance_for_test(
        temp_dir=str(home),
        overrides={"storage": {"postgres": {"postgres_url": dagster_storage_url(dagster_db_url)}}},
    ) as instance:
        yield instance


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto in server mode) on 127.0.0.1, for the session."""
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh bucket on the session's S3 server: (client, bucket name, endpoint)."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"bm-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket, s3_endpoint


@pytest.fixture(scope="session")
def running_dev(pg_server_url, template_url, dagster_db_url, tmp_path_factory):
    """`benchmon dev` for the session: its own results database, the session's Dagster
    storage, a daemon running every sensor. Stopped (and checked gone) at the end."""
    from benchmon_pipeline_tests.e2e.devserver import DevServer, started_for, still_alive

    name = f"bm_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE_DB)
            )
        )
    home = tmp_path_factory.mktemp("dev")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(
        BENCHMON_DATABASE_URL=with_database(pg_server_url, name),
        BENCHMON_DAGSTER_DATABASE_URL=dagster_db_url,
        BENCHMON_HOME=str(home / "home"),
        BENCHMON_INBOX_ROOT=str(home / "root"),
    )
    server = DevServer(env, home / "dev.log")
    server.start()
    server.results_url = env["BENCHMON_DATABASE_URL"]
    server.inbox_root = home / "root"
    children = server.descendants()
    try:
        yield server
    finally:
        server.stop()
        assert still_alive(children) == [], "benchmon dev left processes behind"
        assert started_for(home / "home") == [], "benchmon dev left processes behind"
        _drop(pg_server_url, name)


# Nothing of the run outlives it -----------------------------------------------------------

_BASETEMP = pytest.StashKey[str]()


@pytest.fixture(scope="session", autouse=True)
def _remember_basetemp(request, tmp_path_factory) -> None:
    request.config.stash[_BASETEMP] = str(tmp_path_factory.getbasetemp())


def leftover_processes(basetemp: str | None) -> list[psutil.Process]:
    """Processes this test run started that are still alive: this process's descendants,
    and any process whose command line names the run's temp folder (a `tail -F` of a
    Dagster compute log is re-parented to init when its run worker dies)."""
    me = psutil.Process()
    found = {p.pid: p for p in me.children(recursive=True)}
    ours = {me.pid} | {p.pid for p in me.parents()}  # pytest and what started it
    if basetemp:
        for process in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if process.pid not in ours and basetemp in cmdline:
                found.setdefault(process.pid, process)
    alive = []
    for process in found.values():
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the run if a process it started is still alive once every fixture is torn down
    (after a bounded wait for stragglers that are exiting)."""
    leftovers = leftover_processes(session.config.stash.get(_BASETEMP, None))
    _, alive = psutil.wait_procs(leftovers, timeout=10)
    if not alive:
        return
    lines = []
    for process in alive:
        try:
            lines.append(f"  pid {process.pid}: {' '.join(process.cmdline())[:200]}")
            process.kill()  # reported, and not left running
        except psutil.NoSuchProcess:
            continue
    if lines:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            "FAILED: processes started by this test run outlived it:\n" + "\n".join(lines),
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
