import json
from datetime import UTC, datetime
from decimal import Decimal

import psycopg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import InboxResource, PostgresResource
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file, rows

FULL_RESULT = {
    "model_version": "medgemma-v1.2",
    "dataset_version": "benchmark-set-v3",
    "prompt_version": "analysis-v4",
    "model_provider": "google",
    "environment": "staging",
    "commit_sha": "0123abcd",
    "branch_name": "main",
    "run_id": "ci-4242",
    "triggered_by": "alice",
    "tags": ["nightly", "gpu"],
    "notes": "warm cache",
    "duration_seconds": 12.5,
    "created_at": "2026-11-20T08:30:00Z",
    "metrics": {"precision": 0.91, "recall": 0.88, "f1": 0.895, "latency_ms": 412},
}


def _run(instance, db_url, root, files):
    job = defs.resolve_job_def("ingest_inbox")
    return job.execute_in_process(
        run_config={"ops": {"benchmark_transactions": {"config": {"files": files}}}},
        instance=instance,
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "inbox": InboxResource(root=str(root)),
        },
    )


def test_run_stores_every_field_and_archives_the_file(dagster_instance, db_url, tmp_path):
    drop_file(tmp_path, "full.json", FULL_RESULT)
    result = _run(dagster_instance, db_url, tmp_path, ["full.json"])
    assert result.success

    with psycopg.connect(db_url) as conn:
        (row,) = rows(conn, "SELECT * FROM benchmark_transactions")
    assert row["model_version"] == "medgemma-v1.2"
    assert row["dataset_version"] == "benchmark-set-v3"
    assert row["prompt_version"] == "analysis-v4"
    assert row["model_provider"] == "google"
    assert row["environment"] == "staging"
    assert row["commit_sha"] == "0123abcd"
    assert row["branch_name"] == "main"
    assert row["run_id"] == "ci-4242"
    assert row["triggered_by"] == "alice"
    assert row["tags"] == ["nightly", "gpu"]
    assert row["notes"] == "warm cache"
    assert row["duration_seconds"] == Decimal("12.5")
    assert row["created_at"] == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert row["metrics"] == FULL_RESULT["metrics"]

    assert not (tmp_path / "inbox" / "full.json").exists()
    archived = list((tmp_path / "archive").rglob("full.json"))
    assert len(archived) == 1
    assert json.loads(archived[0].read_text()) == FULL_RESULT

    materialization = result.asset_materializations_for_node("benchmark_transactions")[0]
    assert materialization.metadata["rows_appended"].value == 1


def test_sample_file_lands_with_defaults(dagster_instance, db_url, tmp_path):
    drop_file(tmp_path, "sample.json", (FIXTURES / "sample_benchmark_results.json").read_text())
    assert _run(dagster_instance, db_url, tmp_path, ["sample.json"]).success
    with psycopg.connect(db_url) as conn:
        (row,) = rows(
            conn,
            "SELECT model_version, metrics->>'f1' AS f1, environment,"
            " triggered_by FROM benchmark_transactions",
        )
    assert row == {
        "model_version": "medgemma-v1.2",
        "f1": "0.895",
        "environment": "local",
        "triggered_by": "inbox",
    }


def test_environment_comes_from_the_inbox_subfolder(dagster_instance, db_url, tmp_path):
    sample = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
    drop_file(tmp_path, "production/run 1 é.json", sample)
    assert _run(dagster_instance, db_url, tmp_path, ["production/run 1 é.json"]).success
    with psycopg.connect(db_url) as conn:
        assert rows(conn, "SELECT environment FROM benchmark_transactions") == [
            {"environment": "production"}
        ]


def test_broken_file_is_quarantined_and_good_files_still_land(dagster_instance, db_url, tmp_path):
    drop_file(tmp_path, "broken.json", '{"model_version": "m", "metrics": ')
    drop_file(
        tmp_path,
        "no_metrics.json",
        {"model_version": "m", "dataset_version": "d", "prompt_version": "p"},
    )
    drop_file(tmp_path, "good.json", (FIXTURES / "sample_benchmark_results.json").read_text())
    result = _run(
        dagster_instance, db_url, tmp_path, ["broken.json", "good.json", "no_metrics.json"]
    )
    assert result.success

    quarantine = tmp_path / "quarantine"
    assert (quarantine / "broken.json").exists()
    report = json.loads((quarantine / "broken.error.json").read_text())
    assert report["file"] == "broken.json"
    assert report["error_code"] == "invalid_json"
    assert "line 1" in report["message"]

    report = json.loads((quarantine / "no_metrics.error.json").read_text())
    assert (report["error_code"], report["json_path"]) == ("missing_field", "$.metrics")

    with psycopg.connect(db_url) as conn:
        assert len(rows(conn, "SELECT id FROM benchmark_transactions")) == 1
    assert list((tmp_path / "inbox").iterdir()) == []
    metadata = result.asset_materializations_for_node("benchmark_transactions")[0].metadata
    assert metadata["files_quarantined"].value == 2
    assert metadata["files_ingested"].value == 1
