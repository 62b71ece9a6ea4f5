"""The inbox is an observed source asset: the Dagster UI shows how many files wait and how
old the oldest is — reported by the inbox sensor when the count changes (and every minute
while files wait), and by the asset's own Observe."""

import time

import dagster as dg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.ingest import INBOX_KEY, inbox_files, inbox_sensor
from benchmon_pipeline.defs.resources import InboxResource
from benchmon_pipeline.ingest.inbox import InboxFile
from benchmon_pipeline.ingest.planning import InboxState
from benchmon_pipeline_tests.helpers import drop_file


def _tick(instance, root):
    context = dg.build_sensor_context(
        instance=instance, resources={"inbox": InboxResource(root=str(root))}, definitions=defs
    )
    result = inbox_sensor(context)
    for event in result.asset_events:  # what the daemon does with a tick's events
        instance.report_runless_asset_event(event)
    return result


def _latest(instance) -> dict:
    (record,) = instance.fetch_observations(INBOX_KEY, limit=1).records
    return {k: v.value for k, v in record.asset_observation.metadata.items()}


def test_the_sensor_observes_the_inbox_when_its_count_changes(tmp_path):
    with dg.DagsterInstance.ephemeral() as instance:
        first = _tick(instance, tmp_path)
        assert len(first.asset_events) == 1
        assert _latest(instance)["files_waiting"] == 0
        assert _latest(instance)["oldest_file_age_seconds"] is None

        drop_file(tmp_path, "a.json", "{}", age=120)
        drop_file(tmp_path, "team/b.json", "{}", age=30)
        second = _tick(instance, tmp_path)
        assert len(second.asset_events) == 1
        seen = _latest(instance)
        assert (seen["files_waiting"], seen["bytes_waiting"]) == (2, 4)
        assert 119 <= seen["oldest_file_age_seconds"] <= 130

        assert _tick(instance, tmp_path).asset_events == [], "no event while nothing changed"


def test_while_files_wait_the_age_is_reported_once_a_minute():
    now = time.time()
    waiting = InboxState.of([InboxFile("a.json", 10, int((now - 300) * 1e9))], now)
    assert waiting.oldest_file_age_seconds == 300.0
    assert not waiting.worth_reporting(waiting, every_seconds=60, since=20)
    assert waiting.worth_reporting(waiting, every_seconds=60, since=61)
    empty = InboxState.of([], now)
    assert not empty.worth_reporting(empty, every_seconds=60, since=3600)
    assert empty.worth_reporting(waiting, every_seconds=60, since=1)


def test_observe_from_the_ui_reports_the_same(tmp_path):
    drop_file(tmp_path, "a.json", "{}", age=60)
    observe = dg.Definitions(
        assets=[inbox_files],
        jobs=[dg.define_asset_job("observe_inbox", selection=[INBOX_KEY])],
        resources={"inbox": InboxResource(root=str(tmp_path))},
    ).resolve_job_def("observe_inbox")
    with dg.DagsterInstance.ephemeral() as instance:
        assert observe.execute_in_process(instance=instance).success
        assert _latest(instance)["files_waiting"] == 1
