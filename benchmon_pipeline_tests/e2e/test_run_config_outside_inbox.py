"""Through the UI's GraphQL, as anyone who can reach it could: a launched ingest run given
file names outside the inbox fails with a message naming them, and touches nothing."""

import json
import uuid

import pytest

from benchmon_pipeline_tests.e2e.devserver import wait_for

pytestmark = pytest.mark.e2e

LAUNCH = """
mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename
  ... on LaunchRunSuccess { run { runId } }
  ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } }
} }"""

STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""

FAILURES = """query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection {
  events { __typename ... on ExecutionStepFailureEvent { error { message } } } } } }"""


def _launch(server, files: list[str]) -> str:
    data = server.graphql(
        LAUNCH,
        {
            "params": {
                "selector": {
                    "repositoryLocationName": "benchmon",
                    "repositoryName": "__repository__",
                    "jobName": "ingest_inbox",
                },
                "runConfigData": {"ops": {"benchmark_transactions": {"config": {"files": files}}}},
            }
        },
    )["launchRun"]
    assert data["__typename"] == "LaunchRunSuccess", data
    return data["run"]["runId"]


def _snapshot(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    )


def test_launch_run_with_names_outside_the_inbox_fails_and_touches_nothing(running_dev):
    root = running_dev.inbox_root  # <home>/root, the inbox is <home>/root/inbox
    victim_dir = root.parent / f"victim-{uuid.uuid4().hex[:8]}"
    victim_dir.mkdir()
    secret = victim_dir / "secret.txt"
    secret.write_text("not a result\n")
    (victim_dir / "result.json").write_text(json.dumps({"model_version": "x", "metrics": {}}))
    link = root / "inbox" / f"away-{uuid.uuid4().hex[:8]}"
    link.symlink_to(victim_dir)  # a folder in the inbox that leads out of it
    before = _snapshot(victim_dir)
    files = [f"../../{victim_dir.name}/secret.txt", str(secret), f"{link.name}/result.json"]

    run_id = _launch(running_dev, files)

    def finished():
        status = running_dev.graphql(STATUS, {"id": run_id})["runOrError"].get("status")
        return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

    try:
        status = wait_for(finished, 90, "the launched run to finish")
    finally:
        link.unlink()
    assert status == "FAILURE"
    events = running_dev.graphql(FAILURES, {"id": run_id})["logsForRun"]["events"]
    messages = [
        e["error"]["message"] for e in events if e["__typename"] == "ExecutionStepFailureEvent"
    ]
    assert len(messages) == 1, messages  # refused once: no retry
    assert f"files[0] = '{files[0]}': it has a '..' component" in messages[0]
    assert f"files[1] = '{files[1]}': it is an absolute path" in messages[0]
    assert f"files[2] = '{files[2]}': its folder resolves to {victim_dir}" in messages[0]
    assert "Allowed: names are relative to the inbox" in messages[0]
    assert _snapshot(victim_dir) == before  # not renamed, no .error.json beside it
    assert not list((root / "quarantine").rglob("secret*"))
