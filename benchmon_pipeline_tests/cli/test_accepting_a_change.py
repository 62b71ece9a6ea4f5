"""Accepting a change (issue 16, item 7), through the gate: a step the history rule flags,
`benchmon alerts accept` or `set_baseline` on the current version, then the gate passes
with the new level as the reference — and a further regression is still caught."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from benchmon_pipeline.regressions.alerts import IllegalTransition, accept, record_findings
from benchmon_pipeline.regressions.evaluation import evaluate
from benchmon_pipeline.regressions.findings import HISTORY
from benchmon_pipeline_tests.db.logins import login_as
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline

START = datetime(2026, 5, 1, tzinfo=UTC)
REASON = "new model is intentionally slower"


def benchmon(*args, db_url):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_"))
    }
    env.update(BENCHMON_DATABASE_URL=db_url, USER="ci-runner")
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def gate(db_url):
    """`benchmon regressions --format json`: (exit code, report)."""
    done = benchmon("regressions", "--format", "json", db_url=db_url)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


class Series:
    """One configuration's results, an hour apart: latency_ms around a level, f1 steady."""

    def __init__(self, conn):
        self.conn, self.hour = conn, 0

    def push(self, latency_level: float, count: int = 1) -> list:
        ids = []
        for _ in range(count):
            i = self.hour
            metrics = {
                "latency_ms": latency_level + 3 * ((i * 7) % 5 - 2),
                "f1": 0.90 + ((i * 3) % 5 - 2) / 1000,
            }
            ids.append(
                self.conn.execute(
                    "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb,"
                    " created_at => %s, commit_sha => %s, branch_name => 'main')",
                    (*CONFIG, json.dumps(metrics), START + timedelta(hours=i), f"c{i:04d}"),
                ).fetchone()[0]
            )
            self.hour += 1
        return ids

    def check(self) -> list:
        """What the history check does: evaluate, record the findings as alerts."""
        found = evaluate(self.conn, [HISTORY]).of(HISTORY)
        record_findings(self.conn, [HISTORY], found)
        return found


def history_findings(report) -> list[tuple]:
    return [
        (f["metric"], f["severity"], round(float(f["reference"])))
        for f in report["findings"]
        if f["rule"] == HISTORY
    ]


def events(conn, alert_id) -> list[tuple]:
    return conn.execute(
        "SELECT event_type, actor, note FROM regression_alert_events WHERE alert_id = %s"
        " ORDER BY event_id",
        (alert_id,),
    ).fetchall()


@pytest.fixture
def stepped(db_url):
    """30 results at 400 ms, then 3 at 520 ms: the history rule's ERROR, an open alert."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        series = Series(conn)
        series.push(400, 30)
        step = []
        for _ in range(3):
            step += series.push(520)
            series.check()
        (alert_id,) = conn.execute(
            "SELECT id FROM regression_alerts WHERE rule = 'history' AND status = 'open'"
            " AND metric = 'latency_ms'"
        ).fetchone()
        yield conn, series, alert_id, step


def test_accepting_the_alert_restarts_the_history_and_unblocks_the_gate(db_url, stepped):
    conn, series, alert_id, step = stepped
    code, report = gate(db_url)
    assert code == 1, "the step fails the gate"
    assert history_findings(report) == [("latency_ms", "ERROR", 400)]

    done = benchmon("alerts", "accept", str(alert_id), "--reason", REASON, db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert f"accepted alert {alert_id}" in done.stdout and "as ci-runner" in done.stdout

    status, resolved_by = conn.execute(
        "SELECT status, resolved_by FROM regression_alerts WHERE id = %s", (alert_id,)
    ).fetchone()
    assert (status, resolved_by) == ("resolved", "ci-runner")
    assert events(conn, alert_id)[-2:] == [
        ("accepted", "ci-runner", REASON),
        ("resolved", "ci-runner", f"accepted as the new level: {REASON}"),
    ]
    # The accepted point is the first result of the flagged run: the new level's results
    # already stored count toward the new reference.
    assert conn.execute(
        "SELECT metric, transaction_id, alert_id, actor, reason FROM accepted_changes"
    ).fetchall() == [("latency_ms", step[0], alert_id, "ci-runner", REASON)]

    code, report = gate(db_url)
    assert code == 0, report
    assert report["findings"] == []
    assert series.check() == [], "the check agrees: no history alert opens again"
    assert conn.execute("SELECT count(*) FROM regression_alerts").fetchone()[0] == 1
    assert evaluate(conn, [HISTORY]).not_judged == [
        f"{' / '.join(CONFIG)} latency_ms: 2 earlier result(s); 10 needed before the history"
        " rule judges (the reference restarted at an accepted change)"
    ]

    # Ten more results at the new level: judged again, against the new level alone (with
    # the old level still in the window this would be a confirmed regression).
    series.push(520, 10)
    code, report = gate(db_url)
    assert code == 0 and report["findings"] == [], report
    evaluation = evaluate(conn, [HISTORY])
    assert evaluation.judged[HISTORY] == 2 and evaluation.not_judged == []

    # A real regression after the accepted point is still caught, against 520 ms.
    series.push(700, 3)
    code, report = gate(db_url)
    assert code == 1
    assert history_findings(report) == [("latency_ms", "ERROR", 520)]


def test_setting_the_baseline_on_the_current_version_unblocks_the_gate(db_url, stepped):
    conn, series, alert_id, _ = stepped
    assert gate(db_url)[0] == 1
    (current,) = conn.execute(
        "SELECT snapshot_version FROM benchmark_snapshots WHERE is_current"
    ).fetchone()
    set_baseline(conn, CONFIG, current, actor="alice", reason="slower on purpose")

    code, report = gate(db_url)
    assert code == 0, report
    assert report["findings"] == []
    assert series.check() == []
    status, resolved_by = conn.execute(
        "SELECT status, resolved_by FROM regression_alerts WHERE id = %s", (alert_id,)
    ).fetchone()
    assert (status, resolved_by) == ("resolved", "benchmon"), "no longer detected"

    series.push(520, 10)
    assert gate(db_url)[0] == 0
    series.push(700, 3)
    code, report = gate(db_url)
    assert code == 1
    assert history_findings(report) == [("latency_ms", "ERROR", 520)]


def test_the_writer_role_accepts_and_nothing_else_writes_what_was_accepted(db_url, stepped):
    conn, _, alert_id, step = stepped
    with login_as(db_url, "benchmon_reader") as reader:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("SELECT accept_regression_alert(%s, 'eve', 'no')", (alert_id,))
    with login_as(db_url, "benchmon_writer") as writer:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            writer.execute(
                "INSERT INTO accepted_changes (model_version, dataset_version, prompt_version,"
                " environment, metric, transaction_id, actor, reason)"
                " VALUES (%s, %s, %s, %s, '', %s, 'eve', 'sneaky')",
                (*CONFIG, step[0]),
            )
        accepted = accept(writer, alert_id, "bob", REASON)
        assert (accepted.status, accepted.resolved_by) == ("resolved", "bob")
        with pytest.raises(IllegalTransition, match="is resolved"):
            accept(writer, alert_id, "bob", REASON)
        login = writer.execute("SELECT session_user").fetchone()[0]
    assert conn.execute("SELECT actor, recorded_by FROM accepted_changes").fetchall() == [
        ("bob", login)
    ]
    assert events(conn, alert_id)[-2][:2] == ("accepted", "bob")
    with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
        conn.execute("DELETE FROM accepted_changes")


def test_accept_needs_a_reason_and_a_level_to_accept(db_url, stepped):
    conn, _, alert_id, _ = stepped
    missing = benchmon("alerts", "accept", str(alert_id), db_url=db_url)
    assert missing.returncode == 2 and "--reason" in missing.stderr
    blank = benchmon("alerts", "accept", str(alert_id), "--reason", " ", db_url=db_url)
    assert blank.returncode == 2
    unknown = benchmon("alerts", "accept", "99999", "--reason", REASON, db_url=db_url)
    assert unknown.returncode == 65 and "error: no regression alert 99999" in unknown.stderr
    conn.execute(
        "INSERT INTO regression_alerts (rule, model_version, dataset_version, prompt_version,"
        " environment, metric, severity, reason) VALUES ('stale', %s, %s, %s, %s, '',"
        " 'WARN', 'silent')",
        CONFIG,
    )
    with pytest.raises(IllegalTransition, match="not about a level"):
        accept(conn, conn.execute("SELECT max(id) FROM regression_alerts").fetchone()[0], "a", "b")
    assert conn.execute("SELECT count(*) FROM accepted_changes").fetchone()[0] == 0
