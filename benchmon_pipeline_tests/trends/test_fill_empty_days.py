"""A fresh install's trend asset shows no wall of Missing days: the fill sensor builds every
day before today that was never built, in one run (the days before the first result are
empty, so their trend is empty and cheap to build)."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.trends import daily_partitions, fill_request, trend_fill_sensor
from benchmon_pipeline.trends.ranges import RANGE_END_TAG, RANGE_START_TAG, TREND_ASSET


def test_on_a_fresh_install_no_day_before_today_is_missing(db_url):
    resources = {"postgres": PostgresResource(database_url=db_url)}
    today = datetime.now(UTC).date()
    with dg.DagsterInstance.ephemeral() as instance:
        (request,) = trend_fill_sensor(
            dg.build_sensor_context(instance=instance, definitions=defs)
        ).run_requests
        start = daily_partitions.start.date()
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
            start.isoformat(),
            (today - timedelta(days=1)).isoformat(),
        )
        result = defs.resolve_job_def("refresh_trends").execute_in_process(
            instance=instance, run_config=request.run_config, tags=request.tags, resources=resources
        )
        assert result.success
        built = instance.get_materialized_partitions(dg.AssetKey(TREND_ASSET))
        keys = daily_partitions.get_partition_keys(current_time=datetime.now(UTC))
        missing = [k for k in keys if k not in built and date.fromisoformat(k) < today]
        assert missing == []
        again = trend_fill_sensor(dg.build_sensor_context(instance=instance, definitions=defs))
        assert again.run_requests == []


def test_only_the_days_never_built_are_named():
    keys = [f"2026-01-{d:02d}" for d in range(1, 11)]
    built = {"2026-01-03", "2026-01-04"}
    request = fill_request(keys, built, date(2026, 1, 10))
    days = request.run_config["ops"][TREND_ASSET]["config"]["days"]
    assert days == ["2026-01-01", "2026-01-02", *[f"2026-01-{d:02d}" for d in range(5, 10)]]
    assert request.run_key == "fill-2026-01-01-2026-01-09-7"  # 7 days, from the 1st to the 9th
    assert fill_request(keys, set(keys), date(2026, 1, 10)) is None
    assert fill_request(keys, set(keys[:-1]), date(2026, 1, 10)) is None  # today: the schedule's


def test_the_fill_waits_while_other_runs_are_in_flight():
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_run(
            dg.DagsterRun(job_name="ingest_inbox", run_id="r1", status=dg.DagsterRunStatus.STARTED)
        )
        waited = trend_fill_sensor(dg.build_sensor_context(instance=instance, definitions=defs))
        assert (
            isinstance(waited, dg.SkipReason)
            and "1 run(s) queued or running" in waited.skip_message
        )
