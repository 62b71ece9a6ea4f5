"""Each rule is defined once, in SQL, and Python asks for it: change the rule in the database
and the checks, the CI gate and the fold follow, with no Python copy left to disagree."""

import re

from benchmon_pipeline.cli.regressions import _tracked_branches
from benchmon_pipeline.regressions.reading import Scope, baseline_pairs, recent_results
from benchmon_pipeline.regressions.verdicts import SEVERITIES
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline, upsert, versions


def pairs(db) -> dict[str, tuple]:
    frame = baseline_pairs(db, Scope(), previous=0)
    return {row.metric: (row.abs_threshold, row.rel_threshold) for row in frame.itertuples()}


def test_thresholds_come_from_metric_thresholds(db):
    upsert(db, CONFIG, {"f1": 0.9, "tokens": 100})
    set_baseline(db, CONFIG, 1)
    upsert(db, CONFIG, {"f1": 0.85, "tokens": 90})
    before = pairs(db)
    assert float(before["f1"][1]) == 0.05  # metric_definitions
    assert before["tokens"][0] is None and float(before["tokens"][1]) == 0.05  # the default
    sql_side = db.execute(
        "SELECT abs_threshold, rel_threshold FROM metric_thresholds('tokens', %s, %s, %s, %s)",
        CONFIG,
    ).fetchone()
    assert sql_side == before["tokens"]

    # The default changes in SQL only: Python's answer follows, and so does the SQL check.
    db.execute(
        "CREATE OR REPLACE FUNCTION default_rel_threshold() RETURNS numeric "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT 0.2::numeric $$"
    )
    assert float(pairs(db)["tokens"][1]) == 0.2
    assert float(pairs(db)["f1"][1]) == 0.05  # a defined metric keeps its own
    judged = db.execute(
        "SELECT rel_threshold FROM detect_metric_regressions() WHERE metric = 'tokens'"
    ).fetchone()[0]
    assert float(judged) == 0.2

    db.execute(
        "INSERT INTO metric_overrides VALUES (%s, %s, %s, %s, 'f1', NULL, 0.01, NULL)", CONFIG
    )
    assert (
        pairs(db)["f1"]
        == db.execute(
            "SELECT abs_threshold, rel_threshold FROM metric_thresholds('f1', %s, %s, %s, %s)",
            CONFIG,
        ).fetchone()
    )
    assert float(pairs(db)["f1"][0]) == 0.01


def test_the_tracked_branch_default_comes_from_sql(db):
    assert _tracked_branches(db) == {"main"}
    upsert(db, CONFIG, {"f1": 0.9}, branch="main")
    db.execute(
        "CREATE OR REPLACE FUNCTION default_tracked_branch() RETURNS text "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT 'trunk'::text $$"
    )
    assert _tracked_branches(db) == {"trunk"}
    assert db.execute("SELECT tracked_branch(%s, %s, %s, %s)", CONFIG).fetchone()[0] == "trunk"
    upsert(db, CONFIG, {"f1": 0.7}, branch="main")  # no longer the tracked branch
    upsert(db, CONFIG, {"f1": 0.8}, branch="trunk")  # now it is: the fold makes a version
    assert [f1 for _, f1, _, _ in versions(db, CONFIG)] == [0.9, 0.8]


def test_the_checks_history_reads_the_branch_sql_says_is_tracked(db):
    upsert(db, CONFIG, {"f1": 0.9}, branch="main")
    upsert(db, CONFIG, {"f1": 0.8}, branch="trunk")

    def history() -> list[float]:
        (series,) = recent_results(db, Scope(), per_configuration=10)
        return [value.value for value in series.values]

    assert history() == [0.9]
    db.execute(
        "CREATE OR REPLACE FUNCTION default_tracked_branch() RETURNS text "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT 'trunk'::text $$"
    )
    assert history() == [0.8]
    db.execute("INSERT INTO tracked_branches VALUES (%s, %s, %s, %s, 'main')", CONFIG)
    assert history() == [0.9]
    # Python has no copy of "the configuration's row, else the default": it asks
    # tracked_branch(), so a different rule there is the rule the checks follow.
    db.execute(
        "CREATE OR REPLACE FUNCTION tracked_branch(model_version text, dataset_version text,"
        " prompt_version text, environment text) RETURNS text"
        " LANGUAGE sql STABLE AS $$ SELECT 'trunk'::text $$"
    )
    assert history() == [0.8]


def test_the_severities_the_database_allows_are_python_s(db):
    """SEVERITIES (regressions/verdicts.py) is the one Python definition; the alert tables'
    CHECK constraints are the database's, and they name the same values in the same order."""
    checks = db.execute(
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'c' AND pg_get_constraintdef(oid) LIKE '%(severity%'"
        " ORDER BY 1"
    ).fetchall()
    assert [table for table, _ in checks] == ["regression_alert_events", "regression_alerts"]
    for _, definition in checks:
        assert tuple(re.findall(r"'(\w+)'::text", definition)) == SEVERITIES
