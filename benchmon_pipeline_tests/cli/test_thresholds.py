"""`benchmon thresholds` and `benchmon branches` through the real entry point, against a
real PostgreSQL: a definition for every configuration, an override for one, what is in
force, a tracked branch that decides which results make versions; a reader login is
refused (77)."""

import json

import psycopg
import pytest

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.cli.test_versions import MODEL, benchmon, ok, one_error, push
from benchmon_pipeline_tests.db.logins import login_url


def test_definitions_overrides_and_what_is_in_force(db_url, tmp_path):
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400)

    def run(*args):
        return benchmon(*args, url=db_url, cwd=tmp_path)

    shown = ok(run("thresholds", "set", "--metric", "f1", "--rel", "0.02"))
    assert shown == (
        "f1 for every configuration: direction higher, abs_threshold 0.05, rel_threshold 0.02\n"
    )  # (sql/0006 defines f1; what is not given stays)
    override = json.loads(
        ok(
            run(
                "thresholds",
                "set",
                "--model",
                MODEL,
                "--metric",
                "latency_ms",
                "--abs",
                "50",
                "--format",
                "json",
            )
        )
    )
    assert override == {
        "metric": "latency_ms",
        "scope": "medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / production",
        "direction": None,
        "abs_threshold": 50.0,
        "rel_threshold": 0.05,  # the relative threshold in force is kept
        "unit": None,
        "description": None,
    }
    listed = json.loads(ok(run("thresholds", "list", "--format", "json")))
    assert {(r["metric"], r["scope"]) for r in listed} >= {
        ("f1", "every configuration"),
        ("recall", "every configuration"),
        ("latency_ms", "medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / production"),
    }
    in_force = {
        r["metric"]: r
        for r in json.loads(ok(run("thresholds", "list", "--model", MODEL, "--format", "json")))
    }
    assert {"f1", "precision", "recall", "latency_ms"} <= set(in_force)
    assert (in_force["f1"]["scope"], in_force["f1"]["rel_threshold"]) == ("definition", 0.02)
    assert in_force["latency_ms"]["scope"] == "override"
    assert (in_force["latency_ms"]["direction"], in_force["latency_ms"]["abs_threshold"]) == (
        "lower",
        50.0,
    )
    assert (in_force["recall"]["scope"], in_force["recall"]["rel_threshold"]) == (
        "definition",
        0.05,
    )

    removed = ok(run("thresholds", "unset", "--model", MODEL, "--metric", "latency_ms"))
    assert removed.startswith("latency_ms for medgemma-v1.2 / ")
    again = run("thresholds", "unset", "--model", MODEL, "--metric", "latency_ms")
    one_error(again, exits.INVALID_INPUT, "'latency_ms' has no override for medgemma-v1.2")


def test_a_tracked_branch_decides_which_results_make_versions(db_url, tmp_path):
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400)

    def run(*args):
        return benchmon(*args, url=db_url, cwd=tmp_path)

    listed = json.loads(ok(run("branches", "list", "--format", "json")))
    assert [(b["tracked_branch"], b["is_default"]) for b in listed] == [("main", True)]
    tracked = ok(run("branches", "track", "--model", MODEL, "--branch", "release"))
    assert tracked.splitlines()[0] == "tracked branch: main → release"
    push(tmp_path, db_url, "on-main", 0.80, 0.90, 0.88, 400, branch="main")
    push(tmp_path, db_url, "on-release", 0.95, 0.90, 0.88, 400, branch="release")
    history = json.loads(ok(run("history", "--model", MODEL, "--format", "json")))
    assert [(h["version"], h["branch_name"], h["metrics"]["f1"]) for h in history] == [
        (2, "release", 0.95),
        (1, "main", 0.89),
    ]
    back = json.loads(ok(run("branches", "untrack", "--model", MODEL, "--format", "json")))
    assert (back["before"], back["after"]) == ("release", "main")


def test_a_reader_may_list_but_not_change_them(db_url, tmp_path):
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400)
    with login_url(db_url, "benchmon_reader") as url:
        ok(benchmon("thresholds", "list", url=url, cwd=tmp_path))
        ok(benchmon("branches", "list", url=url, cwd=tmp_path))
        refused = benchmon(
            "thresholds", "set", "--metric", "f1", "--rel", "0.1", url=url, cwd=tmp_path
        )
        one_error(refused, exits.NO_PERMISSION, "benchmon_writer")
        refused = benchmon(
            "branches", "track", "--model", MODEL, "--branch", "x", url=url, cwd=tmp_path
        )
        one_error(refused, exits.NO_PERMISSION, "benchmon_writer")


def test_a_threshold_is_a_finite_number_and_a_metric_has_a_name(db_url, tmp_path):
    # `--abs inf` used to be stored, and from then on every run of the gate failed with an
    # internal error (exit 70); a NaN relative threshold was silently never met (sql/0045).
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400)

    def run(*args):
        return benchmon(*args, url=db_url, cwd=tmp_path)

    def f1_definition():
        with psycopg.connect(db_url) as conn:
            return conn.execute(
                "SELECT abs_threshold, rel_threshold FROM metric_definitions WHERE name = 'f1'"
            ).fetchone()

    before = f1_definition()

    for flag, value in (("--abs", "inf"), ("--abs", "1e400"), ("--rel", "nan"), ("--rel", "-1")):
        refused = run("thresholds", "set", "--metric", "f1", flag, value)
        assert refused.returncode == 2, refused.stderr
        assert "must be a finite number, 0 or more" in refused.stderr, refused.stderr
    blank = run("thresholds", "set", "--metric", " ", "--rel", "0.1")
    assert blank.returncode == 2 and "must name a metric" in blank.stderr, blank.stderr
    # the database refuses them too, whoever writes
    with psycopg.connect(db_url, autocommit=True) as conn:
        for call, args in (
            ("set_metric_definition(%s, abs_threshold => %s::numeric)", ("f1", "Infinity")),
            ("set_metric_definition(%s, rel_threshold => %s::numeric)", ("f1", "NaN")),
            ("set_metric_definition(%s, rel_threshold => %s::numeric)", (" ", "0.1")),
        ):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(f"SELECT {call}", args)
    assert f1_definition() == before  # nothing refused was stored
    gate = run("regressions", "--rules", "baseline", "--allow-empty")
    assert gate.returncode == 0, gate.stderr


def test_branches_list_calls_a_name_that_matches_nothing_a_typo(db_url, tmp_path):
    # It printed "no configuration matches" and exited 0, where `configs` says 65 with the
    # near matches.
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400)
    typo = benchmon("branches", "list", "--model", MODEL[:-1] + "X", url=db_url, cwd=tmp_path)
    one_error(typo, exits.INVALID_INPUT, "matches no stored configuration", MODEL)
    listed = ok(benchmon("branches", "list", "--model", MODEL, url=db_url, cwd=tmp_path))
    assert MODEL in listed
