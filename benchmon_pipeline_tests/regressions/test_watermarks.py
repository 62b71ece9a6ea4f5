"""The history rule judges only what changed since it last judged (watermarks.py, sql/0033):
nothing new judges nothing and still reports the open regression; a new result, a new
configuration, an accepted change, a hand-resolved alert or new settings re-judge."""

from datetime import timedelta

import psycopg
import pytest

from benchmon_pipeline.regressions import watermarks
from benchmon_pipeline.regressions.alerts import accept, find_alerts, resolve
from benchmon_pipeline.regressions.evaluation import RegressionSettings
from benchmon_pipeline.regressions.findings import HISTORY
from benchmon_pipeline.regressions.watermarks import judge_changed
from benchmon_pipeline_tests.db.logins import login_as
from benchmon_pipeline_tests.regressions.test_evaluation import (
    OTHER,
    START,
    _steady_history,
    push,
)
from benchmon_pipeline_tests.warehouse.calls import CONFIG

THIRD = ("mistral-7b", "benchmark-set-v3", "analysis-v4", "production")


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def _regressed(conn):
    """CONFIG: 30 steady results, then three far below (an ERROR); OTHER: steady."""
    _steady_history(conn, CONFIG, 30)
    _steady_history(conn, OTHER, 30)
    for i in range(3):
        push(conn, CONFIG, {"f1": 0.70, "latency_ms": 400}, at=START + timedelta(hours=30 + i))


def _run(conn, settings=None):
    with conn.transaction():
        return judge_changed(conn, HISTORY, settings)


def _open(conn):
    return [(a.configuration, a.metric, a.severity) for a in find_alerts(conn, "unresolved")]


def test_nothing_new_judges_nothing_and_still_reports_the_regression(conn):
    _regressed(conn)
    first = _run(conn)
    assert first.selection.full_run and first.selection.reasons == {"first run of the rule": 2}
    assert first.judged_fresh == 2 and first.evaluation.judged[HISTORY] == 4
    assert [(f.configuration, f.metric, f.severity) for f in first.findings] == [
        (CONFIG, "f1", "ERROR")
    ]

    second = _run(conn)
    assert second.judged_fresh == 0 and second.evaluation.findings == []
    assert second.selection.reasons == {} and not second.selection.full_run
    (carried,) = second.findings  # not a pass that hides it
    assert (carried.configuration, carried.metric, carried.severity) == (CONFIG, "f1", "ERROR")
    assert "carried forward" in carried.reason and second.carried_configurations == 1
    assert _open(conn) == [(CONFIG, "f1", "ERROR")], "the alert stays open, untouched"
    assert find_alerts(conn, "unresolved")[0].times_seen == 1


def test_one_new_result_rejudges_exactly_its_configuration(conn):
    _regressed(conn)
    _run(conn)
    push(conn, OTHER, {"f1": 0.901, "latency_ms": 401}, at=START + timedelta(hours=31))
    run = _run(conn)
    assert run.selection.configurations == (OTHER,)
    assert run.selection.reasons == {"new results": 1}
    assert run.evaluation.judged[HISTORY] == 2, "OTHER's two series, not CONFIG's"
    assert [f.configuration for f in run.carried] == [CONFIG]
    assert _open(conn) == [(CONFIG, "f1", "ERROR")], "OTHER's judgement resolves nothing else"
    assert _run(conn).judged_fresh == 0

    # a recovered configuration, judged fresh, has its alert resolved by the run
    for i in range(3, 8):
        push(conn, CONFIG, {"f1": 0.90, "latency_ms": 400}, at=START + timedelta(hours=30 + i))
    recovered = _run(conn)
    assert recovered.selection.configurations == (CONFIG,) and recovered.findings == []
    assert _open(conn) == []


def test_a_new_configuration_is_judged(conn):
    _regressed(conn)
    _run(conn)
    _steady_history(conn, THIRD, 12)
    run = _run(conn)
    assert run.selection.configurations == (THIRD,)
    assert run.selection.reasons == {"new configuration": 1}
    assert run.evaluation.judged[HISTORY] == 2


def test_an_accepted_change_rejudges_its_configuration(conn):
    _regressed(conn)
    _run(conn)
    (alert,) = find_alerts(conn, "unresolved")
    accept(conn, alert.id, by="alice", reason="new tokenizer, intended")
    accepted = _run(conn)
    assert accepted.selection.configurations == (CONFIG,)
    assert accepted.selection.reasons == {"restart point moved": 1}
    assert accepted.findings == [], "the reference restarted at the accepted level"


def test_an_alert_resolved_by_hand_is_looked_at_again(conn):
    _regressed(conn)
    _run(conn)
    (alert,) = find_alerts(conn, "unresolved")
    resolve(conn, alert.id, by="bob", note="looking at it elsewhere")
    looked = _run(conn)
    assert looked.selection.reasons == {"an alert was resolved by hand": 1}
    assert [f.severity for f in looked.findings] == ["ERROR"], "still there: opened again"
    assert len(find_alerts(conn, "unresolved")) == 1
    assert _run(conn).judged_fresh == 0


def test_a_new_version_of_the_rule_rejudges_everything(conn, monkeypatch):
    _regressed(conn)
    _run(conn)
    monkeypatch.setattr(watermarks, "_CODE_DIGEST", "the rule's code after an edit")
    run = _run(conn)
    assert run.selection.reasons == {"the rule or its settings changed": 2}
    assert [f.severity for f in run.evaluation.findings] == ["ERROR"]


def test_new_settings_or_thresholds_rejudge_everything(conn):
    _regressed(conn)
    _run(conn)
    stricter = _run(conn, RegressionSettings(history_threshold_z=4.0))
    assert stricter.selection.full_run and stricter.judged_fresh == 2
    assert stricter.selection.reasons == {"the rule or its settings changed": 2}
    assert _run(conn, RegressionSettings(history_threshold_z=4.0)).judged_fresh == 0

    conn.execute("SELECT set_metric_definition('latency_ms', direction => 'lower')")
    changed = _run(conn, RegressionSettings(history_threshold_z=4.0))
    assert changed.selection.reasons == {"a threshold, direction or tracked branch changed": 2}


def test_a_writer_login_runs_the_check_and_moves_the_watermarks(db_url, conn):
    _regressed(conn)
    with login_as(db_url, "benchmon_writer") as writer:
        first = _run(writer)
        assert first.judged_fresh == 2 and [f.severity for f in first.findings] == ["ERROR"]
        assert _run(writer).judged_fresh == 0
    (count,) = conn.execute(
        "SELECT count(*) FROM rule_watermarks WHERE rule = 'history'"
    ).fetchone()
    assert count == 2


def test_the_watermarks_say_whether_anything_was_ever_judged(conn):
    """A run that judges nothing fresh must still know whether the rule has judged anything:
    young configurations (fewer results than the minimum history) count as not judged until
    a new result makes them old enough, and a settled configuration stays judged through
    runs with nothing new."""
    _steady_history(conn, THIRD, 5)  # too young for the history rule (10 earlier results)
    young = _run(conn)
    assert young.judged_fresh == 1 and young.evaluation.judged[HISTORY] == 0
    assert young.judged_by_now == 0
    assert _run(conn).judged_by_now == 0, "nothing new: still nothing judged"

    _steady_history(conn, THIRD, 12, start=START + timedelta(hours=5))
    grown = _run(conn)
    assert grown.selection.reasons == {"new results": 1}
    assert grown.evaluation.judged[HISTORY] == 2 and grown.judged_by_now == 1
    idle = _run(conn)
    assert idle.judged_fresh == 0 and idle.judged_by_now == 1, "judged before: counts"

    _steady_history(conn, CONFIG, 3)  # a second configuration, still young
    assert _run(conn).judged_by_now == 1
    (flags,) = conn.execute(
        "SELECT array_agg(judged ORDER BY model_version) FROM rule_watermarks"
        " WHERE rule = 'history'"
    ).fetchone()
    assert sorted(flags) == [False, True]


def test_only_the_history_rule_is_judged_by_what_changed(conn):
    with pytest.raises(ValueError, match="only the history rule"):
        judge_changed(conn, "stale")
