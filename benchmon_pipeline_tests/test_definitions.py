import os
import subprocess
import sys

import dagster as dg

from benchmon_pipeline.db import packaged
from benchmon_pipeline.db.urls import dagster_storage_url
from benchmon_pipeline.definitions import defs


def test_definitions_load_with_the_lineage_inbox_log_snapshots_trends():
    graph = defs.resolve_asset_graph()
    chain = ["inbox", "benchmark_transactions", "benchmark_snapshots", "daily_performance_trends"]
    for parent, child in zip(chain, chain[1:], strict=False):
        assert dg.AssetKey(parent) in graph.get(dg.AssetKey(child)).parent_keys, child
    for key in chain[1:]:
        node = graph.get(dg.AssetKey(key))
        assert "postgres" in node.kinds and node.group_name and node.owners, key
    assert defs.resolve_job_def("ingest_inbox") is not None
    assert defs.resolve_sensor_def("inbox_sensor") is not None


def test_dagster_definitions_validate_passes(db_url, dagster_db_url, tmp_path):
    env = {
        **os.environ,
        "BENCHMON_DATABASE_URL": db_url,
        "BENCHMON_DAGSTER_STORAGE_URL": dagster_storage_url(dagster_db_url),
    }
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate"]
        + ["-w", str(packaged.workspace_file())],  # the file `benchmon dev` loads
        cwd=tmp_path,  # the workspace names a module: no checkout needed
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr
