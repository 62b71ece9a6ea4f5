"""The S3 path end to end against a real S3-compatible server on 127.0.0.1."""

import json

import dagster as dg
import psycopg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.ingest import s3_inbox_sensor
from benchmon_pipeline.defs.resources import InboxResource, PostgresResource, S3InboxResource
from benchmon_pipeline_tests.helpers import FIXTURES, rows

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
CUSTOM = FIXTURES / "real/github_action_benchmark/customSmallerIsBetter_numeric-range.json"


def _keys(client, bucket, prefix):
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_s3_inbox_sensor_and_run(s3_bucket, db_url, dagster_instance, tmp_path):
    client, bucket, endpoint = s3_bucket
    put = lambda key, body: client.put_object(Bucket=bucket, Key=key, Body=body)  # noqa: E731
    put("team/inbox/staging/good.json", json.dumps(SAMPLE).encode())
    put("team/inbox/bench.json", CUSTOM.read_bytes())
    put("team/inbox/bench.json.benchmon.json", b'{"direction": "lower"}')
    put("team/inbox/broken.json", b'{"metrics": ')
    put("team/inbox/.hidden.json", b"{}")
    put("elsewhere/inbox/other.json", json.dumps(SAMPLE).encode())
    s3_inbox = S3InboxResource(
        bucket=bucket,
        prefix="team",
        endpoint_url=endpoint,
        region_name="us-east-1",
        settle_seconds=0,
    )

    tick = s3_inbox_sensor(
        dg.build_sensor_context(
            instance=dagster_instance, resources={"s3_inbox": s3_inbox}, definitions=defs
        )
    )
    (request,) = tick.run_requests
    config = request.run_config["ops"]["benchmark_transactions"]["config"]
    assert config == {"files": ["bench.json", "broken.json", "staging/good.json"], "inbox": "s3"}
    again = s3_inbox_sensor(
        dg.build_sensor_context(
            instance=dagster_instance,
            resources={"s3_inbox": s3_inbox},
            definitions=defs,
            cursor=tick.cursor,
        )
    )
    assert again.run_requests == []

    result = defs.resolve_job_def("ingest_inbox").execute_in_process(
        run_config=request.run_config,
        instance=dagster_instance,
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "inbox": InboxResource(root=str(tmp_path)),
            "s3_inbox": s3_inbox,
        },
    )
    assert result.success

    with psycopg.connect(db_url) as conn:
        stored = rows(
            conn,
            "SELECT model_version, environment, source,"
            " metric_directions->>'value' AS direction"
            " FROM benchmark_transactions ORDER BY seq",
        )
        ledger = rows(conn, "SELECT uri, status, error_code FROM ingested_files ORDER BY uri")
    good = [r for r in stored if r["model_version"] == "medgemma-v1.2"]
    assert good == [
        {
            "model_version": "medgemma-v1.2",
            "environment": "staging",
            "source": f"s3://{bucket}/team/inbox/staging/good.json",
            "direction": None,
        }
    ]
    custom = [r for r in stored if r["model_version"] != "medgemma-v1.2"]
    assert custom and {r["direction"] for r in custom} == {"lower"}
    assert [(r["status"], r["error_code"]) for r in ledger] == [
        ("ingested", None),
        ("quarantined", "invalid_json"),
        ("ingested", None),
    ]

    day_keys = _keys(client, bucket, "team/archive/")
    assert len(day_keys) == 3  # bench.json, its sidecar, staging/good.json
    assert any(k.endswith("/staging/good.json") for k in day_keys)
    assert any(k.endswith("/bench.json.benchmon.json") for k in day_keys)
    assert _keys(client, bucket, "team/quarantine/") == [
        "team/quarantine/broken.error.json",
        "team/quarantine/broken.json",
    ]
    report = json.loads(
        client.get_object(Bucket=bucket, Key="team/quarantine/broken.error.json")["Body"].read()
    )
    assert (report["file"], report["error_code"]) == ("broken.json", "invalid_json")
    assert _keys(client, bucket, "team/inbox/") == ["team/inbox/.hidden.json"]
    assert _keys(client, bucket, "elsewhere/") == ["elsewhere/inbox/other.json"]


def test_replay_puts_a_quarantined_object_back(s3_bucket):
    client, bucket, endpoint = s3_bucket
    box = S3InboxResource(
        bucket=bucket, endpoint_url=endpoint, region_name="us-east-1", settle_seconds=0
    ).inbox()
    client.put_object(Bucket=bucket, Key="inbox/x.json", Body=b"{}")
    box.quarantine("x.json", {"error_code": "unknown_format", "message": "m", "json_path": "$"})
    assert box.quarantined() == ["x.json"]
    assert box.error_report("x.json")["error_code"] == "unknown_format"
    box.replay("x.json")
    assert box.quarantined() == []
    assert _keys(client, bucket, "") == ["inbox/x.json"]
