import json
import time

import dagster as dg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.ingest import inbox_sensor
from benchmon_pipeline.defs.resources import InboxResource
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file


def _tick(instance, root, cursor=None, **inbox):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"inbox": InboxResource(root=str(root), **inbox)},
        definitions=defs,
    )
    return inbox_sensor(context)


def test_sensor_is_running_by_default_and_ticks_often():
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds <= 10


def test_one_file_one_run_then_nothing(dagster_instance, tmp_path):
    drop_file(tmp_path, "sample.json", (FIXTURES / "sample_benchmark_results.json").read_text())

    first = _tick(dagster_instance, tmp_path)
    assert len(first.run_requests) == 1
    config = first.run_requests[0].run_config
    assert config["ops"]["benchmark_transactions"]["config"]["files"] == ["sample.json"]

    second = _tick(dagster_instance, tmp_path, cursor=first.cursor)
    assert second.run_requests == []
    assert json.loads(second.cursor)["pending"].keys() == {"sample.json"}


def test_files_still_being_written_wait(dagster_instance, tmp_path):
    drop_file(tmp_path, "fresh.json", "{}", age=0)
    assert _tick(dagster_instance, tmp_path, settle_seconds=5).run_requests == []
    assert len(_tick(dagster_instance, tmp_path, settle_seconds=0).run_requests) == 1


def test_hidden_temporary_and_foreign_files_are_ignored(dagster_instance, tmp_path):
    for name in [".hidden.json", "upload.json.part", "notes.txt", ".git/x.json", "x.json.tmp"]:
        drop_file(tmp_path, name, "{}")
    assert _tick(dagster_instance, tmp_path).run_requests == []


def test_batches_respect_the_batch_size_and_runs_per_tick(dagster_instance, tmp_path):
    from benchmon_pipeline.ingest.planning import RUNS_PER_TICK

    total = 3 * (RUNS_PER_TICK + 1)
    for i in range(total):
        drop_file(tmp_path, f"env{i % 2}/r{i:02d}.json", "{}")
    first = _tick(dagster_instance, tmp_path, batch_size=3)
    batches = [
        r.run_config["ops"]["benchmark_transactions"]["config"]["files"] for r in first.run_requests
    ]
    assert [len(b) for b in batches] == [3] * RUNS_PER_TICK
    assert len({r.run_key for r in first.run_requests}) == RUNS_PER_TICK

    rest = _tick(dagster_instance, tmp_path, cursor=first.cursor, batch_size=3)
    rest_files = [
        f
        for r in rest.run_requests
        for f in r.run_config["ops"]["benchmark_transactions"]["config"]["files"]
    ]
    assert sorted(sum(batches, []) + rest_files) == sorted(
        f"env{i % 2}/r{i:02d}.json" for i in range(total)
    )


def test_a_changed_file_is_requested_again(dagster_instance, tmp_path):
    path = drop_file(tmp_path, "a.json", "{}")
    first = _tick(dagster_instance, tmp_path)
    path.write_text('{"changed": true}')
    past = time.time() - 10
    import os

    os.utime(path, (past + 1, past + 1))
    again = _tick(dagster_instance, tmp_path, cursor=first.cursor)
    assert len(again.run_requests) == 1


def test_files_of_a_finished_run_still_in_the_inbox_are_requested_again(dagster_instance, tmp_path):
    drop_file(tmp_path, "a.json", "{}")
    first = _tick(dagster_instance, tmp_path)
    (request,) = first.run_requests
    assert _tick(dagster_instance, tmp_path, cursor=first.cursor).run_requests == []

    # The run that should have handled the file failed (killed, database gone…).
    dagster_instance.create_run_for_job(
        defs.resolve_job_def("ingest_inbox"),
        run_config=request.run_config,
        tags={"dagster/run_key": request.run_key},
        status=dg.DagsterRunStatus.FAILURE,
    )
    retry = _tick(dagster_instance, tmp_path, cursor=first.cursor)
    (again,) = retry.run_requests
    assert again.run_config == request.run_config
    assert again.run_key != request.run_key
