"""The sensor that runs the snapshots and their checks for results stored outside Dagster
runs, evaluated against a real database: when it requests a run, what it leaves to the
ingest runs, that commit order does not fool its cursor, and that it never runs beside a
run that writes."""

import json
import uuid

import dagster as dg
import psycopg
import pytest

from benchmon_pipeline.defs.outside_runs import results_outside_runs_sensor
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline_tests.warehouse.calls import CONFIG, raw_insert, upsert

OTHER = ("another-model", *CONFIG[1:])


@pytest.fixture
def instance():
    """An instance of its own: the session's is shared with `running_dev`, whose runs would
    make the sensor wait."""
    with dg.instance_for_test() as instance:
        yield instance


def _tick(instance, db_url, cursor):
    """One evaluation: (whether it requested the snapshots run, the new cursor)."""
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"postgres": PostgresResource(database_url=db_url)},
    )
    result = results_outside_runs_sensor(context)
    assert len(result.run_requests) <= 1
    return bool(result.run_requests), result.cursor


def _as_an_ingest_run(conn, run_id):
    """What an ingest run's transaction leaves: log rows and a ledger row naming its run."""
    with conn.transaction():
        ids = [raw_insert(conn, CONFIG, {"f1": 0.5}), raw_insert(conn, CONFIG, {"f1": 0.6})]
        conn.execute(
            "INSERT INTO ingested_files (inbox, uri, status, results_total, results_new,"
            " transaction_ids, dagster_run_id) VALUES ('folder', 'x.json', 'ingested', 2, 2,"
            " %s::uuid[], %s)",
            (ids, run_id),
        )


def test_pushed_rows_request_one_run_and_ingest_runs_rows_none(db_url, instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        requested, cursor = _tick(instance, db_url, None)
        assert not requested, "an empty log: nothing to do"

        upsert(conn, CONFIG, {"f1": 0.9})  # as `benchmon push` and SQL clients store
        requested, cursor = _tick(instance, db_url, cursor)
        assert requested
        requested, cursor = _tick(instance, db_url, cursor)
        assert not requested, "requested once, not per tick"

        _as_an_ingest_run(conn, "a-dagster-run")
        requested, cursor = _tick(instance, db_url, cursor)
        assert not requested, "its run's materialization starts the snapshots"

        raw_insert(conn, CONFIG, {"f1": 0.7})
        upsert(conn, CONFIG, {"f1": 0.8})
        requested, cursor = _tick(instance, db_url, cursor)
        assert requested, "a burst between two ticks: one run"


def test_a_row_committed_late_with_an_older_sequence_number_is_not_missed(db_url, instance):
    with (
        psycopg.connect(db_url, autocommit=True) as early,
        psycopg.connect(db_url, autocommit=True) as late,
    ):
        _, cursor = _tick(instance, db_url, None)
        slow = early.transaction()
        slow.__enter__()
        upsert(early, CONFIG, {"f1": 0.1})  # takes its seq first, commits last
        upsert(late, OTHER, {"f1": 0.2})  # (another configuration: the fold locks each)
        requested, cursor = _tick(instance, db_url, cursor)
        assert requested, "the committed row"
        assert not _tick(instance, db_url, cursor)[0]
        slow.__exit__(None, None, None)
        requested, cursor = _tick(instance, db_url, cursor)
        assert requested, "the row with the lower seq, committed after the last look"
        (early_seq,) = early.execute(
            "SELECT seq FROM benchmark_transactions WHERE model_version = %s", (CONFIG[0],)
        ).fetchone()
        (late_seq,) = late.execute(
            "SELECT seq FROM benchmark_transactions WHERE model_version = %s", (OTHER[0],)
        ).fetchone()
        assert early_seq < late_seq, "the case a newest-seq cursor gets wrong"


def test_a_cursor_about_another_database_means_a_first_look(db_url, fresh_database, instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.9})
    _, cursor = _tick(instance, db_url, None)
    other = fresh_database()
    with psycopg.connect(other, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.4})
    requested, other_cursor = _tick(instance, other, cursor)
    assert requested, "the other database's row is not hidden by this one's cursor"
    assert json.loads(other_cursor)["log"] != json.loads(cursor)["log"]
    assert _tick(instance, db_url, "not json")[0], "a broken cursor: look again"


def _writing_run(instance) -> dg.DagsterRun:
    """An ingest run in progress, as the sensor sees one: a run that writes to the log."""
    run = dg.DagsterRun(
        job_name="ingest_inbox",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={"benchmon/kind": "ingest"},
    )
    instance.add_run(run)
    return run


def _snapshots_run(instance, db_url: str) -> None:
    """A real snapshots run on `instance`, as the automation starts one."""
    assert dg.materialize(
        [benchmark_snapshots],
        instance=instance,
        resources={"postgres": PostgresResource(database_url=db_url)},
    ).success


def test_it_waits_for_runs_that_write_and_does_not_repeat_what_one_covered(db_url, instance):
    with psycopg.connect(db_url, autocommit=True) as conn:
        _, cursor = _tick(instance, db_url, None)
        ingesting = _writing_run(instance)
        upsert(conn, CONFIG, {"f1": 0.9})
        requested, cursor = _tick(instance, db_url, cursor)
        assert not requested, "no snapshots run beside a run that writes"
        assert json.loads(cursor)["pending_since"], "the pushed row is still pending"
        instance.delete_run(ingesting.run_id)
        requested, _ = _tick(instance, db_url, cursor)
        assert requested, "the run ended: now"

        # a snapshots run started after the row was seen (the automation's, after an
        # ingest run) has checked it: no second run
        _snapshots_run(instance, db_url)
        requested, cursor = _tick(instance, db_url, cursor)
        assert not requested
        assert json.loads(cursor)["pending_since"] is None


def test_rows_after_a_snapshots_run_began_are_not_covered_by_it(db_url, instance):
    # a row waits for a writing run; a snapshots run then starts and checks it; another
    # row is pushed after that run: the sensor must not count the run as having seen it
    # (it once kept the first row's pending time, and the second row's alert never came)
    with psycopg.connect(db_url, autocommit=True) as conn:
        _, cursor = _tick(instance, db_url, None)
        ingesting = _writing_run(instance)
        upsert(conn, CONFIG, {"f1": 0.9})
        requested, cursor = _tick(instance, db_url, cursor)
        assert not requested and json.loads(cursor)["pending_since"]
        instance.delete_run(ingesting.run_id)
        _snapshots_run(instance, db_url)
        upsert(conn, CONFIG, {"f1": 0.8})  # pushed after that run began
        requested, cursor = _tick(instance, db_url, cursor)
        assert requested, "the second row still needs its snapshots run and checks"
