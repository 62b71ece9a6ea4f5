"""Under a real daemon, with no manual step: files in the inbox → log → snapshots →
the trend partitions of their days; and a CLI backfill is one run."""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
import pytest

from benchmon_pipeline_tests.e2e.devserver import wait_for

pytestmark = pytest.mark.e2e


def _drop(root, name, result):
    path = root / "inbox" / name
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result))
    tmp.rename(path)  # appears complete; the sensor ignores *.tmp


def _count(url, query, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def _materialized_partitions(server, asset, partitions=None):
    """(partition, run id) of the asset's latest 100 materializations, or of those of
    `partitions` (a late-data run over scattered days records every day of its range)."""
    data = server.graphql(
        """query($key: AssetKeyInput!, $partitions: [String!]) {
             assetNodeOrError(assetKey: $key) { ... on AssetNode {
               assetMaterializations(limit: 100, partitions: $partitions) {
                 partition runId } } } }""",
        {"key": {"path": [asset]}, "partitions": partitions},
    )
    return {(m["partition"], m["runId"]) for m in data["assetNodeOrError"]["assetMaterializations"]}


def test_dropped_files_reach_snapshots_and_trends_without_a_manual_step(running_dev):
    today = datetime.now(UTC).date().isoformat()
    base = {
        "dataset_version": "set",
        "prompt_version": "p",
        "branch_name": "main",
        "environment": "ci",
    }
    _drop(
        running_dev.inbox_root,
        "today.json",
        {**base, "model_version": "e2e-model", "metrics": {"f1": 0.9}},
    )
    _drop(
        running_dev.inbox_root,
        "old.json",
        {
            **base,
            "model_version": "e2e-model",
            "run_id": "old",
            "created_at": "2026-01-05T10:00:00Z",
            "metrics": {"f1": 0.7},
        },
    )
    url = running_dev.results_url

    wait_for(
        lambda: (
            _count(
                url, "SELECT count(*) FROM benchmark_snapshots WHERE model_version = 'e2e-model'"
            )
            >= 1
        ),
        180,
        "a snapshot version",
        explain=lambda: running_dev.runs(),
    )
    wait_for(
        lambda: {p for p, _ in _materialized_partitions(running_dev, "benchmark_snapshots")},
        180,
        "benchmark_snapshots materialized by the automation sensor",
        explain=lambda: running_dev.runs(),
    )
    # The database says when both days' trends hold the results (a materialization alone
    # could be the fill sensor's run over the empty days, before the old file was read).
    wait_for(
        lambda: (
            _count(
                url,
                "SELECT count(DISTINCT day) FROM daily_performance_trends"
                " WHERE model_version = 'e2e-model' AND day IN (%s, '2026-01-05')",
                today,
            )
            == 2
        ),
        240,
        "the trend rows of both days",
        explain=lambda: running_dev.runs(),
    )
    # The run writes the rows, then records the materializations once its step ends.
    wait_for(
        lambda: (
            {today, "2026-01-05"}
            <= {
                p
                for p, _ in _materialized_partitions(
                    running_dev, "daily_performance_trends", [today, "2026-01-05"]
                )
            }
        ),
        120,
        "the trend partitions of both days recorded as materialized",
        explain=lambda: running_dev.runs(),
    )
    assert (
        _count(
            url,
            "SELECT sample_count FROM daily_performance_trends WHERE day = %s"
            " AND model_version = 'e2e-model' AND metric = 'f1'",
            today,
        )
        == 1
    )
    assert (
        _count(
            url,
            "SELECT mean FROM daily_performance_trends WHERE day = '2026-01-05'"
            " AND model_version = 'e2e-model'",
        )
        == 0.7
    )


def test_cli_backfill_of_a_range_is_one_run(running_dev):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmon_pipeline.cli",
            "trends",
            "backfill",
            "--from",
            "2025-12-01",
            "--to",
            "2025-12-31",
            "--url",
            running_dev.url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    backfill_id = done.stdout.split()[1]
    assert "31 day(s)" in done.stdout

    def runs():
        data = running_dev.graphql(
            """query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill",
                 value: $id}]}) { ... on Runs { results { runId status } } } }""",
            {"id": backfill_id},
        )
        return data["runsOrError"]["results"]

    finished = wait_for(
        lambda: [r for r in runs() if r["status"] in ("SUCCESS", "FAILURE")],
        120,
        "the backfill's run",
    )
    time.sleep(2)
    assert len(runs()) == 1
    assert finished[0]["status"] == "SUCCESS"
    partitions = {
        p
        for p, run in _materialized_partitions(running_dev, "daily_performance_trends")
        if run == finished[0]["runId"]
    }
    assert partitions == {f"2025-12-{d:02d}" for d in range(1, 32)}


def test_backfill_without_a_running_ui_is_a_clear_error():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmon_pipeline.cli",
            "trends",
            "backfill",
            "--from",
            "2025-12-01",
            "--to",
            "2025-12-02",
            "--url",
            "http://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 69  # EX_UNAVAILABLE, as documented in docs/pipeline.md
    assert "cannot reach the Dagster UI" in done.stderr


def _check_executions(server, check):
    data = server.graphql(
        """query($key: AssetKeyInput!, $name: String!) {
             assetCheckExecutions(assetKey: $key, checkName: $name, limit: 20) {
               runId status evaluation { success severity
                 metadataEntries { label ... on IntMetadataEntry { intValue } } } } }""",
        {"key": {"path": ["benchmark_snapshots"]}, "name": check},
    )
    return data["assetCheckExecutions"]


def _findings(evaluation) -> int:
    numbers = {m["label"]: m.get("intValue") for m in evaluation["metadataEntries"]}
    return numbers.get("findings") or 0


def test_a_regression_dropped_into_the_inbox_fails_the_check_in_the_ui(running_dev):
    base = {
        "model_version": "e2e-regressing",
        "dataset_version": "set",
        "prompt_version": "p",
        "environment": "ci",
        "branch_name": "main",
    }
    url = running_dev.results_url
    _drop(running_dev.inbox_root, "good.json", {**base, "run_id": "1", "metrics": {"f1": 0.9}})
    wait_for(
        lambda: (
            _count(
                url,
                "SELECT count(*) FROM benchmark_snapshots WHERE model_version = 'e2e-regressing'",
            )
            == 1
        ),
        90,
        "version 1",
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_baseline('e2e-regressing', 'set', 'p', 'ci', 1, 'e2e', NULL)")
    # the session's instance is shared: only an execution that starts after the drop counts
    before = {e["runId"] for e in _check_executions(running_dev, "baseline_regressions")}
    _drop(running_dev.inbox_root, "bad.json", {**base, "run_id": "2", "metrics": {"f1": 0.8}})

    def failed_execution():
        for execution in _check_executions(running_dev, "baseline_regressions"):
            if execution["runId"] in before:
                continue
            evaluation = execution["evaluation"]
            if evaluation and not evaluation["success"] and _findings(evaluation):
                return execution  # failing on a finding (not on "nothing judged" before it)
        return None

    execution = wait_for(
        failed_execution, 120, "baseline_regressions run by the automation, failing"
    )
    assert execution["status"] == "FAILED"
    assert execution["evaluation"]["severity"] == "WARN"
    numbers = {m["label"]: m.get("intValue") for m in execution["evaluation"]["metadataEntries"]}
    assert numbers["findings"] >= 1 and "offending" in numbers
    wait_for(
        lambda: (
            _count(
                url,
                "SELECT count(*) FROM regression_alerts WHERE model_version"
                " = 'e2e-regressing' AND status = 'open'",
            )
            == 1
        ),
        30,
        "one open alert",
    )
    wait_for(
        lambda: _materialized_partitions(running_dev, "regression_report"),
        120,
        "the report refreshed by the automation",
    )
