"""Audited threshold and branch changes (sql/0028) through the real entry point: each
`thresholds set|unset` and `branches track|untrack` leaves a record of who (the database
login), why (--reason), what (the row before and after) and when, which `thresholds
history` lists; the records cannot be rewritten, and a change made in plain SQL is
recorded too."""

import json

import psycopg
import pytest

from benchmon_pipeline_tests.cli.test_export_parquet import seed
from benchmon_pipeline_tests.cli.test_versions import benchmon, ok


def test_every_change_is_recorded_with_who_why_and_before_after(db, db_url, tmp_path):
    seed(db_url, count=1)  # model-b / set-a / prompt-a / production

    def run(*args):
        return ok(benchmon(*args, url=db_url, cwd=tmp_path))

    run("thresholds", "set", "--metric", "f1", "--rel", "0.02", "--reason", "Q4 review")
    run("thresholds", "set", "--model", "model-b", "--metric", "latency_ms", "--abs", "50")
    run("branches", "track", "--model", "model-b", "--branch", "release", "--reason", "RC")
    run("branches", "untrack", "--model", "model-b", "--reason", "release merged")
    run("thresholds", "unset", "--metric", "f1", "--reason", "back to the name rule")

    (login,) = db.execute("SELECT session_user").fetchone()
    changes = json.loads(run("thresholds", "history", "--format", "json"))
    assert [(c["setting"], c["metric"], c["reason"]) for c in changes] == [
        ("metric_definition", "f1", "back to the name rule"),
        ("tracked_branch", None, "release merged"),
        ("tracked_branch", None, "RC"),
        ("metric_override", "latency_ms", None),
        ("metric_definition", "f1", "Q4 review"),
    ]
    assert {c["recorded_by"] for c in changes} == {login}
    removed, untracked, tracked, override, defined = changes
    assert removed["before"]["rel_threshold"] == 0.02 and removed["after"] is None
    assert defined["before"]["rel_threshold"] != 0.02 and defined["after"]["rel_threshold"] == 0.02
    assert (tracked["before"], tracked["after"]["branch_name"]) == (None, "release")
    assert (untracked["before"]["branch_name"], untracked["after"]) == ("release", None)
    assert override["model_version"] == "model-b" and override["after"]["abs_threshold"] == 50
    assert changes[0]["changed_at"] >= changes[-1]["changed_at"]

    table = run("thresholds", "history", "--model", "model-b", "--limit", "3").splitlines()
    assert table[0].split() == [
        "CHANGED_AT", "RECORDED_BY", "SCOPE", "METRIC", "BEFORE", "AFTER", "REASON",
    ]  # fmt: skip
    assert "release" in table[2] and "the default" in table[2] and "release merged" in table[2]
    assert "(tracked branch)" in table[3] and table[3].rstrip().endswith("RC")
    only_f1 = json.loads(run("thresholds", "history", "--metric", "f1", "--format", "json"))
    assert [c["reason"] for c in only_f1] == ["back to the name rule", "Q4 review"]


def test_the_record_is_append_only_and_covers_plain_sql(db):
    db.execute(
        "INSERT INTO metric_definitions (name, direction, rel_threshold)"
        " VALUES ('cost_usd', 'lower', 0.2)"
    )
    (before, after, reason) = db.execute(
        "SELECT before, after, reason FROM settings_changes ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert before is None and after["name"] == "cost_usd" and reason is None
    for statement in (
        "UPDATE settings_changes SET reason = 'rewritten'",
        "DELETE FROM settings_changes",
        "TRUNCATE settings_changes",
    ):
        with pytest.raises(psycopg.errors.RestrictViolation):
            db.execute(statement)
    db.execute("UPDATE metric_definitions SET rel_threshold = rel_threshold WHERE name = 'f1'")
    (count,) = db.execute("SELECT count(*) FROM settings_changes").fetchone()
    assert count == 1  # an update that changed nothing is not a change
