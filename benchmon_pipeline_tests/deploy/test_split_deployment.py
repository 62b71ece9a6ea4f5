"""The production shape on one machine, no Docker: `dagster-webserver`, `dagster-daemon`
and a gRPC code server as separate processes, joined only by `deploy/workspace.yaml` (the
code server's address) and the instance in `$DAGSTER_HOME` (the `dagster.yaml` benchmon
ships, its storage in PostgreSQL). Files arrive in the S3 inbox (moto on 127.0.0.1); the
daemon's runs, launched by the code server, store them, fold snapshots and run the checks.
Then the code server is restarted while files keep arriving: every file is stored exactly
once, none is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import psutil
import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db import packaged
from benchmon_pipeline.db.server import ensure_database
from benchmon_pipeline.db.urls import dagster_storage_url, with_database
from benchmon_pipeline_tests.deploy.services import (
    MARKER,
    Service,
    answers,
    graphql,
    kill_all,
    stop_all,
    stragglers,
)
from benchmon_pipeline_tests.e2e.devserver import free_port, wait_for

pytestmark = pytest.mark.deploy

PROJECT = Path(__file__).resolve().parents[2]
WORKSPACE = PROJECT / "deploy" / "workspace.yaml"
BIN = Path(sys.executable).parent
WAIT = 120  # the bound of every wait, not the latency
STRAGGLER_GRACE = 30
MODELS = ("split-a", "split-b", "split-c")

LOCATION = """{ workspaceOrError { ... on Workspace { locationEntries {
  name displayMetadata { key value }
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

SENSOR_STATE = """query($name: String!) { sensorOrError(sensorSelector: {
  repositoryLocationName: "benchmon", repositoryName: "__repository__", sensorName: $name }) {
  ... on Sensor { sensorState { id } } } }"""

STOP_SENSOR = """mutation($id: String) { stopSensor(id: $id) {
  __typename ... on StopSensorMutationResult { instigationState { status } } } }"""

RUNS = """{ runsOrError { ... on Runs { results { runId status jobName startTime } } } }"""

CHECK_EXECUTIONS = """query($name: String!) {
  assetCheckExecutions(assetKey: {path: ["benchmark_snapshots"]}, checkName: $name, limit: 50) {
    runId status } }"""


def _result(model: str, n: int) -> bytes:
    return json.dumps(
        {
            "model_version": model,
            "dataset_version": "set",
            "prompt_version": "p",
            "environment": "ci",
            "branch_name": "main",
            "run_id": f"{model}-{n}",
            "metrics": {"f1": 0.5 + n / 1000},
        }
    ).encode()


class Inbox:
    """The bucket CI jobs write to: every file dropped, by name."""

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket
        self.dropped: list[str] = []

    def drop(self, count: int) -> None:
        for _ in range(count):
            n = len(self.dropped)
            name = f"result-{n:03d}.json"
            body = _result(MODELS[n % len(MODELS)], n)
            self.client.put_object(Bucket=self.bucket, Key=f"inbox/{name}", Body=body)
            self.dropped.append(name)

    def waiting(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix="inbox/")
        return [obj["Key"] for obj in listed.get("Contents", [])]


def _one(url: str, query: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def _stored_everything(url: str, inbox: Inbox) -> bool:
    """Every dropped file is recorded ingested and has left the inbox."""
    ingested = _one(url, "SELECT count(DISTINCT uri) FROM ingested_files WHERE status = 'ingested'")
    return ingested == len(inbox.dropped) and not inbox.waiting()


def _snapshots_folded(url: str, inbox: Inbox) -> bool:
    """Every stored result is folded into a snapshot version (a version counts the results
    of its fold in `run_count`)."""
    folded = _one(url, "SELECT coalesce(sum(run_count), 0) FROM benchmark_snapshots")
    return folded == len(inbox.dropped)


@pytest.fixture
def dagster_storage(pg_server_url):
    """A Dagster storage database of this test's own: its runs are the only ones there."""
    name = f"bm_deploy_dagster_{uuid.uuid4().hex[:8]}"
    url = with_database(pg_server_url, name)
    ensure_database(url)
    yield url
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def split_deployment(db_url, dagster_storage, s3_bucket, tmp_path):
    """Code server, webserver and daemon; every process they started is gone afterwards."""
    client, bucket, endpoint = s3_bucket
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(packaged.instance_template(), dagster_home / "dagster.yaml")
    code_port, web_port = free_port(), free_port()
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(
        {
            MARKER: marker,
            "DAGSTER_HOME": str(dagster_home),
            "BENCHMON_HOME": str(tmp_path / "home"),
            "BENCHMON_INBOX_ROOT": str(tmp_path / "root"),
            "BENCHMON_DATABASE_URL": db_url,
            "BENCHMON_DAGSTER_STORAGE_URL": dagster_storage_url(dagster_storage),
            "BENCHMON_S3_BUCKET": bucket,
            "BENCHMON_S3_ENDPOINT_URL": endpoint,
            "BENCHMON_CODE_SERVER_HOST": "127.0.0.1",
            "BENCHMON_CODE_SERVER_PORT": str(code_port),
        }
    )
    code_server = Service(
        "code-server",
        [
            str(BIN / "dagster"),
            "code-server",
            "start",
            "-h",
            "127.0.0.1",
            "-p",
            str(code_port),
            "-m",
            "benchmon_pipeline.definitions",
            "--location-name",
            "benchmon",
            "--use-python-environment-entry-point",
        ],
        env,
        tmp_path,
    )
    webserver = Service(
        "webserver",
        [str(BIN / "dagster-webserver"), "-w", str(WORKSPACE), "-h", "127.0.0.1"]
        + ["-p", str(web_port)],
        env,
        tmp_path,
    )
    daemon = Service(
        "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(WORKSPACE)], env, tmp_path
    )
    services = [code_server, webserver, daemon]
    deployment = Deployment(
        services, f"http://127.0.0.1:{web_port}", code_port, Inbox(client, bucket)
    )
    try:
        for service in services:
            service.start()
        yield deployment
    finally:
        # Clients first, then the code server; its gRPC child (which lets calls in flight
        # end) and run workers may take a few seconds more than the proxy: they get them.
        stop_all([webserver, daemon])
        stop_all([code_server])
        _, alive = psutil.wait_procs(stragglers(marker), timeout=STRAGGLER_GRACE)
        left = {p.pid: _cmdline(p) for p in alive}
        kill_all(alive)
        assert not left, f"processes outlived their service by {STRAGGLER_GRACE} s: {left}"


def _cmdline(process) -> str:
    try:
        return " ".join(process.cmdline())[:160]
    except psutil.Error:
        return "(gone)"


class Deployment:
    def __init__(self, services: list[Service], url: str, code_port: int, inbox: Inbox):
        self.code_server, self.webserver, self.daemon = services
        self.services = services
        self.url = url
        self.code_port = code_port
        self.inbox = inbox

    def running(self) -> None:
        for service in self.services:
            service.check_running()

    def location_loaded(self) -> dict | None:
        self.running()
        if not answers(self.url):
            return None
        entries = graphql(self.url, LOCATION)["workspaceOrError"]["locationEntries"]
        loaded = [
            e for e in entries if e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        ]
        return loaded[0] if loaded else None

    def stop_sensor(self, name: str) -> str:
        state = graphql(self.url, SENSOR_STATE, {"name": name})["sensorOrError"]["sensorState"]
        stopped = graphql(self.url, STOP_SENSOR, {"id": state["id"]})["stopSensor"]
        return stopped["instigationState"]["status"]

    def runs(self) -> list[dict]:
        return graphql(self.url, RUNS)["runsOrError"]["results"]

    def check_runs(self, name: str) -> set[str]:
        executions = graphql(self.url, CHECK_EXECUTIONS, {"name": name})["assetCheckExecutions"]
        return {e["runId"] for e in executions if e["status"] in ("SUCCEEDED", "FAILED")}


def test_split_deployment_stores_folds_and_checks_and_survives_a_code_server_restart(
    split_deployment, db_url
):
    deployment = split_deployment
    entry = wait_for(deployment.location_loaded, WAIT, "the webserver to load the code server")
    # The webserver loaded no code: it reached the code location over gRPC, at our port.
    shown = {m["key"]: m["value"] for m in entry["displayMetadata"]}
    assert entry["name"] == "benchmon"
    assert shown.get("port") == str(deployment.code_port), shown

    # The trend sensors' runs would only compete for the two cores with the ingest path
    # under test (the UI's Stop button, through the same GraphQL).
    for sensor in ("trend_late_data_sensor", "trend_fill_sensor"):
        assert deployment.stop_sensor(sensor) == "STOPPED"

    inbox = deployment.inbox
    inbox.drop(6)
    wait_for(lambda: _stored_everything(db_url, inbox), WAIT, "the first files stored (daemon)")
    first = {r["runId"] for r in deployment.runs() if r["jobName"] == "ingest_inbox"}

    # Files keep arriving while the code server restarts (a deploy of new code), and the
    # first files' snapshot and check run is under way or about to start.
    inbox.drop(6)
    deployment.code_server.stop()
    inbox.drop(6)
    restarted_at = time.time()
    deployment.code_server.start()
    inbox.drop(6)
    wait_for(deployment.location_loaded, WAIT, "the code server back")
    wait_for(lambda: _stored_everything(db_url, inbox), WAIT, "every file stored after the restart")
    wait_for(lambda: _snapshots_folded(db_url, inbox), WAIT, "every result folded into snapshots")
    for check in ("baseline_regressions", "history_regressions", "missing_or_stale_data"):
        wait_for(lambda c=check: deployment.check_runs(c), WAIT, f"the {check} check run")

    total = len(inbox.dropped)
    assert total == 24
    with psycopg.connect(db_url) as conn:
        per_file = conn.execute(
            "SELECT uri, count(*) FILTER (WHERE status = 'ingested'),"
            " count(*) FILTER (WHERE status NOT IN ('ingested', 'duplicate'))"
            " FROM ingested_files GROUP BY uri"
        ).fetchall()
        rows, keys = conn.execute(
            "SELECT count(*), count(DISTINCT content_sha256) FROM benchmark_transactions"
        ).fetchone()
        per_model = dict(
            conn.execute(
                "SELECT model_version, sum(run_count) FROM benchmark_snapshots GROUP BY 1"
            ).fetchall()
        )
        stale = conn.execute(
            "SELECT s.model_version FROM benchmark_snapshots s WHERE s.is_current"
            " AND s.transaction_id <> (SELECT t.id FROM benchmark_transactions t"
            "   WHERE t.model_version = s.model_version ORDER BY t.created_at DESC, t.seq DESC"
            "   LIMIT 1)"
        ).fetchall()
    assert len(per_file) == total, "a file is missing from the ledger"
    assert all(ingested == 1 and other == 0 for _, ingested, other in per_file), per_file
    assert rows == keys == total, (rows, keys)
    assert per_model == {m: total // len(MODELS) for m in MODELS}
    assert stale == [], "a current snapshot is not the configuration's newest result"

    def ingested_after_restart() -> list[dict]:
        return [
            r
            for r in deployment.runs()
            if r["status"] == "SUCCESS"
            and r["jobName"] == "ingest_inbox"
            and (r["startTime"] or 0) > restarted_at
        ]

    # The files are stored and archived before their run records its end: wait for it.
    after = wait_for(
        ingested_after_restart,
        WAIT,
        "an ingest run launched against the restarted code server to succeed",
        explain=deployment.runs,
    )
    assert first and all(r["runId"] not in first for r in after)
