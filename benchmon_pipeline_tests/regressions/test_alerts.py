"""Regression alerts against a real PostgreSQL: alert once, escalate, auto-resolve, the
lifecycle the database enforces, concurrent evaluations, roles."""

import threading
import time
from decimal import Decimal

import psycopg
import pytest

from benchmon_pipeline.regressions import alerts
from benchmon_pipeline.regressions.alerts import (
    AlertNotFound,
    IllegalTransition,
    acknowledge,
    alerts_markdown,
    find_alerts,
    get_alert,
    list_alerts,
    mark_notified,
    pending_notifications,
    record_findings,
    resolve,
)
from benchmon_pipeline.regressions.findings import BASELINE, HISTORY, STALE, Finding
from benchmon_pipeline_tests.helpers import rows

CONFIG = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v4", "production")
OTHER = ("org/model-v2", "benchmark-set-v3", "analysis-v4", "production")


def finding(rule=BASELINE, configuration=CONFIG, metric="f1", severity="WARN", **values):
    fields = {
        "reason": f"{metric} fell from 0.9 to 0.85, beyond its threshold 0.05",
        "direction": "higher",
        "current": 0.85,
        "reference": 0.9,
        "delta": -0.05,
        "percent": -5.56,
        "commit_sha": "abc1234def5678",
        "branch_name": "main",
        **values,
    }
    return Finding(rule, *configuration, metric, severity, **fields)


def events(db, alert_id):
    return [
        (e["event_type"], e["severity"], e["actor"], e["note"])
        for e in rows(
            db,
            "SELECT * FROM regression_alert_events WHERE alert_id = %s ORDER BY event_id",
            alert_id,
        )
    ]


# Alert once ------------------------------------------------------------------------------


def test_the_same_finding_alerts_once_over_repeated_evaluations(db):
    first = record_findings(db, [BASELINE], [finding()])
    second = record_findings(db, [BASELINE], [finding()])
    third = record_findings(
        db, [BASELINE], [finding(current=0.84, delta=-0.06, percent=-6.67, commit_sha="fff000")]
    )

    assert [a.key for a in first] == [(BASELINE, *CONFIG, "f1")]
    assert second == [] and third == []
    (alert,) = find_alerts(db)
    assert alert.id == first[0].id
    assert (alert.status, alert.times_seen, alert.severity) == ("open", 3, "WARN")
    assert alert.last_seen_at > alert.first_seen_at == first[0].first_seen_at
    # The latest evaluation's values, stored as the decimals they were written as.
    assert (alert.current, alert.reference, alert.delta, alert.percent) == (
        Decimal("0.84"),
        Decimal("0.9"),
        Decimal("-0.06"),
        Decimal("-6.67"),
    )
    assert alert.commit_sha == "fff000"
    assert [e[0] for e in events(db, alert.id)] == ["opened"]


def test_severity_escalates_and_is_never_lowered(db):
    (alert,) = record_findings(db, [BASELINE], [finding(severity="WARN")])
    record_findings(db, [BASELINE], [finding(severity="ERROR", run_length=2)])
    record_findings(db, [BASELINE], [finding(severity="WARN", run_length=1)])

    again = get_alert(db, alert.id)
    assert (again.severity, again.times_seen, again.run_length) == ("ERROR", 3, 1)
    assert [e[:2] for e in events(db, alert.id)] == [("opened", "WARN"), ("escalated", "ERROR")]
    with pytest.raises(
        psycopg.errors.CheckViolation,
        match=f"regression alert {alert.id} .*its severity is never lowered",
    ):
        db.execute("UPDATE regression_alerts SET severity = 'WARN' WHERE id = %s", (alert.id,))


def test_one_evaluation_with_the_same_key_twice_keeps_the_worst(db):
    opened = record_findings(
        db, [HISTORY], [finding(HISTORY, severity="ERROR"), finding(HISTORY, severity="WARN")]
    )
    assert [(a.severity, a.times_seen) for a in opened] == [("ERROR", 1)]


def test_a_whole_configuration_finding_alerts_once_too(db):
    stale = finding(
        STALE,
        metric="",
        direction=None,
        current=None,
        reference=None,
        delta=None,
        percent=None,
        reason="no result for 9 days (usually daily)",
    )
    assert len(record_findings(db, [STALE], [stale])) == 1
    assert record_findings(db, [STALE], [stale]) == []
    (alert,) = find_alerts(db, rule=STALE)
    assert (alert.metric, alert.times_seen, alert.current) == ("", 2, None)


# Auto-resolve ----------------------------------------------------------------------------


def test_a_finding_no_longer_detected_is_resolved_and_a_return_opens_a_new_alert(db):
    f1, recall = finding(metric="f1"), finding(metric="recall")
    history = finding(HISTORY, metric="latency_ms", direction="lower")
    record_findings(db, [BASELINE, HISTORY], [f1, recall, history])

    opened = record_findings(db, [BASELINE], [f1])  # recall recovered; history not judged
    assert opened == []
    by_metric = {(a.rule, a.metric): a for a in find_alerts(db)}
    assert by_metric[BASELINE, "f1"].status == "open"
    gone = by_metric[BASELINE, "recall"]
    assert (gone.status, gone.resolved_by, gone.resolved_note) == (
        "resolved",
        "benchmon",
        "no longer detected",
    )
    assert gone.resolved_at is not None
    assert by_metric[HISTORY, "latency_ms"].status == "open"  # another rule's: untouched

    (back,) = record_findings(db, [BASELINE], [f1, recall])
    assert back.metric == "recall" and back.id != gone.id
    assert get_alert(db, gone.id).status == "resolved"  # the old episode stays closed

    assert record_findings(db, [BASELINE, HISTORY], []) == []
    assert find_alerts(db, "unresolved") == []


def test_auto_resolve_can_be_limited_to_the_configurations_judged(db):
    record_findings(db, [BASELINE], [finding(configuration=CONFIG), finding(configuration=OTHER)])
    record_findings(db, [BASELINE], [], configurations=[OTHER])
    assert {a.configuration: a.status for a in find_alerts(db)} == {
        CONFIG: "open",
        OTHER: "resolved",
    }
    record_findings(db, [BASELINE], [], configurations=[])
    assert find_alerts(db, "open")[0].configuration == CONFIG


def test_acknowledged_alerts_are_resolved_automatically_too(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    acknowledge(db, alert.id, "alice", "looking")
    record_findings(db, [BASELINE], [])
    done = get_alert(db, alert.id)
    assert (done.status, done.acknowledged_by, done.resolved_by) == (
        "resolved",
        "alice",
        "benchmon",
    )


def test_findings_of_a_rule_the_evaluation_did_not_name_are_refused(db):
    with pytest.raises(ValueError, match=r"findings of rules \['history'\]"):
        record_findings(db, [BASELINE], [finding(HISTORY)])
    with pytest.raises(ValueError, match="severity must be WARN or ERROR, not 'INFO'"):
        record_findings(db, [BASELINE], [finding(severity="INFO")])
    assert find_alerts(db) == []


# The lifecycle ---------------------------------------------------------------------------


def test_open_acknowledged_resolved_with_the_history_of_who_and_why(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    acked = acknowledge(db, alert.id, "alice", "bisecting the prompt change")
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_note) == (
        "acknowledged",
        "alice",
        "bisecting the prompt change",
    )
    assert acked.acknowledged_at is not None and acked.resolved_at is None
    done = resolve(db, alert.id, "bob", "reverted in #42")
    assert (done.status, done.resolved_by, done.resolved_note) == (
        "resolved",
        "bob",
        "reverted in #42",
    )
    assert done.acknowledged_by == "alice"
    (login,) = db.execute("SELECT session_user").fetchone()
    assert events(db, alert.id) == [
        ("opened", "WARN", login, finding().reason),
        ("acknowledged", "WARN", "alice", "bisecting the prompt change"),
        ("resolved", "WARN", "bob", "reverted in #42"),
    ]


def test_open_can_be_resolved_directly(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    assert resolve(db, alert.id, "alice").status == "resolved"


def test_clear_errors_for_unknown_alerts_and_refused_transitions(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    with pytest.raises(AlertNotFound, match="no regression alert 999"):
        acknowledge(db, 999, "alice")
    with pytest.raises(AlertNotFound, match="no regression alert 999"):
        resolve(db, 999, "alice")
    with pytest.raises(ValueError, match="say who"):
        acknowledge(db, alert.id, "  ")

    acknowledge(db, alert.id, "alice")
    with pytest.raises(
        IllegalTransition,
        match=rf"regression alert {alert.id} \(baseline f1 "
        r"on medgemma-v1.2 × benchmark-set-v3 × analysis-v4 × production\) "
        r"is already acknowledged \(by alice",
    ):
        acknowledge(db, alert.id, "alice")  # the same again is refused too, not a no-op
    resolve(db, alert.id, "alice")
    with pytest.raises(IllegalTransition, match="is resolved .*a resolved alert is final"):
        resolve(db, alert.id, "alice")
    with pytest.raises(IllegalTransition, match="is resolved .*final"):
        acknowledge(db, alert.id, "bob")
    final = get_alert(db, alert.id)
    assert (final.acknowledged_by, final.resolved_by) == ("alice", "alice")


ILLEGAL = [
    (
        "acknowledged",
        "UPDATE regression_alerts SET status = 'open'",
        "is acknowledged: it cannot become open",
    ),
    ("resolved", "UPDATE regression_alerts SET status = 'open'", "a resolved alert is final"),
    (
        "resolved",
        "UPDATE regression_alerts SET status = 'acknowledged', acknowledged_by = 'x'",
        "a resolved alert is final",
    ),
    (
        "resolved",
        "UPDATE regression_alerts SET times_seen = times_seen + 1",
        "a resolved alert is final",
    ),
    (
        "open",
        "UPDATE regression_alerts SET metric = 'recall'",
        "rule, configuration, metric and first_seen_at of regression alert",
    ),
    ("open", "UPDATE regression_alerts SET status = 'banana'", "cannot become banana"),
    (
        "open",
        "UPDATE regression_alerts SET acknowledged_note = 'x'",
        "is open: set status to acknowledge or resolve it",
    ),
    (
        "acknowledged",
        "UPDATE regression_alerts SET status = 'acknowledged', acknowledged_by = 'alice'",
        "is already acknowledged",
    ),
    (
        "resolved",
        "UPDATE regression_alerts SET status = 'resolved', resolved_by = 'alice'",
        "a resolved alert is final",
    ),
]


@pytest.mark.parametrize(("state", "statement", "message"), ILLEGAL)
def test_the_database_refuses_illegal_transitions(db, state, statement, message):
    # Hand-written SQL as the owner meets the same rules as the Python.
    (alert,) = record_findings(db, [BASELINE], [finding()])
    if state in ("acknowledged", "resolved"):
        acknowledge(db, alert.id, "alice")
    if state == "resolved":
        resolve(db, alert.id, "alice")
    with pytest.raises(psycopg.errors.CheckViolation, match=message):
        db.execute(statement + " WHERE id = %s", (alert.id,))
    assert get_alert(db, alert.id).status == state


def test_a_new_alert_is_born_open(db):
    with pytest.raises(psycopg.errors.CheckViolation, match="must be open, not resolved"):
        db.execute(
            "INSERT INTO regression_alerts (rule, model_version, dataset_version,"
            " prompt_version, environment, metric, severity, reason, status,"
            " resolved_by) VALUES ('baseline', 'm', 'd', 'p', 'e', 'f1', 'WARN', 'r',"
            " 'resolved', 'x')"
        )


def test_the_unique_index_allows_one_unresolved_alert_per_key(db):
    insert = (
        "INSERT INTO regression_alerts (rule, model_version, dataset_version,"
        " prompt_version, environment, metric, severity, reason)"
        " VALUES ('baseline', 'm', 'd', 'p', 'e', '', 'WARN', 'r') RETURNING id"
    )
    (first,) = db.execute(insert).fetchone()
    with pytest.raises(psycopg.errors.UniqueViolation, match="regression_alerts_alert_once"):
        db.execute(insert)
    acknowledge(db, first, "alice")
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(insert)
    resolve(db, first, "alice")
    db.execute(insert)  # a new episode
    assert db.execute("SELECT count(*) FROM regression_alerts").fetchone()[0] == 2


def test_the_history_is_append_only_and_alerts_are_not_deleted(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    for statement in (
        "UPDATE regression_alert_events SET actor = 'mallory'",
        "DELETE FROM regression_alert_events",
        "TRUNCATE regression_alert_events",
    ):
        with pytest.raises(
            psycopg.errors.RestrictViolation, match="regression_alert_events is not allowed"
        ):
            db.execute(statement)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        db.execute("DELETE FROM regression_alerts WHERE id = %s", (alert.id,))


# Concurrency -----------------------------------------------------------------------------


def _wait_until_blocked(db, pid: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if db.execute(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()[0]:
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for the other evaluation")


def _in_thread(work):
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_two_evaluations_at_once_open_one_alert(db, db_url):
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        first.execute("SELECT 1")  # an open transaction: record_findings runs inside it
        opened_first = record_findings(first, [BASELINE], [finding()])

        def evaluate_second():
            opened = record_findings(second, [BASELINE], [finding(severity="ERROR")])
            second.commit()
            return opened

        thread, outcome = _in_thread(evaluate_second)
        _wait_until_blocked(db, second.info.backend_pid)
        first.commit()
        thread.join(20)
    assert "error" not in outcome, outcome.get("error")
    assert len(opened_first) == 1 and outcome["value"] == []
    (alert,) = find_alerts(db)
    assert (alert.times_seen, alert.severity) == (2, "ERROR")


def test_the_constraint_alone_keeps_concurrent_upserts_to_one_alert(db, db_url):
    # Without record_findings' advisory lock: the UNIQUE index makes the second INSERT wait
    # for the first transaction and then update its row instead of opening another.
    row = alerts._row(finding())
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        first.execute(alerts._UPSERT, row)

        def upsert_second():
            second.execute(alerts._UPSERT, row)
            second.commit()

        thread, outcome = _in_thread(upsert_second)
        _wait_until_blocked(db, second.info.backend_pid)
        first.commit()
        thread.join(20)
    assert "error" not in outcome, outcome.get("error")
    assert [(a.times_seen, a.status) for a in find_alerts(db)] == [(2, "open")]


# Notifications ---------------------------------------------------------------------------


def test_pending_notifications_are_open_alerts_not_sent_yet(db):
    warn, error, acked = record_findings(
        db,
        [BASELINE],
        [
            finding(metric="f1"),
            finding(metric="precision", severity="ERROR"),
            finding(metric="recall"),
        ],
    )
    acknowledge(db, acked.id, "alice")  # someone knows already: no message
    assert [a.id for a in pending_notifications(db)] == [error.id, warn.id]  # ERROR first
    assert [a.id for a in pending_notifications(db, "ERROR")] == [error.id]
    with pytest.raises(ValueError, match="min_severity"):
        pending_notifications(db, "INFO")

    assert mark_notified(db, [warn.id, error.id]) == 2
    assert mark_notified(db, [warn.id, error.id]) == 0  # once
    assert pending_notifications(db) == []
    record_findings(db, [BASELINE], [finding(metric="f1"), finding(metric="precision")])
    assert pending_notifications(db) == []  # seen again: still sent once
    with pytest.raises(psycopg.errors.CheckViolation, match="was already notified"):
        db.execute(
            "UPDATE regression_alerts SET notified_at = now() + interval '1 day' WHERE id = %s",
            (warn.id,),
        )


def test_an_alert_resolved_while_its_message_was_sent_can_still_be_marked(db):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    resolve(db, alert.id, "alice")
    assert mark_notified(db, [alert.id]) == 1
    assert get_alert(db, alert.id).notified_at is not None
    assert [e[0] for e in events(db, alert.id)] == ["opened", "resolved", "notified"]


# Reading ---------------------------------------------------------------------------------


def test_list_alerts_filters_and_gives_a_frame(db):
    record_findings(
        db,
        [BASELINE, HISTORY],
        [
            finding(configuration=CONFIG, severity="ERROR"),
            finding(configuration=OTHER),
            finding(
                HISTORY,
                configuration=OTHER,
                metric="latency_ms",
                direction="lower",
                current=480,
                reference=412,
                delta=68,
                percent=16.5,
            ),
        ],
    )
    resolve(db, find_alerts(db, model=CONFIG[0])[0].id, "alice")

    frame = list_alerts(db)
    assert len(frame) == 3 and list(frame.columns) == list(alerts.COLUMNS)
    assert frame["current"].dtype == "float64"
    unresolved = list_alerts(db, "unresolved")
    assert sorted(unresolved["metric"]) == ["f1", "latency_ms"]
    assert set(unresolved["model_version"]) == {OTHER[0]}
    assert list(list_alerts(db, "resolved", model=CONFIG[0])["severity"]) == ["ERROR"]
    only = list_alerts(
        db, rule=HISTORY, environment="production", dataset=OTHER[1], prompt=OTHER[2]
    )
    assert list(only["current"]) == [480.0]
    assert list_alerts(db, "open", model="nope").empty
    with pytest.raises(ValueError, match="unknown alert status"):
        list_alerts(db, "closed")


def test_markdown_summary_for_pull_requests(db):
    record_findings(
        db,
        [BASELINE],
        [
            finding(metric="f1"),
            finding(
                configuration=("a|b", "d", "p", "e"),
                metric="latency_ms",
                severity="ERROR",
                direction="lower",
                current=480,
                reference=412,
                delta=68,
                percent=16.5,
                reason="latency rose | beyond 10 %",
            ),
        ],
    )
    text = alerts_markdown(find_alerts(db), title="Regressions")
    lines = text.splitlines()
    assert lines[:3] == ["### Regressions", "", "**2 regression alerts** (1 ERROR, 1 WARN)"]
    assert lines[4].startswith("| alert | severity | status | rule | configuration |")
    assert (
        "| **ERROR** | open | baseline | a\\|b × d × p × e | latency_ms | 480 | 412 "
        "| +68 | +16.50 % | abc1234def56 | main |" in lines[6]
    )
    assert "latency rose \\| beyond 10 %" in lines[6]
    assert (
        "| WARN | open | baseline | medgemma-v1.2 × benchmark-set-v3 × analysis-v4 × "
        "production | f1 | 0.85 | 0.9 | -0.05 | -5.56 % |" in lines[7]
    )
    assert alerts_markdown([]) == "No regression alerts."


# Roles -----------------------------------------------------------------------------------


def test_the_writer_records_and_moves_alerts_but_cannot_forge_or_delete(db):
    db.execute("SET ROLE benchmon_writer")
    (alert,) = record_findings(db, [BASELINE], [finding()])
    record_findings(db, [BASELINE], [finding(severity="ERROR")])
    acknowledge(db, alert.id, "alice")
    assert mark_notified(db, [alert.id]) == 1
    resolve(db, alert.id, "alice")
    assert [e[0] for e in events(db, alert.id)] == [
        "opened",
        "escalated",
        "acknowledged",
        "notified",
        "resolved",
    ]
    for statement in (
        "DELETE FROM regression_alerts",
        "UPDATE regression_alerts SET first_seen_at = now()",
        "INSERT INTO regression_alert_events (alert_id, event_type, severity,"
        f" actor) VALUES ({alert.id}, 'resolved', 'WARN', 'mallory')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(statement)


def test_the_reader_reads_alerts_only_while_the_template_allows(db):
    record_findings(db, [BASELINE], [finding()])
    db.execute("SET ROLE benchmon_reader")
    assert db.execute("SELECT count(*) FROM regression_alerts").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM regression_alert_events").fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="regression_alerts"):
        db.execute("UPDATE regression_alerts SET status = 'resolved'")
    db.execute("RESET ROLE")
    db.execute("UPDATE security_settings SET reader_access = 'none'")
    db.execute("SET ROLE benchmon_reader")
    assert db.execute("SELECT count(*) FROM regression_alerts").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM regression_alert_events").fetchone()[0] == 0
